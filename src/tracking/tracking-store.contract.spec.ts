import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import { findRedisServer, RedisServer } from '../../test/helpers/redis-server';
import { RedisConnection } from '../redis/redis-connection';
import { MemoryTrackingStore } from './memory-tracking.store';
import { RedisTrackingStore } from './redis-tracking.store';
import type { InteractionSummary, TopResource, TrackingStore } from './tracking-store';
import { DEFAULT_RETENTION } from '../common/time-buckets';

/**
 * The contract of the TrackingStore port, run as one set of tests against
 * every adapter: the in-process one and a real `redis-server` (never a mock).
 */

jest.setTimeout(60_000);

const T0 = Date.UTC(2030, 0, 1);
const UNBOUNDED = 10_000;

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
 * the least recently *recorded* resource dropped beyond `maxResources`.
 */
function expectedAfter(sequence: readonly Interaction[], maxResources: number): Expected {
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
    if (tallies.size > maxResources) tallies.delete(tallies.keys().next().value as string);
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

/** Defines the TrackingStore contract for one adapter; `makeStore` returns a fresh, empty store. */
export function describeTrackingStore(
  name: string,
  makeStore: (maxResources: number) => TrackingStore | Promise<TrackingStore>,
): void {
  describe(`TrackingStore contract (${name})`, () => {
    describe('record and summary', () => {
      let store: TrackingStore;

      beforeEach(async () => {
        store = await makeStore(UNBOUNDED);
      });

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

      it.each(['__proto__', 'constructor', 'https://example.com/a/b?c=d', 'ünï/😀'])(
        'tracks the resource id %p like any other',
        async (id) => {
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
        },
      );

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
        expect([...totals].sort((a, b) => a - b)).toStrictEqual(
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
      });

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

    describe('bounded by maxResources (3)', () => {
      let store: TrackingStore;

      beforeEach(async () => {
        store = await makeStore(3);
      });

      const ids = async (): Promise<string[]> =>
        (await store.top(10)).map(({ resourceId }) => resourceId).sort();

      it('drops the least recently recorded resource', async () => {
        await store.record('a', 'view', T0);
        await store.record('a', 'view', T0 + 1);
        await store.record('b', 'view', T0 + 2);
        await store.record('c', 'view', T0 + 3);
        await store.record('d', 'view', T0 + 4);

        // 'a' had the highest total but was the least recently recorded.
        expect(await store.summary('a')).toBeUndefined();
        expect(await ids()).toStrictEqual(['b', 'c', 'd']);
        expect(await store.countInteractions()).toBe(5);
      });

      it('keeps a resource recorded again, and drops the next least recent one', async () => {
        await store.record('a', 'view', T0);
        await store.record('b', 'view', T0 + 1);
        await store.record('c', 'view', T0 + 2);
        await store.record('a', 'click', T0 + 3);
        await store.record('d', 'view', T0 + 4);

        expect(await store.summary('b')).toBeUndefined();
        expect((await store.summary('a'))?.total).toBe(2);
        expect(await ids()).toStrictEqual(['a', 'c', 'd']);
      });

      it('does not count reads as activity', async () => {
        await store.record('a', 'view', T0);
        await store.record('b', 'view', T0 + 1);
        await store.record('c', 'view', T0 + 2);
        // Reads of 'a' of every kind; it stays the least recently *recorded*.
        expect(await store.summary('a')).toBeDefined();
        await store.top(10);
        await store.top(1);
        expect(await store.summary('a')).toBeDefined();

        await store.record('d', 'view', T0 + 3);

        expect(await store.summary('a')).toBeUndefined();
        expect(await ids()).toStrictEqual(['b', 'c', 'd']);
      });

      it('counts the interactions of dropped resources, and starts over when one returns', async () => {
        for (const [i, id] of ['a', 'b', 'c', 'd', 'e', 'f'].entries()) {
          await store.record(id, 'view', T0 + i);
          await store.record(id, 'click', T0 + i);
        }

        expect(await store.countInteractions()).toBe(12);
        expect(await ids()).toStrictEqual(['d', 'e', 'f']);
        expect(await store.record('a', 'view', T0 + 10)).toBe(1);
        expect(comparable(await store.summary('a'))).toStrictEqual({
          resourceId: 'a',
          total: 1,
          byType: [['view', 1]],
          firstAt: T0 + 10,
          lastAt: T0 + 10,
        });
        expect(await store.countInteractions()).toBe(13);
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
        const expected = expectedAfter(sequence, maxResources);

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
            fc.integer({ min: 1, max: 5 }),
            replayAndCompare,
          ),
          { numRuns: 25 },
        );
      });
    });
  });
}

// ---------------------------------------------------------------------------

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

describeTrackingStore(
  'memory',
  (maxResources) => new MemoryTrackingStore({ maxResources, retention: DEFAULT_RETENTION }),
);

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

    describeTrackingStore(
      'redis',
      (maxResources) =>
        new RedisTrackingStore(connection, {
          namespace: uniqueNamespace(),
          maxResources,
          retention: DEFAULT_RETENTION,
        }),
    );
  });
}
