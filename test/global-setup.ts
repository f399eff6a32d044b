import { RedisServer, findRedisServer } from './helpers/redis-server';

declare global {
  var lapseTestRedis: RedisServer | undefined;
}

/**
 * Starts one real `redis-server` for the whole run and hands its URL to the
 * suites through LAPSE_TEST_REDIS_URL. Without the binary, CI fails outright;
 * elsewhere the Redis variants are left out with a notice.
 */
export default async function globalSetup(): Promise<void> {
  // Each e2e project (one per HTTP adapter) calls this; one server serves all.
  if (globalThis.lapseTestRedis) return;
  if (!findRedisServer()) {
    const message =
      'redis-server was not found on the PATH: install it (Debian: apt-get install redis-server).';
    if (process.env.CI === 'true') throw new Error(`${message} CI requires the Redis suites.`);
    process.stdout.write(`\nNotice: ${message} The Redis suites are skipped.\n`);
    return;
  }
  globalThis.lapseTestRedis = await RedisServer.start();
  process.env.LAPSE_TEST_REDIS_URL = globalThis.lapseTestRedis.url;
}
