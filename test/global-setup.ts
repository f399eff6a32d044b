import { RedisCluster, findRedisCli } from './helpers/redis-cluster';
import { RedisServer, findRedisServer } from './helpers/redis-server';

declare global {
  var lapseTestRedis: RedisServer | undefined;
  var lapseTestRedisCluster: RedisCluster | undefined;
}

/** Fails the run in CI, where the Redis suites are required; elsewhere prints a notice. */
function missing(message: string, suites: string): void {
  if (process.env.CI === 'true') throw new Error(`${message} CI requires the ${suites} suites.`);
  process.stdout.write(`\nNotice: ${message} The ${suites} suites are skipped.\n`);
}

/**
 * Starts one real `redis-server` and one Redis Cluster (3 masters, no
 * replicas) for the whole run, and hands them to the suites through
 * LAPSE_TEST_REDIS_URL and LAPSE_TEST_REDIS_CLUSTER_NODES (`host:port,...`).
 * Without the binaries, CI fails outright; elsewhere the Redis variants are
 * left out with a notice.
 */
export default async function globalSetup(): Promise<void> {
  // Each e2e project (one per HTTP adapter) calls this; one server serves all.
  if (globalThis.lapseTestRedis) return;
  if (!findRedisServer()) {
    return missing(
      'redis-server was not found on the PATH: install it (Debian: apt-get install redis-server).',
      'Redis',
    );
  }
  // redis-cli joins the cluster's nodes; Debian ships it with redis-server.
  // Checked first, so that CI fails before anything is started.
  const withCluster = !!findRedisCli();
  if (!withCluster) {
    missing(
      'redis-cli was not found on the PATH: install it (Debian: apt-get install redis-tools).',
      'Redis Cluster',
    );
  }
  globalThis.lapseTestRedis = await RedisServer.start();
  process.env.LAPSE_TEST_REDIS_URL = globalThis.lapseTestRedis.url;
  if (!withCluster) return;

  try {
    globalThis.lapseTestRedisCluster = await RedisCluster.start();
  } catch (err) {
    // Jest skips the teardown when the setup fails: stop the server here.
    await globalThis.lapseTestRedis.stop();
    globalThis.lapseTestRedis = undefined;
    throw err;
  }
  process.env.LAPSE_TEST_REDIS_CLUSTER_NODES = globalThis.lapseTestRedisCluster.seeds;
}
