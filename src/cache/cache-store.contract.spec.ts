import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { canStartCluster, RedisCluster } from '../../test/helpers/redis-cluster';
import { findRedisServer, RedisServer } from '../../test/helpers/redis-server';
import { RedisConnection } from '../redis/redis-connection';
import { RedisKeyspace } from '../redis/redis-keyspace';
import { compareUtf8 } from '../common/utf8-order';
import {
  describeCacheStoreContract,
  entryOf,
  expectActivityBetween,
  LONG_TTL,
  SHORT_TTL,
} from '../testing/cache-store.contract';
import { MemoryCacheStore } from './stores/memory-cache.store';
import { RedisCacheStore } from './stores/redis-cache.store';

/**
 * The contract of the CacheStore port (src/testing, exported as
 * `lapse/testing`) run against every adapter of Lapse: the in-process one and
 * a real `redis-server` (never a mock), plus what only one of them does.
 */

jest.setTimeout(30_000);

// ---------------------------------------------------------------------------

let namespaces = 0;
/** A namespace no other store of this run uses, so tests never see each other's keys. */
const uniqueNamespace = (): string => `contract-cache-${process.pid}-${Date.now()}-${++namespaces}`;

const redisBinary = findRedisServer();
if (!redisBinary) {
  if (process.env.CI === 'true') {
    throw new Error(
      'redis-server is not installed: the Redis CacheStore contract cannot run in CI ' +
        '(install the Debian package redis-server).',
    );
  }
  process.stdout.write(
    'Notice: redis-server not found on the PATH; running the CacheStore contract for memory only.\n',
  );
}

describeCacheStoreContract('memory', {
  create: () => new MemoryCacheStore({ maxEntries: 1_000, sweepIntervalMs: 60_000 }),
  sweepExpired: (store) => store.sweepExpired(),
  destroy: (store) => store.onModuleDestroy(),
});

describe('MemoryCacheStore activity', () => {
  it('files live entries evicted to make room under the current buckets', async () => {
    const store = new MemoryCacheStore({ maxEntries: 2, sweepIntervalMs: 60_000 });
    try {
      const before = Date.now();
      for (const key of ['a', 'b', 'c', 'd']) {
        await store.keyv.set(key, entryOf(key, LONG_TTL), LONG_TTL);
      }
      const after = Date.now();

      expect((await store.readCounters()).evicted).toBe(2);
      await expectActivityBetween(store, before, after, { evicted: 2 });
    } finally {
      store.onModuleDestroy();
    }
  });
});

