/**
 * Stops the `redis-server` and the Redis Cluster started by global-setup.ts
 * (called once per e2e project).
 */
export default async function globalTeardown(): Promise<void> {
  const server = globalThis.lapseTestRedis;
  const cluster = globalThis.lapseTestRedisCluster;
  globalThis.lapseTestRedis = undefined;
  globalThis.lapseTestRedisCluster = undefined;
  await Promise.all([server?.stop(), cluster?.stop()]);
}
