import { afterEach, beforeEach, describe, expect } from '@jest/globals';
import fc from 'fast-check';
import { DEFAULT_RETENTION } from '../time-series/time-buckets';
import type { BucketInterval, BucketRange, BucketRetention } from '../time-series/time-buckets';
import { DEFAULT_TYPE_BOUND } from '../tracking/tracking-store';
import type {
  InteractionSummary,
  SeriesPoint,
  TopResource,
  TrackingStore,
  TypeBound,
} from '../tracking/tracking-store';
import { timedTest } from './timed-test';

/**
 * The contract of the TrackingStore port, as one set of Jest tests to run
 * against any adapter: Lapse runs it on its memory store and on a real
 * `redis-server`, and a team writing its own adapter runs it on that one
 * (`lapse/testing`). Part of it is property-based (fast-check), replayed
 * against a brute-force model of the port.
 */

/** The settings a store under test is made with. */
export interface TrackingStoreSettings {
  /**
   * Most resources the store remembers; beyond it, the least recently recorded
   * is dropped (with `partitions`, per partition: see {@link TrackingStoreContractOptions}).
   */
  maxResources: number;
  /** How long the store keeps its minute and hour buckets. */
  retention: BucketRetention;
  /** How many distinct interaction types each resource keeps. */
  types: TypeBound;
}

/** How to make and clean up the stores {@link describeTrackingStoreContract} tests. */
export interface TrackingStoreContractOptions<S extends TrackingStore = TrackingStore> {
  /**
   * A fresh, empty store with `settings`. Called before each test, and again
   * within some tests (several stores may be alive at once).
   */
  create: (settings: TrackingStoreSettings) => S | Promise<S>;
  /** Releases a store once its test is over (timers, connections, tables); optional. */
  destroy?: (store: S) => void | Promise<void>;
  /** Time each test and hook may take (default 60 s: some tests replay many sequences). */
  timeoutMs?: number;
  /**
   * For a store that bounds resources per partition (e.g. per shard of a
   * Redis Cluster): each partition keeps `ceil(maxResources / count)`
   * resources, dropping its own least recently recorded. `of` names the
   * partition (0 to `count - 1`) of a resource id. The tests of the bound
   * then use resources of one partition, with `maxResources` scaled so each
   * partition keeps what the whole store keeps without partitions, and the
   * model bounds each partition. Omitted (default): one bound for the whole store.
   */
  partitions?: {
    /** How many partitions, each bounded on its own. */
    count: number;
    /** The partition of a resource id, from 0 to `count - 1`. */
    of: (resourceId: string) => number;
  };
}

/** How a store partitions resources for its bound. */
type TrackingStorePartitions = NonNullable<TrackingStoreContractOptions['partitions']>;

// The helpers exported below serve Lapse's own specs of its stores; the
// package's entry point (index.ts) exports only the suite and its options.

export const T0 = Date.UTC(2030, 0, 1);
export const UNBOUNDED = 10_000;

/** Byte order of the UTF-8 encodings, computed independently of the code under test. */
const compareUtf8Bytes = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** One interaction of a generated sequence. */
interface Interaction {
  resourceId: string;
  type: string;
  at: number;
}

/** What a store should hold after a sequence: a brute-force model of the port. */
interface Expected {
  ranking: TopResource[];
  summaries: Map<string, InteractionSummary>;
  interactions: number;
}

/**
 * Replays `sequence` on a plain model: totals, types and times per resource;
 * the least recently *recorded* resource dropped beyond `maxResources` (with
 * `partitions`: that of its partition, beyond `ceil(maxResources / count)` there).
 */