if (redisBinary) {
  describe('Redis', () => {
    let server: RedisServer;
    const connections: RedisConnection[] = [];

    async function connect(): Promise<RedisConnection> {
      const connection = new RedisConnection({ url: server.url, timeoutMs: 1_000 });
      connections.push(connection);
      await connection.onModuleInit();
      return connection;
    }

    beforeAll(async () => {
      Logger.overrideLogger(false);
      server = await RedisServer.start();
    });

    // Each store gets its own connection (as each process has), closed after its test.
    afterEach(async () => {
      await Promise.all(connections.splice(0).map((each) => each.onApplicationShutdown()));
    });

    afterAll(async () => {
      await server?.stop();
    });

    describeCacheStoreContract('redis', {
      create: async () =>
        new RedisCacheStore(await connect(), {
          namespace: uniqueNamespace(),
          sweepIntervalMs: 60_000,
        }),
      sweepExpired: (store) => store.sweepExpired(),
      destroy: (store) => store.onModuleDestroy(),
    });

    // The code path of a cluster (hash-tagged shards, every view merged), on one Redis.
    describeCacheStoreContract('redis, 7 shards', {
      create: async () => {
        const namespace = uniqueNamespace();
        return new RedisCacheStore(await connect(), {
          namespace,
          keyspace: RedisKeyspace.cluster(namespace, 7),
          sweepIntervalMs: 60_000,
        });
      },
      sweepExpired: (store) => store.sweepExpired(),
      destroy: (store) => store.onModuleDestroy(),
    });

    it('loads its scripts again after Redis has forgotten them (SCRIPT FLUSH)', async () => {
      const connection = await connect();
      const store = new RedisCacheStore(connection, {
        namespace: uniqueNamespace(),
        sweepIntervalMs: 60_000,
      });
      try {
        const entry = entryOf({ n: 1 }, LONG_TTL);
        await store.setIf('k', entry, LONG_TTL, {});
        expect(await store.readCounted('k')).toStrictEqual(entry);

        await connection.client.scriptFlush();

        expect(await store.readCounted('k')).toStrictEqual(entry);
        expect(await store.setIf('k', entry, LONG_TTL, { ifMatch: [entry.etag] })).toStrictEqual({
          written: true,
          created: false,
        });
        expect((await store.readCounters()).hits).toBe(2);
      } finally {
        store.onModuleDestroy();
      }
    });

    it('counts activity in its buckets again after Redis has forgotten its scripts (SCRIPT FLUSH)', async () => {
      const connection = await connect();
      const store = new RedisCacheStore(connection, {
        namespace: uniqueNamespace(),
        sweepIntervalMs: 60_000,
      });
      try {
        const before = Date.now();
        await connection.client.scriptFlush();
        await store.setIf('k', entryOf(1, LONG_TTL), LONG_TTL, {});
        await connection.client.scriptFlush();
        await store.readCounted('k');
        await connection.client.scriptFlush();
        await store.readCounted('absent');
        await connection.client.scriptFlush();
        await store.increment('sets');
        await connection.client.scriptFlush();
        await store.setIf('brief', entryOf(2, SHORT_TTL), SHORT_TTL, {});
        await sleep(SHORT_TTL + 300);
        await connection.client.scriptFlush();
        expect(await store.sweepExpired()).toBe(1);
        const after = Date.now();

        // Two writes counted by setIf() itself, one by increment().
        await expectActivityBetween(store, before, after, {
          hits: 1,
          misses: 1,
          sets: 3,
          expired: 1,
        });
      } finally {
        store.onModuleDestroy();
      }
    });

    it("files Redis's evictions since the last sweep under the current buckets", async () => {
      const connection = await connect();
      const { client } = connection;
      const store = new RedisCacheStore(connection, {
        namespace: uniqueNamespace(),
        sweepIntervalMs: 60_000,
      });
      const evictedKeys = async (): Promise<number> =>
        Number(/evicted_keys:(\d+)/.exec(await client.info('stats'))?.[1]);
      const junk = uniqueNamespace();
      // One setting per CONFIG SET: Redis before 7 takes no more.
      const configure = async (settings: Array<[string, string]>): Promise<void> => {
        for (const [name, value] of settings) await client.configSet(name, value);
      };
      const unbounded: Array<[string, string]> = [
        ['maxmemory', '0'],
        ['maxmemory-policy', 'noeviction'],
      ];
      try {
        const before = Date.now();
        // The first sweep only notes Redis's count: evictions before it are not this store's to file.
        await store.sweepExpired();
        const seen = await evictedKeys();

        // Make Redis evict: little memory to spare, and only keys with a time-to-live may go
        // (the store's own key of evictions seen has none; its buckets do not exist yet).
        const used = Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
        await configure([
          ['maxmemory-policy', 'volatile-random'],
          ['maxmemory', `${used + 256_000}`],
        ]);
        const filler = 'x'.repeat(10_000);
        for (let i = 0; i < 100; i++) await client.set(`${junk}:${i}`, filler, { PX: LONG_TTL });
        await configure(unbounded);
        const evicted = (await evictedKeys()) - seen;
        expect(evicted).toBeGreaterThan(0);

        await store.sweepExpired();
        // Filed once: a later sweep finds nothing new.
        await store.sweepExpired();
        const after = Date.now();

        await expectActivityBetween(store, before, after, { evicted });
      } finally {
        await configure(unbounded);
        store.onModuleDestroy();
      }
    });

    it('lists every live entry of 7 shards once, in order, when one shard spends its budget on expired ids', async () => {
      const namespace = uniqueNamespace();
      const keyspace = RedisKeyspace.cluster(namespace, 7);
      const store = new RedisCacheStore(await connect(), {
        namespace,
        keyspace,
        sweepIntervalMs: 60_000,
      });
      try {
        // 5,500 ids of shard 0 that expire at once, more than one listing visits per shard…
        const expiring: string[] = [];
        for (let i = 0; expiring.length < 5_500; i++) {
          if (keyspace.shardOf(`a${i}`) === 0) expiring.push(`a${i}`);
        }
        for (let i = 0; i < expiring.length; i += 500) {
          const some = expiring.slice(i, i + 500);
          await Promise.all(some.map((id) => store.setIf(id, entryOf(id, 1), 1, {})));
        }
        // …and live ids of every shard, before and after them in id order.
        const live = Array.from({ length: 70 }, (_, i) => `${i % 2 === 0 ? '0' : 'b'}${i}`);
        for (const id of live) await store.setIf(id, entryOf(id, LONG_TTL), LONG_TTL, {});
        await sleep(20);

        const listed: string[] = [];
        let after: string | undefined;
        let pages = 0;
        let cutShort = 0;
        do {
          const page = await store.list({ limit: 20, after });
          listed.push(...page.entries.map(({ key }) => key));
          after = page.next;
          pages += 1;
          if (page.entries.length < 20 && after !== undefined) cutShort += 1;
        } while (after !== undefined && pages < 100);

        expect(listed).toStrictEqual([...live].sort(compareUtf8));
        // Shard 0 stopped among its expired ids: the page ended there, and the next went on.
        expect(cutShort).toBeGreaterThan(0);
      } finally {
        store.onModuleDestroy();
      }
    });

    describe('RedisCacheStore instances sharing a namespace', () => {
      const stores: RedisCacheStore[] = [];

      afterEach(() => {
        for (const store of stores.splice(0)) store.onModuleDestroy();
      });

      it('count each expiry exactly once when they sweep concurrently', async () => {
        const namespace = uniqueNamespace();
        const first = new RedisCacheStore(await connect(), { namespace, sweepIntervalMs: 60_000 });
        const second = new RedisCacheStore(await connect(), { namespace, sweepIntervalMs: 60_000 });
        stores.push(first, second);

        // More than one sweep batch (1000) of entries, written from both instances.
        const expiring = 2_500;
        for (let start = 0; start < expiring; start += 250) {
          await Promise.all(
            Array.from({ length: Math.min(250, expiring - start) }, (_, offset) => {
              const i = start + offset;
              const writer = i % 2 === 0 ? first : second;
              return writer.keyv.set(`e${i}`, entryOf(i, SHORT_TTL), SHORT_TTL);
            }),
          );
        }
        await first.keyv.set('lasting', entryOf('stays', LONG_TTL), LONG_TTL);
        await sleep(SHORT_TTL + 500);

        let counted = 0;
        const deadline = Date.now() + 10_000;
        while (counted < expiring && Date.now() < deadline) {
          const results = await Promise.all([
            first.sweepExpired(),
            second.sweepExpired(),
            first.sweepExpired(),
            second.sweepExpired(),
          ]);
          counted += results.reduce((sum, each) => sum + each, 0);
        }
        // Nothing is left to count twice.
        const late = await Promise.all([first.sweepExpired(), second.sweepExpired()]);

        expect(counted).toBe(expiring);
        expect(late).toStrictEqual([0, 0]);
        expect((await first.readCounters()).expired).toBe(expiring);
        expect((await second.readCounters()).expired).toBe(expiring);
        expect(await first.countEntries()).toBe(1);
        expect(await second.countEntries()).toBe(1);
      });
    });
  });
}

if (canStartCluster('the Redis Cluster contract')) {
  describe('Redis Cluster', () => {
    let cluster: RedisCluster;
    const connections: RedisConnection[] = [];

    beforeAll(async () => {
      Logger.overrideLogger(false);
      cluster = await RedisCluster.start({ masters: 3 });
    });

    afterEach(async () => {
      await Promise.all(connections.splice(0).map((each) => each.onApplicationShutdown()));
    });

    afterAll(async () => {
      await cluster?.stop();
    });

    // 16 shards over 3 masters: every script runs on the node of its shard's slot.
    describeCacheStoreContract('redis cluster, 16 shards', {
      create: async () => {
        const connection = new RedisConnection({
          url: 'redis://',
          clusterNodes: cluster.seeds.split(','),
          timeoutMs: 1_000,
        });
        connections.push(connection);
        await connection.onModuleInit();
        const namespace = uniqueNamespace();
        return new RedisCacheStore(connection, {
          namespace,
          keyspace: RedisKeyspace.cluster(namespace, 16),
          sweepIntervalMs: 60_000,
        });
      },
      sweepExpired: (store) => store.sweepExpired(),
      destroy: (store) => store.onModuleDestroy(),
    });
  });
}
