import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { findRedisServer, RedisServer } from '../../test/helpers/redis-server';
import { RedisConnection } from '../redis/redis-connection';
import type { CacheEntry } from './cache-entry';
import type { CacheAccessCounter, CacheCounters, CacheStore } from './cache-store';
import { MemoryCacheStore } from './stores/memory-cache.store';
import { RedisCacheStore } from './stores/redis-cache.store';
import type { BucketInterval, BucketRange } from '../time-series/time-buckets';

/**
 * The contract of the CacheStore port, run as one set of tests against every
 * adapter: the in-process one and a real `redis-server` (never a mock).
 * Expiry is tested with real short time-to-lives and real waits.
 */

jest.setTimeout(30_000);

/** Short enough to wait for, long enough to read back before it runs out. */
const SHORT_TTL = 300;
const LONG_TTL = 10 * 60_000;
/** How long to give a sweep to notice expired entries (memory sweeps whole passed seconds). */
const SWEEP_DEADLINE_MS = 5_000;

/** The port as the contract drives it, plus the adapter's own sweep and shutdown. */
export type CacheStoreUnderTest = CacheStore & {
  /** Memory: void; Redis: how many expiries this call counted. */
  sweepExpired(): void | Promise<number>;
  onModuleDestroy(): void;
};

/** An entry written now that lives `ttlMs`, built as CacheService builds them. */
function entryOf<T>(value: T, ttlMs: number, tags: string[] = []): CacheEntry<T> {
  const storedAt = Date.now();
  return {
    value,
    tags,
    etag: `"${Buffer.from(JSON.stringify(value)).toString('base64url')}"`,
    storedAt,
    expiresAt: storedAt + ttlMs,
  };
}

/** Bucket length per interval, spelled out rather than taken from the code under test. */
const SIZE: Record<BucketInterval, number> = { minute: 60_000, hour: 3_600_000 };
const startOf = (at: number, interval: BucketInterval): number =>
  Math.floor(at / SIZE[interval]) * SIZE[interval];
const NO_ACTIVITY: CacheCounters = {
  hits: 0,
  misses: 0,
  sets: 0,
  deletes: 0,
  expired: 0,
  evicted: 0,
};

/** Field-wise sum of per-bucket counters. */
const sumOf = (points: readonly CacheCounters[]): CacheCounters =>
  points.reduce(
    (sum, point) => ({
      hits: sum.hits + point.hits,
      misses: sum.misses + point.misses,
      sets: sum.sets + point.sets,
      deletes: sum.deletes + point.deletes,
      expired: sum.expired + point.expired,
      evicted: sum.evicted + point.evicted,
    }),
    NO_ACTIVITY,
  );

/**
 * Asserts that `store` counted exactly `expected` in the buckets of the time
 * between `before` and `after` (the current minute and hour, unless the clock
 * crossed a boundary meanwhile), and nothing in the three buckets before.
 */
async function expectActivityBetween(
  store: CacheStore,
  before: number,
  after: number,
  expected: Partial<CacheCounters>,
): Promise<void> {
  for (const interval of ['minute', 'hour'] as const) {
    const current = startOf(before, interval);
    const spanned = (startOf(after, interval) - current) / SIZE[interval] + 1;
    const range: BucketRange = {
      interval,
      first: current - 3 * SIZE[interval],
      count: 3 + spanned,
    };

    const points = await store.activity(range);

    expect(points).toHaveLength(range.count);
    expect(points.slice(0, 3)).toStrictEqual([NO_ACTIVITY, NO_ACTIVITY, NO_ACTIVITY]);
    expect(sumOf(points.slice(3))).toStrictEqual({ ...NO_ACTIVITY, ...expected });
  }
}

/**
 * Defines the CacheStore contract for one adapter. `makeStore` returns a
 * fresh, empty store whose periodic sweep does not fire during a test.
 */
