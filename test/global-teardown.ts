/** Stops the `redis-server` started by global-setup.ts (called once per e2e project). */
export default async function globalTeardown(): Promise<void> {
  const server = globalThis.lapseTestRedis;
  globalThis.lapseTestRedis = undefined;
  await server?.stop();
}
