import { afterEach, beforeEach, describe, expect } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheEntry } from '../cache/cache-entry';
import type { CacheAccessCounter, CacheCounters, CacheStore } from '../cache/cache-store';
import type { BucketInterval, BucketRange } from '../time-series/time-buckets';
import { timedTest } from './timed-test';

/**
 * The contract of the CacheStore port, as one set of Jest tests to run against
 * any adapter: Lapse runs it on its memory store and on a real `redis-server`,
 * and a team writing its own adapter runs it on that one (`lapse/testing`).
 * Expiry is tested with real short time-to-lives and real waits.
 */

/** How to make and clean up the stores {@link describeCacheStoreContract} tests. */
export interface CacheStoreContractOptions<S extends CacheStore = CacheStore> {
  /**
   * A fresh, empty store, called before each test: no entries, every counter
   * at zero, its activity buckets empty, and no periodic sweep firing during
   * a test (tests sweep through `sweepExpired` when they mean to).
   */
  create: () => S | Promise<S>;
  /**
   * Reclaims the entries of `store` whose time-to-live has passed, counting
   * each one `expired` once (the job of the adapter's periodic sweep).
   * Resolves how many it counted, if the adapter knows, or nothing.
   */
  sweepExpired: (store: S) => void | number | Promise<void | number>;
  /** Releases a store after its test (timers, connections, tables); optional. */
  destroy?: (store: S) => void | Promise<void>;
  /** Time each test and hook may take (default 30 s: the tests wait for real expiries). */
  timeoutMs?: number;
}

// The helpers exported below serve Lapse's own specs of its stores; the
// package's entry point (index.ts) exports only the suite and its options.

/** Short enough to wait for, long enough to read back before it runs out. */
export const SHORT_TTL = 300;
/** Longer than any test. */
export const LONG_TTL = 10 * 60_000;
/** How long to give a sweep to notice expired entries (memory sweeps whole passed seconds). */
const SWEEP_DEADLINE_MS = 5_000;

/** An entry written now that lives `ttlMs`, built as CacheService builds them. */
export function entryOf<T>(value: T, ttlMs: number, tags: string[] = []): CacheEntry<T> {
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
export async function expectActivityBetween(
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
 * Defines, with Jest's `describe` and `it`, the CacheStore contract for one
 * adapter under the title `CacheStore contract (<name>)`. Call it from a Jest
 * test file (top level or inside a `describe`); it needs `jest` and
 * `fast-check` among the caller's dev dependencies, nothing else.
 *
 * @example
 * describeCacheStoreContract('postgres', {
 *   create: () => PostgresCacheStore.create(pool, { table: uniqueTable() }),
 *   sweepExpired: (store) => store.sweepExpired(),
 *   destroy: (store) => store.drop(),
 * });
 */
export function describeCacheStoreContract<S extends CacheStore>(
  name: string,
  options: CacheStoreContractOptions<S>,
): void {
  const { create, destroy, timeoutMs = 30_000 } = options;
  const it = timedTest(timeoutMs);

  describe(`CacheStore contract (${name})`, () => {
    let store: S;

    beforeEach(async () => {
      store = await create();
    }, timeoutMs);

    afterEach(async () => {
      await destroy?.(store);
    }, timeoutMs);

    /** The adapter's sweep, run now. */
    const sweep = async (): Promise<number | undefined> =>
      (await options.sweepExpired(store)) ?? undefined;

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
        const counted = await sweep();
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
      const again = await sweep();
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
      await sweep();

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
