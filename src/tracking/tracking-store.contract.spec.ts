import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import { canStartCluster, RedisCluster } from '../../test/helpers/redis-cluster';
import { findRedisServer, RedisServer } from '../../test/helpers/redis-server';
import { RedisConnection } from '../redis/redis-connection';
import { RedisKeyspace } from '../redis/redis-keyspace';
import {
  describeTrackingStoreContract,
  expectedSeries,
  HOUR,
  hours,
  MINUTE,
  minutes,
  startOf,
  T0,
  UNBOUNDED,
} from '../testing/tracking-store.contract';
import { DEFAULT_RETENTION } from '../time-series/time-buckets';
import { MemoryTrackingStore } from './stores/memory-tracking.store';
import { RedisTrackingStore } from './stores/redis-tracking.store';
import type { TrackingStore } from './tracking-store';

/**
 * The contract of the TrackingStore port (src/testing, exported as
 * `lapse/testing`) run against every adapter of Lapse: the in-process one and
 * a real `redis-server` (never a mock), plus what only the Redis one does.
 */

jest.setTimeout(60_000);

// ---------------------------------------------------------------------------

/** Shards of the sharded store: a cluster's code path, on one Redis. */
const SHARDS = 7;
/** Which shard each resource id lives in (it does not depend on the namespace). */
const keyspace = RedisKeyspace.cluster('shards', SHARDS);

let namespaces = 0;
/** A namespace no other store of this run uses, so tests never see each other's keys. */
const uniqueNamespace = (): string =>
  `contract-tracking-${process.pid}-${Date.now()}-${++namespaces}`;

const redisBinary = findRedisServer();
if (!redisBinary) {
  if (process.env.CI === 'true') {
    throw new Error(
      'redis-server is not installed: the Redis TrackingStore contract cannot run in CI ' +
        '(install the Debian package redis-server).',
    );
  }
  process.stdout.write(
    'Notice: redis-server not found on the PATH; running the TrackingStore contract for memory only.\n',
  );
}

describeTrackingStoreContract('memory', {
  create: (settings) => new MemoryTrackingStore(settings),
  destroy: (store) => store.onModuleDestroy(),
});