export function describeCacheStore(
  name: string,
  makeStore: () => CacheStoreUnderTest | Promise<CacheStoreUnderTest>,
): void {
  describe(`CacheStore contract (${name})`, () => {
    let store: CacheStoreUnderTest;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(() => {
      store.onModuleDestroy();
    });

    /** Writes through Keyv, the way cache-manager does. */
    async function put<T>(key: string, value: T, ttlMs = LONG_TTL): Promise<CacheEntry<T>> {
      const entry = entryOf(value, ttlMs);
      await store.keyv.set(key, entry, ttlMs);
      return entry;
    }

    const read = (key: string) => store.keyv.get<CacheEntry>(key);

    /** Access counters only; `evicted` is server-wide on Redis. */
    async function accessCounters(): Promise<Record<CacheAccessCounter | 'expired', number>> {
      const { hits, misses, sets, deletes, expired } = await store.readCounters();
      return { hits, misses, sets, deletes, expired };
    }

    /**
     * Sweeps until `expected` expiries are counted or the deadline passes.
     * Resolves what the sweeps said they counted (Redis), or `undefined` (memory).
     */
    async function sweepUntilExpired(expected: number): Promise<number | undefined> {
      const deadline = Date.now() + SWEEP_DEADLINE_MS;
      let reported: number | undefined;
      for (;;) {
        const counted = await store.sweepExpired();
        if (typeof counted === 'number') reported = (reported ?? 0) + counted;
        const { expired } = await store.readCounters();
        if (expired >= expected || Date.now() > deadline) return reported;
        await sleep(100);
      }
    }

    it('starts empty with every counter at zero', async () => {
      expect(await store.countEntries()).toBe(0);
      expect(await accessCounters()).toStrictEqual({
        hits: 0,
        misses: 0,
        sets: 0,
        deletes: 0,
        expired: 0,
      });
      const { evicted } = await store.readCounters();
      expect(Number.isInteger(evicted) && evicted >= 0).toBe(true);
    });

    it('counts no failed call while its backend answers', async () => {
      await put('k', 'v');
      await store.readCounted('k');
      await store.increment('hits');
      await store.readCounters();
      expect(store.failedCalls()).toBe(0);
    });

    it('reads back an object value exactly as written', async () => {
      const value = {
        text: 'ünïcødé ✓ 😀',
        number: 1.5,
        list: [1, 'two', null, true, { deep: [] }],
        nested: { empty: {}, zero: 0, falsy: false },
      };
      const entry = entryOf(value, LONG_TTL, ['red', 'blue']);

      await store.keyv.set('doc', entry, LONG_TTL);

      expect(await read('doc')).toStrictEqual(entry);
    });

    it('answers undefined for a key never written', async () => {
      await put('present', 1);

      expect(await read('absent')).toBeUndefined();
    });

    it('deletes an entry once: true, then false', async () => {
      await put('gone', { a: 1 });

      expect(await store.keyv.delete('gone')).toBe(true);
      expect(await read('gone')).toBeUndefined();
      expect(await store.keyv.delete('gone')).toBe(false);
      expect(await store.keyv.delete('never-written')).toBe(false);
      expect(await store.countEntries()).toBe(0);
    });

    it('replaces the entry on overwrite', async () => {
      await put('k', { version: 1 });
      const second = await put('k', { version: 2 });

      expect(await read('k')).toStrictEqual(second);
      expect(await store.countEntries()).toBe(1);
    });

    it('forgets an entry once its time-to-live has passed', async () => {
      const entry = await put('brief', { short: true }, SHORT_TTL);
      const lasting = await put('lasting', { short: false });
      expect(await read('brief')).toStrictEqual(entry);

      await sleep(SHORT_TTL + 300);

      expect(await read('brief')).toBeUndefined();
      expect(await read('lasting')).toStrictEqual(lasting);
    });

    it('counts live entries, and fewer once some have expired and been swept', async () => {
      await Promise.all(['a', 'b', 'c'].map((key) => put(key, key)));
      await Promise.all(['x', 'y'].map((key) => put(key, key, SHORT_TTL)));
      expect(await store.countEntries()).toBe(5);

      await sleep(SHORT_TTL + 300);
      await sweepUntilExpired(2);

      expect(await store.countEntries()).toBe(3);
    });

    it('excludes entries whose time-to-live has passed from the count, even before a sweep', async () => {
      // The port promises the number of *live* entries (GET /stats reports it).
      await put('live', 1);
      await put('dead', 2, SHORT_TTL);
      expect(await store.countEntries()).toBe(2);

      await sleep(SHORT_TTL + 300);

      expect(await store.countEntries()).toBe(1);
    });

    it('adds to the access counters on increment() and reports them', async () => {
      await store.increment('hits');
      await store.increment('hits', 2);
      await store.increment('misses');
      await store.increment('sets', 3);
      await store.increment('deletes');
      await store.increment('deletes', 4);

      expect(await accessCounters()).toStrictEqual({
        hits: 3,
        misses: 1,
        sets: 3,
        deletes: 5,
        expired: 0,
      });
    });

    it('leaves the access counters to the caller: Keyv reads and writes do not move them', async () => {
      await put('k', 1);
      await read('k');
      await read('absent');
      await store.keyv.delete('k');

      expect(await accessCounters()).toStrictEqual({
        hits: 0,
        misses: 0,
        sets: 0,
        deletes: 0,
        expired: 0,
      });
    });

    it('readCounted() returns a live entry and counts a hit', async () => {
      const entry = await put('k', { value: 'kept' });

      expect(await store.readCounted('k')).toStrictEqual(entry);
      expect(await accessCounters()).toMatchObject({ hits: 1, misses: 0 });
    });

    it('readCounted() counts a miss for a key never written', async () => {
      expect(await store.readCounted('absent')).toBeUndefined();
      expect(await accessCounters()).toMatchObject({ hits: 0, misses: 1 });
    });

    it('readCounted() counts a miss, not a hit, once the time-to-live has passed', async () => {
      await put('brief', 'soon gone', SHORT_TTL);
      expect(await store.readCounted('brief')).toBeDefined();

      await sleep(SHORT_TTL + 300);

      expect(await store.readCounted('brief')).toBeUndefined();
      expect(await accessCounters()).toMatchObject({ hits: 1, misses: 1 });
    });

    it('readCounted() judges expiry at expiresAt, as CacheService does', async () => {
      // Written with a long store TTL but an entry that is already past its expiry.
      const entry = { ...entryOf('stale', LONG_TTL), expiresAt: Date.now() - 1 };
      await store.setIf('stale', entry, LONG_TTL, {});

      expect(await store.readCounted('stale')).toBeUndefined();
      expect(await accessCounters()).toMatchObject({ hits: 0, misses: 1 });
    });

    it('readCounted() returns an entry whose value holds "expires" text, unharmed', async () => {
      const entry = await put('tricky', {
        note: '"expires":1}',
        expires: 1,
        nested: { expires: 0 },
      });

      expect(await store.readCounted('tricky')).toStrictEqual(entry);
      expect(await accessCounters()).toMatchObject({ hits: 1, misses: 0 });
    });

    it('counts each entry that expired unread once a sweep runs, and only once', async () => {
      await Promise.all(['e1', 'e2', 'e3'].map((key) => put(key, key, SHORT_TTL)));
      const lasting = await put('lasting', 'stays');

      await sleep(SHORT_TTL + 300);
      const reported = await sweepUntilExpired(3);

      expect((await store.readCounters()).expired).toBe(3);
      // Redis's sweep resolves how many it counted; the memory sweep resolves nothing.
      if (reported !== undefined) expect(reported).toBe(3);

      // Later sweeps find nothing more to count.
      await sleep(1_100);
      const again = await store.sweepExpired();
      if (typeof again === 'number') expect(again).toBe(0);
      expect((await store.readCounters()).expired).toBe(3);
      expect(await store.countEntries()).toBe(1);
      expect(await read('lasting')).toStrictEqual(lasting);
    });

    it('counts an expired entry once when its key is written again before any sweep', async () => {
      await put('reborn', 'old', SHORT_TTL);
      await sleep(SHORT_TTL + 300);
      const fresh = await put('reborn', 'new');

      expect((await store.readCounters()).expired).toBe(1);
      await sleep(1_100);
      await store.sweepExpired();

      expect((await store.readCounters()).expired).toBe(1);
      expect(await read('reborn')).toStrictEqual(fresh);
      expect(await store.countEntries()).toBe(1);
    });

    describe('activity per bucket', () => {
      it('reads zeros for every bucket before anything is counted, and nothing for no buckets', async () => {
        const now = Date.now();
        const minutes: BucketRange = {
          interval: 'minute',
          first: startOf(now, 'minute') - 4 * SIZE.minute,
          count: 5,
        };
        const hours: BucketRange = {
          interval: 'hour',
          first: startOf(now, 'hour') - SIZE.hour,
          count: 2,
        };

        expect(await store.activity(minutes)).toStrictEqual(Array(5).fill(NO_ACTIVITY));
        expect(await store.activity(hours)).toStrictEqual(Array(2).fill(NO_ACTIVITY));
        expect(await store.activity({ ...minutes, count: 0 })).toStrictEqual([]);
      });

      it('counts the hits and misses of readCounted() in the current minute and hour', async () => {
        await put('k', 'kept');
        const before = Date.now();
        await store.readCounted('k');
        await store.readCounted('k');
        await store.readCounted('absent');
        const after = Date.now();

        await expectActivityBetween(store, before, after, { hits: 2, misses: 1 });
      });

      it('counts each write setIf() makes as a set, in the same step, and only those', async () => {
        const first = entryOf(1, LONG_TTL);
        const second = entryOf(2, LONG_TTL);
        const before = Date.now();

        expect(await store.setIf('k', first, LONG_TTL, {})).toStrictEqual({
          written: true,
          created: true,
        });
        expect(await store.setIf('k', second, LONG_TTL, {})).toStrictEqual({
          written: true,
          created: false,
        });
        expect(await store.setIf('k', first, LONG_TTL, { ifNoneMatch: '*' })).toStrictEqual({
          written: false,
          reason: 'precondition-failed',
        });
        // A touch: written, not a set.
        expect(
          await store.setIf('k', second, LONG_TTL, { ifMatch: [second.etag] }, false),
        ).toStrictEqual({ written: true, created: false });
        const after = Date.now();

        expect(await accessCounters()).toStrictEqual({
          hits: 0,
          misses: 0,
          sets: 2,
          deletes: 0,
          expired: 0,
        });
        await expectActivityBetween(store, before, after, { sets: 2 });
      });

      it('tells exactly one of many concurrent setIf() calls on a new key that it created it', async () => {
        const outcomes = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.setIf('new', entryOf(i, LONG_TTL), LONG_TTL, {}),
          ),
        );

        expect(outcomes.filter((outcome) => outcome.written && outcome.created)).toHaveLength(1);
        expect(outcomes.every((outcome) => outcome.written)).toBe(true);
        expect((await accessCounters()).sets).toBe(20);
      });

      it('counts what increment() moves, by its amount, in the current minute and hour', async () => {
        const before = Date.now();
        await store.increment('sets', 3);
        await store.increment('deletes');
        await store.increment('hits', 2);
        await store.increment('misses');
        await Promise.all(Array.from({ length: 50 }, () => store.increment('sets')));
        const after = Date.now();

        await expectActivityBetween(store, before, after, {
          hits: 2,
          misses: 1,
          sets: 53,
          deletes: 1,
        });
      });

      it('counts entries expired after their time-to-live once swept', async () => {
        const before = Date.now();
        await put('brief-1', 1, SHORT_TTL);
        await put('brief-2', 2, SHORT_TTL);
        await put('lasting', 3);
        await sleep(SHORT_TTL + 300);
        await sweepUntilExpired(2);
        const after = Date.now();

        await expectActivityBetween(store, before, after, { expired: 2 });
      });

      it('leaves the bucket counters to the caller too: Keyv reads and writes do not move them', async () => {
        const before = Date.now();
        await put('k', 1);
        await read('k');
        await read('absent');
        await store.keyv.delete('k');
        const after = Date.now();

        await expectActivityBetween(store, before, after, {});
      });
    });

    const awkwardKeys = [
      '__proto__',
      'constructor',
      'prototype',
      'hasOwnProperty',
      'https://example.com/a/b/c?q=1&r=%2F#frag',
      '/leading/and/trailing/',
      'a:b:c',
      'with space',
      'ünïcødé/日本語/😀/𝄞',
      '\uE000\uFFFF',
    ];

    it('stores keys that are object property names, URLs and unicode like any other', async () => {
      const entries = new Map<string, CacheEntry<{ key: string; index: number }>>();
      for (const [index, key] of awkwardKeys.entries()) {
        entries.set(key, await put(key, { key, index }));
      }

      expect(await store.countEntries()).toBe(awkwardKeys.length);
      for (const key of awkwardKeys) {
        expect(await read(key)).toStrictEqual(entries.get(key));
      }
      // Nothing leaked onto shared prototypes.
      expect(({} as Record<string, unknown>).index).toBeUndefined();

      for (const key of awkwardKeys) {
        expect(await store.keyv.delete(key)).toBe(true);
        expect(await read(key)).toBeUndefined();
      }
      expect(await store.countEntries()).toBe(0);
    });
  });
}

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

describeCacheStore(
  'memory',
  () => new MemoryCacheStore({ maxEntries: 1_000, sweepIntervalMs: 60_000 }),
);

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

    describeCacheStore(
      'redis',
      async () =>
        new RedisCacheStore(await connect(), {
          namespace: uniqueNamespace(),
          sweepIntervalMs: 60_000,
        }),
    );

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
