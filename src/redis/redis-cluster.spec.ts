import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { canStartCluster, RedisCluster } from '../../test/helpers/redis-cluster';
import type { RedisClusterNode } from '../../test/helpers/redis-cluster';
import type { CacheEntry } from '../cache/cache-entry';
import { RedisCacheStore } from '../cache/stores/redis-cache.store';
import { StoreUnavailableError } from '../common/store-unavailable.error';
import { RedisConnection } from './redis-connection';
import { openClusterKeyspace, RedisKeyspace, shardCountKey } from './redis-keyspace';

/**
 * Lapse on a real local Redis Cluster whose masters the tests kill and freeze:
 * only the shards of a master that is down fail (fast, with
 * StoreUnavailableError), the others keep serving, and once a replica has
 * taken over the connection finds it without a restart.
 */

jest.setTimeout(60_000);

const TIMEOUT_MS = 1_000;
/** How fast a call must fail while its master is away (about one timeout, measured generously). */
const FAIL_FAST_MS = 2_000;
const LONG_TTL = 10 * 60_000;

const tools = canStartCluster('the Redis Cluster tests');

let namespaces = 0;
const uniqueNamespace = (): string => `cluster-${process.pid}-${Date.now()}-${++namespaces}`;

function entryOf<T>(value: T): CacheEntry<T> {
  const storedAt = Date.now();
  return { value, tags: [], etag: `"${String(value)}"`, storedAt, expiresAt: storedAt + LONG_TTL };
}

/** How long `call` took to settle, and whether it failed with StoreUnavailableError. */
async function timed(call: () => Promise<unknown>): Promise<{ ms: number; outcome: string }> {
  const started = performance.now();
  const outcome = await call().then(
    () => 'ok',
    (error: unknown) => (error instanceof StoreUnavailableError ? 'unavailable' : String(error)),
  );
  return { ms: performance.now() - started, outcome };
}

/** Resolves once `check` holds, polling; fails naming `what` after `timeoutMs`. */
async function eventually(what: string, timeoutMs: number, check: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

(tools ? describe : describe.skip)('Lapse on a Redis Cluster', () => {
  let cluster: RedisCluster;
  const connections: RedisConnection[] = [];

  async function connect(): Promise<RedisConnection> {
    const connection = new RedisConnection({
      url: 'redis://',
      clusterNodes: cluster.seeds.split(','),
      timeoutMs: TIMEOUT_MS,
    });
    connections.push(connection);
    await connection.onModuleInit();
    return connection;
  }

  /** A store of 16 shards, and one id of each shard with the master that serves it. */
  async function storeWithIds(connection: RedisConnection) {
    const namespace = uniqueNamespace();
    const keyspace = RedisKeyspace.cluster(namespace, 16);
    const store = new RedisCacheStore(connection, {
      namespace,
      keyspace,
      sweepIntervalMs: 60_000,
    });
    const ids = new Map<number, string>();
    for (let i = 0; ids.size < 16; i++) {
      if (!ids.has(keyspace.shardOf(`id${i}`))) ids.set(keyspace.shardOf(`id${i}`), `id${i}`);
    }
    const owners = new Map<string, RedisClusterNode>();
    for (const [shard, id] of ids) {
      owners.set(id, await cluster.masterFor(`${keyspace.prefix(shard)}:cache:${id}`));
      await store.setIf(id, entryOf(id), LONG_TTL, {});
    }
    return { store, owners };
  }

  beforeEach(async () => {
    Logger.overrideLogger(false);
    cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 1 });
  });

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((each) => each.onApplicationShutdown()));
    await cluster?.stop();
  });

  it('fails only the shards of a killed master, fast, and serves them again once its replica takes over', async () => {
    const connection = await connect();
    const { store, owners } = await storeWithIds(connection);
    try {
      const victim = [...owners.values()][0];
      const lost = [...owners].filter(([, node]) => node.port === victim.port).map(([id]) => id);
      const kept = [...owners].filter(([, node]) => node.port !== victim.port).map(([id]) => id);
      expect(lost.length).toBeGreaterThan(0);
      expect(kept.length).toBeGreaterThan(0);

      await cluster.kill(victim);

      for (const id of lost) {
        const { ms, outcome } = await timed(() => store.readCounted(id));
        expect(outcome).toBe('unavailable');
        expect(ms).toBeLessThan(FAIL_FAST_MS);
      }
      for (const id of kept) expect((await store.readCounted(id))?.value).toBe(id);
      const nodes = await connection.checkNodes();
      expect(nodes.filter(({ up }) => !up).map(({ address }) => address)).toStrictEqual([
        `127.0.0.1:${victim.port}`,
      ]);

      await cluster.waitForFailover(victim, 20_000);

      // Replication is asynchronous: what the dead master had acknowledged may
      // be lost, so the promoted replica is written to afresh.
      await eventually('the promoted replica answering', 10_000, async () => {
        const { outcome } = await timed(() => store.setIf(lost[0], entryOf(lost[0]), LONG_TTL, {}));
        return outcome === 'ok';
      });
      for (const id of lost) await store.setIf(id, entryOf(id), LONG_TTL, {});
      for (const id of [...lost, ...kept]) {
        expect((await store.readCounted(id))?.value).toBe(id);
      }
      expect((await connection.checkNodes()).every(({ up }) => up)).toBe(true);
    } finally {
      store.onModuleDestroy();
    }
  });

  it('times out the shards of a frozen master after REDIS_TIMEOUT_MS, and serves the others meanwhile', async () => {
    const connection = await connect();
    const { store, owners } = await storeWithIds(connection);
    const victim = [...owners.values()][0];
    try {
      const lost = [...owners].filter(([, node]) => node.port === victim.port).map(([id]) => id);
      const kept = [...owners].filter(([, node]) => node.port !== victim.port).map(([id]) => id);

      cluster.pause(victim);

      const frozen = await timed(() => store.readCounted(lost[0]));
      expect(frozen.outcome).toBe('unavailable');
      expect(frozen.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(frozen.ms).toBeLessThan(TIMEOUT_MS + FAIL_FAST_MS);
      for (const id of kept) expect((await store.readCounted(id))?.value).toBe(id);

      cluster.resume(victim);
      await eventually('the thawed master answering', 10_000, async () => {
        const { outcome } = await timed(() => store.readCounted(lost[0]));
        return outcome === 'ok';
      });
    } finally {
      cluster.resume(victim);
      store.onModuleDestroy();
    }
  });

  it('records the number of shards once: later instances use it whatever their REDIS_SHARDS', async () => {
    const namespace = uniqueNamespace();
    const first = await openClusterKeyspace(await connect(), namespace, 32);
    const second = await openClusterKeyspace(await connect(), namespace, 8);

    expect(first.shards).toBe(32);
    expect(second.shards).toBe(32);
    const connection = await connect();
    expect(
      await connection.run(
        (client) => client.get(shardCountKey(namespace)),
        shardCountKey(namespace),
      ),
    ).toBe('32');
  });
});