function expectedAfter(
  sequence: readonly Interaction[],
  maxResources: number,
  partitions?: TrackingStorePartitions,
): Expected {
  // A Map iterates in insertion order: re-inserting on each record keeps it in recency order.
  const tallies = new Map<string, InteractionSummary>();
  for (const { resourceId, type, at } of sequence) {
    const tally = tallies.get(resourceId) ?? {
      resourceId,
      total: 0,
      byType: {},
      firstAt: at,
      lastAt: at,
    };
    tallies.delete(resourceId);
    tallies.set(resourceId, tally);
    tally.total += 1;
    Object.defineProperty(tally.byType, type, {
      value: (Object.hasOwn(tally.byType, type) ? tally.byType[type] : 0) + 1,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    tally.lastAt = Math.max(tally.lastAt, at);
    if (!partitions) {
      if (tallies.size > maxResources) tallies.delete(tallies.keys().next().value as string);
      continue;
    }
    const partition = partitions.of(resourceId);
    const inPartition = [...tallies.keys()].filter((id) => partitions.of(id) === partition);
    if (inPartition.length > Math.ceil(maxResources / partitions.count)) {
      tallies.delete(inPartition[0]);
    }
  }
  const ranking = [...tallies.values()]
    .map(({ resourceId, total, lastAt }) => ({ resourceId, total, lastAt }))
    .sort((a, b) => b.total - a.total || compareUtf8Bytes(a.resourceId, b.resourceId));
  return { ranking, summaries: tallies, interactions: sequence.length };
}

/** A summary with its by-type counts as sorted own entries, comparable whatever the keys. */
function comparable(summary: InteractionSummary | undefined) {
  if (!summary) return undefined;
  const { byType, ...rest } = summary;
  return { ...rest, byType: Object.entries(byType).sort(([a], [b]) => compareUtf8Bytes(a, b)) };
}

/** Ids that tie and sort differently in UTF-16 and UTF-8, plus object property names. */
const resourceIdArb = fc.oneof(
  fc.string({
    unit: fc.constantFrom('a', 'b', 'é', '/', '\uE000', '\uFFFF', '😀', '𝄞'),
    minLength: 1,
    maxLength: 2,
  }),
  fc.constantFrom('__proto__', 'constructor', 'toString'),
);

const sequenceArb = fc.array(
  fc.record({
    resourceId: resourceIdArb,
    type: fc.constantFrom('view', 'click', '__proto__', 'constructor'),
    at: fc.integer({ min: T0, max: T0 + 60_000 }),
  }),
  { maxLength: 60 },
);

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
/** Bucket length per interval, spelled out rather than taken from the code under test. */
const SIZE: Record<BucketInterval, number> = { minute: MINUTE, hour: HOUR };
/** Start of the bucket that holds `at`. */
export const startOf = (at: number, interval: BucketInterval): number =>
  Math.floor(at / SIZE[interval]) * SIZE[interval];
export const minutes = (first: number, count: number): BucketRange => ({
  interval: 'minute',
  first,
  count,
});
export const hours = (first: number, count: number): BucketRange => ({
  interval: 'hour',
  first,
  count,
});
/** Ten minutes of minute buckets, three hours of hour buckets. */
const SMALL_RETENTION: BucketRetention = { minute: 10 * MINUTE, hour: 3 * HOUR };

/** The series a store should answer: `t` of every bucket, and the counts given by index. */
export function expectedSeries(
  range: BucketRange,
  counts: Record<number, Record<string, number>> = {},
): SeriesPoint[] {
  return Array.from({ length: range.count }, (_, i) => {
    const byType = counts[i] ?? {};
    const total = Object.values(byType).reduce((sum, each) => sum + each, 0);
    return { t: range.first + i * SIZE[range.interval], total, byType };
  });
}

/** Per-bucket counts of the interactions at `times`, over `range`: a model independent of the stores. */
export function countsPerBucket(range: BucketRange, times: readonly number[]): number[] {
  const counts = Array<number>(range.count).fill(0);
  for (const at of times) {
    const i = (startOf(at, range.interval) - range.first) / SIZE[range.interval];
    if (i >= 0 && i < range.count) counts[i] += 1;
  }
  return counts;
}

/**
 * Defines, with Jest's `describe` and `it`, the TrackingStore contract for one
 * adapter under the title `TrackingStore contract (<name>)`. Call it from a
 * Jest test file (top level or inside a `describe`); it needs `jest` and
 * `fast-check` among the caller's dev dependencies, nothing else.
 *
 * @example
 * describeTrackingStoreContract('postgres', {
 *   create: (settings) => PostgresTrackingStore.create(pool, { ...settings, table: uniqueTable() }),
 *   destroy: (store) => store.drop(),
 * });
 */
export function describeTrackingStoreContract<S extends TrackingStore>(
  name: string,
  options: TrackingStoreContractOptions<S>,
): void {
  const { create, destroy, timeoutMs = 60_000, partitions } = options;
  const it = timedTest(timeoutMs);
  /** How many partitions are bounded on their own: 1, the whole store, unless `partitions`. */
  const count = partitions?.count ?? 1;
  /** The `maxResources` that lets each partition keep `kept` resources. */
  const keeping = (kept: number): number => kept * count;

  /**
   * Ids for `names`, all in one partition: each name itself when it falls
   * there (always, without `partitions`), else the name followed by `-<n>`
   * for the first `n` that does. Names are distinct single words, so the
   * ids sort as the names do.
   */
  function inOnePartition(names: readonly string[]): string[] {
    if (!partitions) return [...names];
    const target = partitions.of(names[0]);
    return names.map((name) => {
      if (partitions.of(name) === target) return name;
      for (let n = 1; n <= 100_000; n++) {
        if (partitions.of(`${name}-${n}`) === target) return `${name}-${n}`;
      }
      throw new Error(`no id like ${JSON.stringify(name)} falls in partition ${target}`);
    });
  }
  /** Every store made for the current test, released after it. */
  const made: S[] = [];

  /** A fresh store: the default retention and type bound unless the test names its own. */
  async function makeStore(
    maxResources: number,
    retention: BucketRetention = DEFAULT_RETENTION,
    types: TypeBound = DEFAULT_TYPE_BOUND,
  ): Promise<S> {
    const store = await create({ maxResources, retention, types });
    made.push(store);
    return store;
  }

  describe(`TrackingStore contract (${name})`, () => {
    afterEach(async () => {
      for (const store of made.splice(0)) await destroy?.(store);
    }, timeoutMs);

    describe('record and summary', () => {
      let store: TrackingStore;

      beforeEach(async () => {
        store = await makeStore(UNBOUNDED);
      }, timeoutMs);

      it('resolves the running total of the resource', async () => {
        expect(await store.record('a', 'view', T0)).toBe(1);
        expect(await store.record('a', 'click', T0 + 1)).toBe(2);
        expect(await store.record('b', 'view', T0 + 2)).toBe(1);
        expect(await store.record('a', 'view', T0 + 3)).toBe(3);
        expect(await store.countInteractions()).toBe(4);
      });

      it('sums up a resource: total, counts by type, first and last time', async () => {
        await store.record('a', 'view', T0 + 10);
        await store.record('a', 'click', T0 + 30);
        await store.record('a', 'view', T0 + 20);
        await store.record('b', 'view', T0 + 40);

        const summary = await store.summary('a');

        expect(comparable(summary)).toStrictEqual({
          resourceId: 'a',
          total: 3,
          byType: [
            ['click', 1],
            ['view', 2],
          ],
          firstAt: T0 + 10,
          lastAt: T0 + 30,
        });
        expect(summary!.firstAt).toBeLessThanOrEqual(summary!.lastAt);
      });

      it('keeps types named like object properties as own keys, polluting nothing', async () => {
        await store.record('r', '__proto__', T0);
        await store.record('r', '__proto__', T0 + 1);
        await store.record('r', 'constructor', T0 + 2);
        await store.record('r', 'toString', T0 + 3);

        const summary = await store.summary('r');
        const byType = summary!.byType;

        expect(Object.getPrototypeOf(byType)).toBe(Object.prototype);
        expect(Object.hasOwn(byType, '__proto__')).toBe(true);
        expect(Object.getOwnPropertyDescriptor(byType, '__proto__')?.value).toBe(2);
        expect(Object.entries(byType).sort(([a], [b]) => compareUtf8Bytes(a, b))).toStrictEqual([
          ['__proto__', 2],
          ['constructor', 1],
          ['toString', 1],
        ]);
        expect(JSON.parse(JSON.stringify(byType))).toStrictEqual(
          JSON.parse('{"__proto__":2,"constructor":1,"toString":1}'),
        );
        expect(({} as Record<string, unknown>).constructor).toBe(Object);
        expect(summary!.total).toBe(4);
      });

      for (const id of ['__proto__', 'constructor', 'https://example.com/a/b?c=d', 'ünï/😀']) {
        it(`tracks the resource id ${JSON.stringify(id)} like any other`, async () => {
          expect(await store.record(id, 'view', T0)).toBe(1);
          expect(await store.record(id, 'view', T0 + 1)).toBe(2);

          expect(comparable(await store.summary(id))).toStrictEqual({
            resourceId: id,
            total: 2,
            byType: [['view', 2]],
            firstAt: T0,
            lastAt: T0 + 1,
          });
          expect(await store.top(10)).toStrictEqual([{ resourceId: id, total: 2, lastAt: T0 + 1 }]);
        });
      }

      it('answers undefined for a resource never tracked', async () => {
        await store.record('a', 'view', T0);

        expect(await store.summary('b')).toBeUndefined();
        expect(await store.summary('__proto__')).toBeUndefined();
      });

      it('counts exactly under 500 concurrent records', async () => {
        const types = ['view', 'click', 'share', 'like', '__proto__'];
        const totals = await Promise.all(
          Array.from({ length: 500 }, (_, i) => store.record('hot', types[i % 5], T0 + i)),
        );

        // Every record saw a distinct running total: none was lost or doubled.
        expect((totals as number[]).sort((a, b) => a - b)).toStrictEqual(
          Array.from({ length: 500 }, (_, i) => i + 1),
        );
        const summary = await store.summary('hot');
        expect(summary?.total).toBe(500);
        expect(Object.values(summary!.byType)).toStrictEqual([100, 100, 100, 100, 100]);
        expect(summary?.firstAt).toBeLessThanOrEqual(summary!.lastAt);
        expect(summary?.lastAt).toBe(T0 + 499);
        expect(await store.countInteractions()).toBe(500);
      });

      it('counts exactly under 500 concurrent records spread over resources', async () => {
        await Promise.all(
          Array.from({ length: 500 }, (_, i) => store.record(`r${i % 10}`, 'view', T0 + i)),
        );

        const top = await store.top(20);
        expect(top).toHaveLength(10);
        expect(top.every(({ total }) => total === 50)).toBe(true);
        expect(top.map(({ resourceId }) => resourceId)).toStrictEqual(
          Array.from({ length: 10 }, (_, i) => `r${i}`),
        );
        expect(await store.countInteractions()).toBe(500);
      });
    });

    describe('top', () => {
      let store: TrackingStore;

      beforeEach(async () => {
        store = await makeStore(UNBOUNDED);
      }, timeoutMs);

      it('ranks by total, highest first, ties by id in UTF-8 byte order', async () => {
        // UTF-16 would put 😀 (a surrogate pair, 0xD83D...) before \uE000; UTF-8 does not.
        for (const id of ['😀', '\uE000', 'b', 'a', 'é']) {
          await store.record(id, 'view', T0);
        }
        await store.record('many', 'view', T0 + 5);
        await store.record('many', 'view', T0 + 6);

        expect(await store.top(10)).toStrictEqual([
          { resourceId: 'many', total: 2, lastAt: T0 + 6 },
          { resourceId: 'a', total: 1, lastAt: T0 },
          { resourceId: 'b', total: 1, lastAt: T0 },
          { resourceId: 'é', total: 1, lastAt: T0 },
          { resourceId: '\uE000', total: 1, lastAt: T0 },
          { resourceId: '😀', total: 1, lastAt: T0 },
        ]);
      });

      it('lists at most `limit` rows', async () => {
        for (const id of ['a', 'b', 'c', 'd']) await store.record(id, 'view', T0);

        expect((await store.top(2)).map(({ resourceId }) => resourceId)).toStrictEqual(['a', 'b']);
        expect(await store.top(1)).toHaveLength(1);
      });

      it('lists nothing for a limit of 0', async () => {
        for (const id of ['a', 'b', 'c']) await store.record(id, 'view', T0);

        expect(await store.top(0)).toStrictEqual([]);
      });

      it('lists nothing before anything is recorded', async () => {
        expect(await store.top(10)).toStrictEqual([]);
        expect(await store.countInteractions()).toBe(0);
      });
    });

    describe('bounded by maxTypes (3, one place kept for "view")', () => {
      const BOUND: TypeBound = { maxTypes: 3, reserved: 'view' };
      let store: TrackingStore;

      beforeEach(async () => {
        store = await makeStore(UNBOUNDED, DEFAULT_RETENTION, BOUND);
      }, timeoutMs);

      /** Everything a refused record must leave as it was. */
      const state = async () => ({
        summary: comparable(await store.summary('r')),
        top: await store.top(10),
        interactions: await store.countInteractions(),
        series: await store.series('r', minutes(startOf(T0, 'minute'), 2)),
        activity: await store.activity(minutes(startOf(T0, 'minute'), 2)),
      });

      it('refuses a third type besides "view", changing nothing', async () => {
        expect(await store.record('r', 'click', T0)).toBe(1);
        expect(await store.record('r', 'share', T0 + 1)).toBe(2);
        const before = await state();

        expect(await store.record('r', 'like', T0 + 2)).toBeUndefined();
        expect(await store.record('r', '__proto__', T0 + 3)).toBeUndefined();

        expect(await state()).toStrictEqual(before);
        expect(await store.record('r', 'view', T0 + 4)).toBe(3);
        expect(await store.record('r', 'click', T0 + 5)).toBe(4);
        expect(await store.record('r', 'like', T0 + 6)).toBeUndefined();
        expect((await store.summary('r'))?.byType).toStrictEqual({ click: 2, share: 1, view: 1 });
      });

      it('counts "view" among the types once it is recorded', async () => {
        expect(await store.record('r', 'view', T0)).toBe(1);
        expect(await store.record('r', 'click', T0 + 1)).toBe(2);
        expect(await store.record('r', 'share', T0 + 2)).toBe(3);

        expect(await store.record('r', 'like', T0 + 3)).toBeUndefined();
        expect(Object.keys((await store.summary('r'))?.byType ?? {}).sort()).toStrictEqual([
          'click',
          'share',
          'view',
        ]);
      });

      it('bounds each resource on its own', async () => {
        await store.record('r', 'click', T0);
        await store.record('r', 'share', T0);

        expect(await store.record('other', 'like', T0)).toBe(1);
        expect(await store.record('other', 'poke', T0)).toBe(2);
      });

      it('never exceeds the bound under 200 concurrent new types', async () => {
        const totals = await Promise.all(
          Array.from({ length: 200 }, (_, i) => store.record('hot', `type-${i}`, T0 + i)),
        );

        expect(totals.filter((total) => total !== undefined).sort()).toStrictEqual([1, 2]);
        const summary = await store.summary('hot');
        expect(summary?.total).toBe(2);
        expect(Object.keys(summary?.byType ?? {})).toHaveLength(2);
        expect(await store.countInteractions()).toBe(2);
        expect(await store.record('hot', 'view', T0 + 500)).toBe(3);
      });

      it('keeps only "view" with a bound of 1', async () => {
        const only = await makeStore(UNBOUNDED, DEFAULT_RETENTION, {
          maxTypes: 1,
          reserved: 'view',
        });

        expect(await only.record('r', 'click', T0)).toBeUndefined();
        expect(await only.summary('r')).toBeUndefined();
        expect(await only.record('r', 'view', T0)).toBe(1);
        expect(await only.record('r', 'click', T0)).toBeUndefined();
      });

      it('starts a resource dropped by maxResources with no types', async () => {
        const small = await makeStore(keeping(1), DEFAULT_RETENTION, BOUND);
        const [r, other] = inOnePartition(['r', 'other']);
        await small.record(r, 'click', T0);
        await small.record(r, 'share', T0 + 1);
        await small.record(other, 'view', T0 + 2);

        expect(await small.record(r, 'like', T0 + 3)).toBe(1);
        expect((await small.summary(r))?.byType).toStrictEqual({ like: 1 });
      });
    });

    describe('bounded by maxResources (3)', () => {
      let store: TrackingStore;
      const [a, b, c, d, e, f] = inOnePartition(['a', 'b', 'c', 'd', 'e', 'f']);

      beforeEach(async () => {
        store = await makeStore(keeping(3));
      }, timeoutMs);

      const ids = async (): Promise<string[]> =>
        (await store.top(10)).map(({ resourceId }) => resourceId).sort();

      it('drops the least recently recorded resource', async () => {
        await store.record(a, 'view', T0);
        await store.record(a, 'view', T0 + 1);
        await store.record(b, 'view', T0 + 2);
        await store.record(c, 'view', T0 + 3);
        await store.record(d, 'view', T0 + 4);

        // 'a' had the highest total but was the least recently recorded.
        expect(await store.summary(a)).toBeUndefined();
        expect(await ids()).toStrictEqual([b, c, d]);
        expect(await store.countInteractions()).toBe(5);
      });

      it('keeps a resource recorded again, and drops the next least recent one', async () => {
        await store.record(a, 'view', T0);
        await store.record(b, 'view', T0 + 1);
        await store.record(c, 'view', T0 + 2);
        await store.record(a, 'click', T0 + 3);
        await store.record(d, 'view', T0 + 4);

        expect(await store.summary(b)).toBeUndefined();
        expect((await store.summary(a))?.total).toBe(2);
        expect(await ids()).toStrictEqual([a, c, d]);
      });

      it('does not count reads as activity', async () => {
        await store.record(a, 'view', T0);
        await store.record(b, 'view', T0 + 1);
        await store.record(c, 'view', T0 + 2);
        // Reads of 'a' of every kind; it stays the least recently *recorded*.
        expect(await store.summary(a)).toBeDefined();
        await store.top(10);
        await store.top(1);
        expect(await store.summary(a)).toBeDefined();

        await store.record(d, 'view', T0 + 3);

        expect(await store.summary(a)).toBeUndefined();
        expect(await ids()).toStrictEqual([b, c, d]);
      });

      it('counts the interactions of dropped resources, and starts over when one returns', async () => {
        for (const [i, id] of [a, b, c, d, e, f].entries()) {
          await store.record(id, 'view', T0 + i);
          await store.record(id, 'click', T0 + i);
        }

        expect(await store.countInteractions()).toBe(12);
        expect(await ids()).toStrictEqual([d, e, f]);
        expect(await store.record(a, 'view', T0 + 10)).toBe(1);
        expect(comparable(await store.summary(a))).toStrictEqual({
          resourceId: a,
          total: 1,
          byType: [['view', 1]],
          firstAt: T0 + 10,
          lastAt: T0 + 10,
        });
        expect(await store.countInteractions()).toBe(13);
      });
    });

    describe('time buckets: series, topWithin, activity', () => {
      let store: TrackingStore;
      /** Start of the current minute and hour: every time below is at or before now. */
      let M: number;
      let H: number;

      beforeEach(async () => {
        store = await makeStore(UNBOUNDED);
        const now = Date.now();
        M = startOf(now, 'minute');
        H = startOf(now, 'hour');
      }, timeoutMs);

      it('counts a resource per minute, by type, in the bucket each time falls in', async () => {
        await store.record('a', 'view', M - 3 * MINUTE + 1_000);
        await store.record('a', 'click', M - 3 * MINUTE + 59_999);
        // Exactly on a boundary: the bucket that starts there; 1 ms before: the one before.
        await store.record('a', 'view', M - 2 * MINUTE);
        await store.record('a', 'view', M - 2 * MINUTE - 1);
        await store.record('b', 'view', M - 2 * MINUTE + 5);
        const range = minutes(M - 5 * MINUTE, 6);

        expect(await store.series('a', range)).toStrictEqual(
          expectedSeries(range, { 2: { view: 2, click: 1 }, 3: { view: 1 } }),
        );
        expect(await store.series('b', range)).toStrictEqual(
          expectedSeries(range, { 3: { view: 1 } }),
        );
      });

      it('counts a resource per hour, by type, with zeros where there were none', async () => {
        await store.record('a', 'view', H - 2 * HOUR + 1);
        await store.record('a', 'click', H - HOUR - 1);
        await store.record('a', 'view', H - HOUR);
        await store.record('a', '__proto__', H);
        const range = hours(H - 3 * HOUR, 4);

        const series = await store.series('a', range);

        expect(series).toStrictEqual(
          expectedSeries(range, {
            1: { view: 1, click: 1 },
            2: { view: 1 },
            3: JSON.parse('{"__proto__":1}') as Record<string, number>,
          }),
        );
        expect(Object.hasOwn(series[3].byType, '__proto__')).toBe(true);
        expect(Object.getPrototypeOf(series[3].byType)).toBe(Object.prototype);
      });

      it('answers zeros for a resource never tracked, and no points for an empty range', async () => {
        await store.record('a', 'view', M - MINUTE);
        const range = minutes(M - 2 * MINUTE, 3);

        expect(await store.series('never', range)).toStrictEqual(expectedSeries(range));
        expect(await store.series('a', minutes(M, 0))).toStrictEqual([]);
        expect(await store.activity(minutes(M, 0))).toStrictEqual([]);
        expect(await store.topWithin(minutes(M, 0), 10)).toStrictEqual([]);
      });

      it('counts all interactions per bucket in activity, zeros elsewhere', async () => {
        const times = [
          M - 4 * MINUTE + 10,
          M - 3 * MINUTE,
          M - 3 * MINUTE + 1,
          M - 2 * MINUTE - 1,
          M - MINUTE + 30_000,
          M - MINUTE + 30_001,
        ];
        for (const [i, at] of times.entries()) {
          await store.record(['a', 'b', 'c'][i % 3], i % 2 ? 'click' : 'view', at);
        }
        const byMinute = minutes(M - 6 * MINUTE, 7);
        const byHour = hours(H - 2 * HOUR, 3);

        expect(await store.activity(byMinute)).toStrictEqual([0, 0, 1, 3, 0, 2, 0]);
        expect(await store.activity(byHour)).toStrictEqual(countsPerBucket(byHour, times));
        expect((await store.activity(byHour)).reduce((sum, each) => sum + each, 0)).toBe(6);
      });

      it('ranks a minute window: highest first, ties by id in UTF-8 byte order', async () => {
        await store.record('x', 'view', M - 40 * MINUTE);
        await store.record('old', 'view', M - 40 * MINUTE + 1);
        await store.record('x', 'view', M - 9 * MINUTE);
        await store.record('é', 'view', M - 5 * MINUTE);
        await store.record('a', 'click', M - 5 * MINUTE + 1);
        await store.record('B', 'view', M - 4 * MINUTE);
        await store.record('x', 'click', M - MINUTE);
        const window = minutes(M - 10 * MINUTE, 11);

        expect(await store.topWithin(window, 10)).toStrictEqual([
          { resourceId: 'x', total: 2, lastAt: M - MINUTE },
          { resourceId: 'B', total: 1, lastAt: M - 4 * MINUTE },
          { resourceId: 'a', total: 1, lastAt: M - 5 * MINUTE + 1 },
          { resourceId: 'é', total: 1, lastAt: M - 5 * MINUTE },
        ]);
        expect(await store.topWithin(window, 2)).toStrictEqual([
          { resourceId: 'x', total: 2, lastAt: M - MINUTE },
          { resourceId: 'B', total: 1, lastAt: M - 4 * MINUTE },
        ]);
        expect(await store.topWithin(window, 0)).toStrictEqual([]);
        // A window that ends before the later interactions counts only what falls in it.
        expect(await store.topWithin(minutes(M - 10 * MINUTE, 5), 10)).toStrictEqual([
          { resourceId: 'x', total: 1, lastAt: M - MINUTE },
        ]);
        // A window where nothing happened lists nobody.
        expect(await store.topWithin(minutes(M - 30 * MINUTE, 10), 10)).toStrictEqual([]);
      });

      it('ranks an hour window: every interaction of its hours counts', async () => {
        await store.record('x', 'view', M - 40 * MINUTE);
        await store.record('old', 'view', M - 40 * MINUTE + 1);
        await store.record('x', 'view', M - 9 * MINUTE);
        await store.record('é', 'view', M - 5 * MINUTE);
        await store.record('a', 'click', M - 5 * MINUTE + 1);
        await store.record('B', 'view', M - 4 * MINUTE);
        await store.record('x', 'click', M - MINUTE);
        await store.record('before', 'view', H - 2 * HOUR);

        expect(await store.topWithin(hours(H - HOUR, 2), 10)).toStrictEqual([
          { resourceId: 'x', total: 3, lastAt: M - MINUTE },
          { resourceId: 'B', total: 1, lastAt: M - 4 * MINUTE },
          { resourceId: 'a', total: 1, lastAt: M - 5 * MINUTE + 1 },
          { resourceId: 'old', total: 1, lastAt: M - 40 * MINUTE + 1 },
          { resourceId: 'é', total: 1, lastAt: M - 5 * MINUTE },
        ]);
        expect(await store.topWithin(hours(H - 2 * HOUR, 1), 10)).toStrictEqual([
          { resourceId: 'before', total: 1, lastAt: H - 2 * HOUR },
        ]);
      });

      it('ranks many resources of a window exactly, beyond one page of candidates', async () => {
        // 450 resources, each with 1 + (i % 7) interactions in the window.
        const totals = new Map<string, number>();
        await Promise.all(
          Array.from({ length: 450 }, async (_, i) => {
            const id = `r${String(i).padStart(3, '0')}`;
            totals.set(id, 1 + (i % 7));
            for (let n = 0; n <= i % 7; n++) await store.record(id, 'view', M - MINUTE + n);
          }),
        );
        await store.record('outside', 'view', M - 30 * MINUTE);
        const expected = [...totals]
          .map(([resourceId, total]) => ({ resourceId, total }))
          .sort((a, b) => b.total - a.total || compareUtf8Bytes(a.resourceId, b.resourceId));

        const top = await store.topWithin(minutes(M - 2 * MINUTE, 3), 100);

        expect(top.map(({ resourceId, total }) => ({ resourceId, total }))).toStrictEqual(
          expected.slice(0, 100),
        );
        expect(top[0]).toStrictEqual({ resourceId: 'r006', total: 7, lastAt: M - MINUTE + 6 });
        // More rows than one page of candidates (200) read by the Redis script.
        const many = await store.topWithin(minutes(M - 2 * MINUTE, 3), 300);
        expect(many.map(({ resourceId, total }) => ({ resourceId, total }))).toStrictEqual(
          expected.slice(0, 300),
        );
      });

      it('finds the leaders of a window busier than a bucket keeps, each with its exact count', async () => {
        // 1,500 resources in one minute: more than the 1,000 leaders a bucket keeps.
        const m = M - MINUTE;
        for (let i = 0; i < 1500; i += 100) {
          await Promise.all(
            Array.from({ length: 100 }, (_, j) =>
              store.record(`r${String(i + j).padStart(4, '0')}`, 'view', m + j),
            ),
          );
        }
        for (let n = 0; n < 3; n++) await store.record('z-hot', 'view', m + 200 + n);
        await store.record('z-hot', 'view', M - 2 * MINUTE);
        await store.record('z-hot', 'click', M - 3 * MINUTE);
        // One interaction per minute: tied with 1,500 others in the busy minute, where its id
        // ranks it last, so that bucket's leaders leave it out; its total is still exact.
        for (const at of [M - 3 * MINUTE + 1, M - 2 * MINUTE + 1, m + 300]) {
          await store.record('z-spread', 'view', at);
        }
        const window = minutes(M - 3 * MINUTE, 4);

        expect(await store.topWithin(window, 4)).toStrictEqual([
          { resourceId: 'z-hot', total: 5, lastAt: m + 202 },
          { resourceId: 'z-spread', total: 3, lastAt: m + 300 },
          { resourceId: 'r0000', total: 1, lastAt: m },
          { resourceId: 'r0001', total: 1, lastAt: m + 1 },
        ]);
        // Read by its hour too (the hour holds every interaction above).
        const byHour = await store.topWithin(hours(H - HOUR, 2), 2);
        expect(byHour).toStrictEqual([
          { resourceId: 'z-hot', total: 5, lastAt: m + 202 },
          { resourceId: 'z-spread', total: 3, lastAt: m + 300 },
        ]);
      });

      it('reads whole hours of a minute window from their hour buckets, with the same answer', async () => {
        // Two hours and a bit of minutes: the middle hour is read as one hour bucket.
        const first = H - 2 * HOUR - 5 * MINUTE;
        const times = [first, first + 30 * MINUTE, H - HOUR - 1, H - HOUR, H - 1, M];
        for (const [i, at] of times.entries()) {
          await store.record(i % 2 ? 'odd' : 'even', 'view', at);
          await store.record('all', 'view', at);
        }
        const window = minutes(first, (M - first) / MINUTE + 1);

        expect(
          (await store.topWithin(window, 10)).map(({ resourceId, total }) => [resourceId, total]),
        ).toStrictEqual([
          ['all', 6],
          ['even', 3],
          ['odd', 3],
        ]);
        // Without the first five minutes (and the interaction in them).
        expect(
          (await store.topWithin(minutes(first + 5 * MINUTE, (M - first) / MINUTE - 4), 1)).map(
            ({ resourceId, total }) => [resourceId, total],
          ),
        ).toStrictEqual([['all', 5]]);
      });

      it('keeps counting exactly under 300 concurrent records', async () => {
        // Each (bucket, resource) pair gets 50 interactions, 25 of each type.
        await Promise.all(
          Array.from({ length: 300 }, (_, i) =>
            store.record(
              i % 2 ? 'odd' : 'even',
              Math.floor(i / 6) % 2 ? 'click' : 'view',
              M - 3 * MINUTE + (i % 3) * MINUTE + i,
            ),
          ),
        );
        const range = minutes(M - 4 * MINUTE, 5);
        const each = { view: 25, click: 25 };

        for (const id of ['even', 'odd']) {
          expect(await store.series(id, range)).toStrictEqual(
            expectedSeries(range, { 1: each, 2: each, 3: each }),
          );
          expect((await store.summary(id))?.total).toBe(150);
        }
        expect(await store.activity(range)).toStrictEqual([0, 100, 100, 100, 0]);
        expect(
          (await store.topWithin(range, 10)).map(({ resourceId, total }) => [resourceId, total]),
        ).toStrictEqual([
          ['even', 150],
          ['odd', 150],
        ]);
        const byHour = hours(H - HOUR, 2);
        const all = Array.from({ length: 300 }, (_, i) => M - 3 * MINUTE + (i % 3) * MINUTE + i);
        expect(await store.activity(byHour)).toStrictEqual(countsPerBucket(byHour, all));
        expect(await store.countInteractions()).toBe(300);
      });

      it('reads buckets older than their retention as zero', async () => {
        store = await makeStore(UNBOUNDED, SMALL_RETENTION);
        await store.record('a', 'view', H - 5 * HOUR);
        await store.record('a', 'view', M - 20 * MINUTE);
        await store.record('b', 'click', M - 20 * MINUTE + 1);
        await store.record('a', 'click', M - 5 * MINUTE);
        const byMinute = minutes(M - 25 * MINUTE, 26);
        const byHour = hours(H - 6 * HOUR, 7);
        // Hours still kept: those of M - 20 min and M - 5 min (maybe the same one).
        const hourly = countsPerBucket(byHour, [M - 20 * MINUTE, M - 5 * MINUTE]);
        const hourlyB = countsPerBucket(byHour, [M - 20 * MINUTE]);

        expect(await store.series('a', byMinute)).toStrictEqual(
          expectedSeries(byMinute, { 20: { click: 1 } }),
        );
        expect((await store.series('a', byHour)).map(({ total }) => total)).toStrictEqual(hourly);
        expect((await store.series('b', byMinute)).every(({ total }) => total === 0)).toBe(true);
        expect(await store.activity(byMinute)).toStrictEqual(
          countsPerBucket(byMinute, [M - 5 * MINUTE]),
        );
        expect(await store.activity(byHour)).toStrictEqual(
          hourly.map((count, i) => count + hourlyB[i]),
        );
        expect(await store.topWithin(byMinute, 10)).toStrictEqual([
          { resourceId: 'a', total: 1, lastAt: M - 5 * MINUTE },
        ]);
        expect(await store.topWithin(byHour, 10)).toStrictEqual([
          { resourceId: 'a', total: 2, lastAt: M - 5 * MINUTE },
          { resourceId: 'b', total: 1, lastAt: M - 20 * MINUTE + 1 },
        ]);
        // A window wholly older than the retention lists nobody.
        expect(await store.topWithin(minutes(M - 25 * MINUTE, 10), 10)).toStrictEqual([]);
        expect(await store.topWithin(hours(H - 6 * HOUR, 2), 10)).toStrictEqual([]);
        // Gone from the buckets only: the all-time counts keep everything.
        expect((await store.summary('a'))?.total).toBe(3);
        expect(await store.countInteractions()).toBe(4);
      });

      describe('bounded by maxResources (3)', () => {
        const [a, b, c, d] = inOnePartition(['a', 'b', 'c', 'd']);

        beforeEach(async () => {
          store = await makeStore(keeping(3));
        }, timeoutMs);

        it('leaves a dropped resource out of windows and its series, not out of activity', async () => {
          await store.record(a, 'view', M - 5 * MINUTE);
          await store.record(a, 'click', M - 5 * MINUTE + 1);
          await store.record(b, 'view', M - 4 * MINUTE);
          await store.record(c, 'view', M - 4 * MINUTE + 1);
          await store.record(d, 'view', M - 3 * MINUTE);
          const range = minutes(M - 5 * MINUTE, 6);

          expect(await store.summary(a)).toBeUndefined();
          expect(await store.series(a, range)).toStrictEqual(expectedSeries(range));
          expect(await store.series(a, hours(H - HOUR, 2))).toStrictEqual(
            expectedSeries(hours(H - HOUR, 2)),
          );
          expect(await store.topWithin(range, 10)).toStrictEqual([
            { resourceId: b, total: 1, lastAt: M - 4 * MINUTE },
            { resourceId: c, total: 1, lastAt: M - 4 * MINUTE + 1 },
            { resourceId: d, total: 1, lastAt: M - 3 * MINUTE },
          ]);
          expect(
            (await store.topWithin(hours(H - HOUR, 2), 10)).map(({ resourceId }) => resourceId),
          ).toStrictEqual([b, c, d]);
          expect(await store.activity(range)).toStrictEqual([2, 2, 1, 0, 0, 0]);
        });

        it('starts a resource tracked again from zero, even within the buckets it was dropped from', async () => {
          // Everything in one minute (and one hour): the buckets the dropped 'a' had counts in.
          const m = M - 5 * MINUTE;
          await store.record(a, 'view', m);
          await store.record(a, 'click', m + 1);
          await store.record(b, 'view', m + 2);
          await store.record(c, 'view', m + 3);
          await store.record(d, 'view', m + 4);
          // 'a' was dropped; tracked again, it drops 'b'.
          expect(await store.record(a, 'view', m + 10)).toBe(1);
          expect(await store.record(a, 'view', M - 2 * MINUTE)).toBe(2);
          const range = minutes(m, 6);
          const byHour = hours(H - HOUR, 2);

          expect(await store.series(a, range)).toStrictEqual(
            expectedSeries(range, { 0: { view: 1 }, 3: { view: 1 } }),
          );
          expect((await store.series(a, byHour)).map(({ total }) => total)).toStrictEqual(
            countsPerBucket(byHour, [m + 10, M - 2 * MINUTE]),
          );
          expect(await store.series(b, range)).toStrictEqual(expectedSeries(range));
          expect(await store.topWithin(range, 10)).toStrictEqual([
            { resourceId: a, total: 2, lastAt: M - 2 * MINUTE },
            { resourceId: c, total: 1, lastAt: m + 3 },
            { resourceId: d, total: 1, lastAt: m + 4 },
          ]);
          expect(await store.topWithin(byHour, 10)).toStrictEqual([
            { resourceId: a, total: 2, lastAt: M - 2 * MINUTE },
            { resourceId: c, total: 1, lastAt: m + 3 },
            { resourceId: d, total: 1, lastAt: m + 4 },
          ]);
          expect(await store.activity(range)).toStrictEqual([6, 0, 0, 1, 0, 0]);
        });

        it('starts a resource tracked again from zero even within the same millisecond', async () => {
          // A time cannot tell the two lives apart; the store must still do so.
          const t = M - 2 * MINUTE;
          for (const id of [a, b, c, d]) await store.record(id, 'view', t);
          expect(await store.record(a, 'view', t)).toBe(1);
          const range = minutes(t, 1);

          expect(await store.series(a, range)).toStrictEqual(
            expectedSeries(range, { 0: { view: 1 } }),
          );
          expect(await store.topWithin(range, 1)).toStrictEqual([
            { resourceId: a, total: 1, lastAt: t },
          ]);
        });

        it('counts a resource tracked again afresh in a window that began before it left', async () => {
          const m = M - 5 * MINUTE;
          await store.record(a, 'view', m);
          await store.record(a, 'view', m + 1);
          await store.record(a, 'view', m + 2);
          await store.record(b, 'view', m + MINUTE);
          await store.record(c, 'view', m + MINUTE + 1);
          await store.record(d, 'view', m + MINUTE + 2);
          await store.record(a, 'click', m + 2 * MINUTE);

          // The window holds 'a''s first three interactions too: they are not counted.
          expect(await store.topWithin(minutes(m, 6), 10)).toStrictEqual([
            { resourceId: a, total: 1, lastAt: m + 2 * MINUTE },
            { resourceId: c, total: 1, lastAt: m + MINUTE + 1 },
            { resourceId: d, total: 1, lastAt: m + MINUTE + 2 },
          ]);
          // Limited to one: 'a' is first (its stale count must not make it win by 4).
          expect(await store.topWithin(minutes(m, 6), 1)).toStrictEqual([
            { resourceId: a, total: 1, lastAt: m + 2 * MINUTE },
          ]);
        });
      });
    });

    describe('against a brute-force model (fast-check)', () => {
      /** Replays a sequence on a fresh store and compares everything it answers with the model. */
      async function replayAndCompare(
        sequence: readonly Interaction[],
        limit: number,
        maxResources: number,
      ): Promise<void> {
        const store = await makeStore(maxResources);
        for (const { resourceId, type, at } of sequence) {
          await store.record(resourceId, type, at);
        }
        const expected = expectedAfter(sequence, maxResources, partitions);

        expect(await store.top(limit)).toStrictEqual(expected.ranking.slice(0, limit));
        expect(await store.countInteractions()).toBe(expected.interactions);
        for (const resourceId of new Set(sequence.map((each) => each.resourceId))) {
          expect(comparable(await store.summary(resourceId))).toStrictEqual(
            comparable(expected.summaries.get(resourceId)),
          );
        }
      }

      it('ranks any sequence of records as the model does', async () => {
        await fc.assert(
          fc.asyncProperty(sequenceArb, fc.integer({ min: 1, max: 12 }), (sequence, limit) =>
            replayAndCompare(sequence, limit, UNBOUNDED),
          ),
          { numRuns: 25 },
        );
      });

      it('drops and ranks as the model does when bounded', async () => {
        await fc.assert(
          fc.asyncProperty(
            sequenceArb,
            fc.integer({ min: 1, max: 12 }),
            // With partitions, up to 5 resources kept per partition.
            fc.integer({ min: 1, max: keeping(5) }),
            replayAndCompare,
          ),
          { numRuns: 25 },
        );
      });
    });
  });
}