if (redisBinary) {
  describe('Redis', () => {
    let server: RedisServer;
    let connection: RedisConnection;

    beforeAll(async () => {
      Logger.overrideLogger(false);
      server = await RedisServer.start();
      connection = new RedisConnection({ url: server.url, timeoutMs: 1_000 });
      await connection.onModuleInit();
    });

    afterAll(async () => {
      await connection?.onApplicationShutdown();
      await server?.stop();
    });

    describeTrackingStoreContract('redis', {
      create: (settings) =>
        new RedisTrackingStore(connection, { namespace: uniqueNamespace(), ...settings }),
    });

    /** A store of SHARDS hash-tagged shards, as on a cluster, in a namespace of its own. */
    const shardedStore = (namespace: string, maxResources: number): RedisTrackingStore =>
      new RedisTrackingStore(connection, {
        namespace,
        keyspace: RedisKeyspace.cluster(namespace, SHARDS),
        maxResources,
        retention: DEFAULT_RETENTION,
      });

    describeTrackingStoreContract(`redis, ${SHARDS} shards`, {
      create: (settings) => {
        const namespace = uniqueNamespace();
        return new RedisTrackingStore(connection, {
          namespace,
          keyspace: RedisKeyspace.cluster(namespace, SHARDS),
          ...settings,
        });
      },
      partitions: { count: SHARDS, of: (id) => keyspace.shardOf(id) },
    });

    it('keeps every key of a sharded store under its shard hash tag, each resource in the shard shardOf names', async () => {
      const namespace = uniqueNamespace();
      const store = shardedStore(namespace, UNBOUNDED);
      const M = startOf(Date.now(), 'minute');
      const ids = Array.from({ length: 40 }, (_, i) => `r${i}`);
      for (const [i, id] of ids.entries()) await store.record(id, 'view', M - (i % 3) * MINUTE);
      expect(new Set(ids.map((id) => keyspace.shardOf(id))).size).toBe(SHARDS);

      const keys: string[] = [];
      for await (const some of connection.client.scanIterator({ MATCH: `*${namespace}*` })) {
        keys.push(...some);
      }
      const shardsSeen = new Set<number>();
      for (const key of keys) {
        const match = /^\{(.*):(\d+)\}:tracking:(.*)$/.exec(key);
        expect(match?.[1]).toBe(namespace);
        const shard = Number(match![2]);
        expect(shard).toBeLessThan(SHARDS);
        shardsSeen.add(shard);
        const rest = match![3];
        // The resource's hash and its counts per bucket: in the resource's shard.
        const owner = /^r:(.*)$/.exec(rest)?.[1] ?? /^s:\w+:\d+:(.*)$/.exec(rest)?.[1];
        if (owner !== undefined) expect(shard).toBe(keyspace.shardOf(owner));
        // A bucket's leaders: resources of the shard only.
        if (rest.startsWith('l:')) {
          for (const member of await connection.client.zRange(key, 0, -1)) {
            expect(keyspace.shardOf(member.slice(0, member.indexOf('\0')))).toBe(shard);
          }
        }
      }
      expect(shardsSeen.size).toBe(SHARDS);
      // Every resource's hash is where shardOf says, and nothing else is left.
      for (const id of ids) {
        expect(keys).toContain(`{${namespace}:${keyspace.shardOf(id)}}:tracking:r:${id}`);
      }
      expect(keys.filter((key) => /:tracking:r:/.test(key))).toHaveLength(ids.length);
      expect(await store.countInteractions()).toBe(ids.length);
    });

    it('merges the bucket leaders of its shards as one store keeps them, cut or not', async () => {
      // 1,500 resources in one minute, 1 to 5 interactions each, a few more in other minutes:
      // a 31-minute window reads 130 leaders per bucket, fewer than one shard holds.
      const store = shardedStore(uniqueNamespace(), UNBOUNDED);
      const memory = new MemoryTrackingStore({
        maxResources: UNBOUNDED,
        retention: DEFAULT_RETENTION,
      });
      const M = startOf(Date.now(), 'minute');
      const records: Array<[string, number]> = [];
      for (let i = 0; i < 1500; i++) {
        for (let n = 0; n <= i % 5; n++) records.push([`r${i}`, M - MINUTE + n]);
      }
      for (let i = 0; i < 300; i++) records.push([`r${i * 7}`, M - (2 + (i % 20)) * MINUTE]);
      for (let i = 0; i < records.length; i += 500) {
        await Promise.all(
          records.slice(i, i + 500).map(([id, at]) => store.record(id, 'view', at)),
        );
      }
      for (const [id, at] of records) await memory.record(id, 'view', at);
      const window = minutes(M - 30 * MINUTE, 31);

      for (const limit of [1, 10, 100, 300]) {
        expect(await store.topWithin(window, limit)).toStrictEqual(
          await memory.topWithin(window, limit),
        );
      }
      expect(await store.top(50)).toStrictEqual(await memory.top(50));
      memory.onModuleDestroy();
    });

    it('bounds each shard of a sharded store to ceil(maxResources / shards) resources', async () => {
      const store = shardedStore(uniqueNamespace(), 2 * SHARDS - 1);
      const ids = Array.from({ length: 200 }, (_, i) => `r${i}`);
      for (const [i, id] of ids.entries()) await store.record(id, 'view', T0 + i);

      // Per shard, its two most recently recorded resources.
      const expected = ids
        .filter(
          (id, i) =>
            ids.slice(i + 1).filter((later) => keyspace.shardOf(later) === keyspace.shardOf(id))
              .length < 2,
        )
        .sort();
      expect((await store.top(1000)).map(({ resourceId }) => resourceId).sort()).toStrictEqual(
        expected,
      );
      expect(expected).toHaveLength(2 * SHARDS);
      expect(await store.countInteractions()).toBe(200);
    });

    it('counts into its buckets again after Redis has forgotten its scripts (SCRIPT FLUSH)', async () => {
      const store = new RedisTrackingStore(connection, {
        namespace: uniqueNamespace(),
        maxResources: UNBOUNDED,
        retention: DEFAULT_RETENTION,
      });
      const M = startOf(Date.now(), 'minute');
      const range = minutes(M - 2 * MINUTE, 3);
      await store.record('a', 'view', M - 2 * MINUTE);

      await connection.client.scriptFlush();
      expect(await store.record('a', 'click', M - MINUTE)).toBe(2);
      await connection.client.scriptFlush();
      expect(await store.series('a', range)).toStrictEqual(
        expectedSeries(range, { 0: { view: 1 }, 1: { click: 1 } }),
      );
      await connection.client.scriptFlush();
      expect(await store.topWithin(range, 10)).toStrictEqual([
        { resourceId: 'a', total: 2, lastAt: M - MINUTE },
      ]);
      expect(await store.activity(range)).toStrictEqual([1, 1, 0]);
    });

    it('keeps at most 1,000 resources in any sorted set of a bucket, whatever the number tracked', async () => {
      const namespace = uniqueNamespace();
      const store = new RedisTrackingStore(connection, {
        namespace,
        maxResources: UNBOUNDED,
        retention: DEFAULT_RETENTION,
      });
      const M = startOf(Date.now(), 'minute');
      for (let i = 0; i < 1200; i += 200) {
        await Promise.all(
          Array.from({ length: 200 }, (_, j) => store.record(`r${i + j}`, 'view', M - MINUTE)),
        );
      }
      const sizes: Record<string, number> = {};
      for await (const keys of connection.client.scanIterator({
        MATCH: `${namespace}:tracking:*`,
        TYPE: 'zset',
      })) {
        for (const key of keys) sizes[key] = await connection.client.zCard(key);
      }

      // All-time rankings hold every resource; a bucket's sets stay bounded.
      const perBucket = Object.entries(sizes).filter(
        ([key]) => !/:tracking:(totals|activity)$/.test(key),
      );
      expect(perBucket.length).toBeGreaterThan(0);
      expect(perBucket.every(([, size]) => size <= 1000)).toBe(true);
      expect(await store.topWithin(minutes(M - MINUTE, 2), 2)).toStrictEqual([
        { resourceId: 'r0', total: 1, lastAt: M - MINUTE },
        { resourceId: 'r1', total: 1, lastAt: M - MINUTE },
      ]);
    });

    describe('answers as the memory store does (fast-check)', () => {
      const ids = ['a', 'B', 'é', '😀', '\uE000', '__proto__'];
      /** Interactions in time order over the last ten minutes, at most one per millisecond. */
      const timedSequenceArb = fc
        .array(
          fc.record({
            resourceId: fc.constantFrom(...ids),
            type: fc.constantFrom('view', 'click'),
            gap: fc.integer({ min: 1, max: 20_000 }),
          }),
          { maxLength: 30 },
        )
        .map((steps) => {
          let at = startOf(Date.now(), 'minute') - 10 * MINUTE;
          return steps.map(({ resourceId, type, gap }) => ({ resourceId, type, at: (at += gap) }));
        });

      it('series, windowed tops and activity, bounded or not', async () => {
        await fc.assert(
          fc.asyncProperty(
            timedSequenceArb,
            fc.integer({ min: 1, max: 7 }),
            fc.integer({ min: 0, max: 10 }),
            fc.integer({ min: 1, max: 7 }),
            async (sequence, maxResources, windowStart, limit) => {
              const memory = new MemoryTrackingStore({
                maxResources,
                retention: DEFAULT_RETENTION,
              });
              const redis = new RedisTrackingStore(connection, {
                namespace: uniqueNamespace(),
                maxResources,
                retention: DEFAULT_RETENTION,
              });
              for (const { resourceId, type, at } of sequence) {
                expect(await redis.record(resourceId, type, at)).toBe(
                  await memory.record(resourceId, type, at),
                );
              }
              const M = startOf(Date.now(), 'minute');
              const H = startOf(Date.now(), 'hour');
              const byMinute = minutes(M - 11 * MINUTE, 12);
              const byHour = hours(H - HOUR, 2);
              const windows = [minutes(M - windowStart * MINUTE, windowStart + 1), byHour];
              const answers = async (store: TrackingStore) => ({
                series: await Promise.all(
                  ids.flatMap((id) => [store.series(id, byMinute), store.series(id, byHour)]),
                ),
                tops: await Promise.all(windows.map((window) => store.topWithin(window, limit))),
                activity: [await store.activity(byMinute), await store.activity(byHour)],
              });

              const expected = await answers(memory);
              expect(await answers(redis)).toStrictEqual(expected);
              // And the per-bucket counts add up to what was recorded.
              expect(expected.activity[0].reduce((sum, each) => sum + each, 0)).toBe(
                sequence.length,
              );
              memory.onModuleDestroy();
            },
          ),
          { numRuns: 40 },
        );
      });

      it(`series, windowed tops, activity and the top list of ${SHARDS} shards, unbounded`, async () => {
        await fc.assert(
          fc.asyncProperty(
            timedSequenceArb,
            fc.integer({ min: 0, max: 10 }),
            fc.integer({ min: 1, max: 7 }),
            async (sequence, windowStart, limit) => {
              const memory = new MemoryTrackingStore({
                maxResources: UNBOUNDED,
                retention: DEFAULT_RETENTION,
              });
              const redis = shardedStore(uniqueNamespace(), UNBOUNDED);
              for (const { resourceId, type, at } of sequence) {
                expect(await redis.record(resourceId, type, at)).toBe(
                  await memory.record(resourceId, type, at),
                );
              }
              const M = startOf(Date.now(), 'minute');
              const H = startOf(Date.now(), 'hour');
              const byMinute = minutes(M - 11 * MINUTE, 12);
              const byHour = hours(H - HOUR, 2);
              const windows = [minutes(M - windowStart * MINUTE, windowStart + 1), byHour];
              const answers = async (store: TrackingStore) => ({
                series: await Promise.all(ids.map((id) => store.series(id, byMinute))),
                tops: await Promise.all(windows.map((window) => store.topWithin(window, limit))),
                top: await store.top(limit),
                activity: [await store.activity(byMinute), await store.activity(byHour)],
                interactions: await store.countInteractions(),
              });

              expect(await answers(redis)).toStrictEqual(await answers(memory));
              memory.onModuleDestroy();
            },
          ),
          { numRuns: 25 },
        );
      });
    });
  });
}

if (canStartCluster('the Redis Cluster contract')) {
  describe('Redis Cluster', () => {
    let cluster: RedisCluster;
    let connection: RedisConnection;

    beforeAll(async () => {
      Logger.overrideLogger(false);
      cluster = await RedisCluster.start({ masters: 3 });
      connection = new RedisConnection({
        url: 'redis://',
        clusterNodes: cluster.seeds.split(','),
        timeoutMs: 1_000,
      });
      await connection.onModuleInit();
    });

    afterAll(async () => {
      await connection?.onApplicationShutdown();
      await cluster?.stop();
    });

    // 7 shards over 3 masters: every script runs on the node of its shard's slot.
    describeTrackingStoreContract('redis cluster, 7 shards', {
      create: (settings) => {
        const namespace = uniqueNamespace();
        return new RedisTrackingStore(connection, {
          namespace,
          keyspace: RedisKeyspace.cluster(namespace, SHARDS),
          ...settings,
        });
      },
      partitions: { count: SHARDS, of: (id) => keyspace.shardOf(id) },
    });
  });
}
