import fc from 'fast-check';
import type { TopResource } from '../tracking-store';
import { MemoryTrackingStore } from './memory-tracking.store';
import { DEFAULT_RETENTION } from '../../time-series/time-buckets';

const T0 = Date.UTC(2030, 0, 1);

/** Byte order of the UTF-8 encodings: the documented tie-break of the ranking. */
const compareUtf8Bytes = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

describe(MemoryTrackingStore.name, () => {
  let sut: MemoryTrackingStore;

  beforeEach(() => {
    sut = new MemoryTrackingStore({ maxResources: 1000, retention: DEFAULT_RETENTION });
  });

  describe('record and summary', () => {
    it('resolves the running total of the resource', async () => {
      expect(await sut.record('a', 'view', T0)).toBe(1);
      expect(await sut.record('a', 'click', T0 + 1)).toBe(2);
      expect(await sut.record('b', 'view', T0 + 2)).toBe(1);
      expect(await sut.record('a', 'view', T0 + 3)).toBe(3);
    });

    it('counts by type and keeps the first and the last time', async () => {
      await sut.record('a', 'view', T0);
      await sut.record('a', 'click', T0 + 10);
      await sut.record('a', 'view', T0 + 20);

      expect(await sut.summary('a')).toStrictEqual({
        resourceId: 'a',
        total: 3,
        byType: { view: 2, click: 1 },
        firstAt: T0,
        lastAt: T0 + 20,
      });
    });

    it('never moves lastAt back for an interaction recorded late', async () => {
      await sut.record('a', 'view', T0 + 50);
      await sut.record('a', 'view', T0 + 10);

      expect((await sut.summary('a'))?.lastAt).toBe(T0 + 50);
    });

    it('answers undefined for a resource never tracked', async () => {
      await sut.record('a', 'view', T0);

      expect(await sut.summary('b')).toBeUndefined();
    });

    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
      'tracks the id %p like any other',
      async (id) => {
        expect(await sut.record(id, 'view', T0)).toBe(1);
        expect(await sut.record(id, 'view', T0 + 1)).toBe(2);

        expect(await sut.summary(id)).toStrictEqual({
          resourceId: id,
          total: 2,
          byType: { view: 2 },
          firstAt: T0,
          lastAt: T0 + 1,
        });
        expect(await sut.summary('other')).toBeUndefined();
        expect(await sut.top(10)).toStrictEqual([{ resourceId: id, total: 2, lastAt: T0 + 1 }]);
      },
    );

    it('reports types such as __proto__ and constructor as own keys of byType', async () => {
      for (const type of ['__proto__', '__proto__', 'constructor', 'toString']) {
        await sut.record('a', type, T0);
      }

      const { byType } = (await sut.summary('a'))!;

      expect(Object.keys(byType).sort()).toStrictEqual(['__proto__', 'constructor', 'toString']);
      expect(Object.hasOwn(byType, '__proto__')).toBe(true);
      expect(byType['__proto__']).toBe(2);
      expect(byType['constructor']).toBe(1);
      expect(Object.getPrototypeOf(byType)).toBe(Object.prototype);
      expect(JSON.stringify(byType)).toBe('{"__proto__":2,"constructor":1,"toString":1}');
    });
  });

  describe('top', () => {
    it('lists the highest totals first, as {resourceId, total, lastAt}', async () => {
      for (const [id, times] of [
        ['low', 1],
        ['high', 3],
        ['middle', 2],
      ] as const) {
        for (let i = 0; i < times; i++) await sut.record(id, 'view', T0 + i);
      }

      expect(await sut.top(10)).toStrictEqual([
        { resourceId: 'high', total: 3, lastAt: T0 + 2 },
        { resourceId: 'middle', total: 2, lastAt: T0 + 1 },
        { resourceId: 'low', total: 1, lastAt: T0 },
      ]);
    });

    it('breaks ties by id in UTF-8 byte order, whatever the last activity', async () => {
      // '\u{1F600}' sorts after '\uFFFD' in UTF-8, though not in UTF-16 code units.
      const ids = ['b', '\u{1F600}', 'a', '\uFFFD', 'ab'];
      for (const [i, id] of ids.entries()) await sut.record(id, 'view', T0 + i);

      const listed = (await sut.top(10)).map((row) => row.resourceId);

      expect(listed).toStrictEqual(['a', 'ab', 'b', '\uFFFD', '\u{1F600}']);
    });

    it('lists at most `limit` rows', async () => {
      for (let i = 0; i < 5; i++) await sut.record(`r${i}`, 'view', T0);

      expect(await sut.top(3)).toHaveLength(3);
      expect(await sut.top(5)).toHaveLength(5);
      expect(await sut.top(50)).toHaveLength(5);
    });

    it('agrees with a brute-force ranking of random interactions, bound included', async () => {
      const id = fc
        .array(fc.constantFrom('a', 'b', 'z', '\uE000', '\uFFFF', '\u{10000}', '\u{1F600}'), {
          minLength: 1,
          maxLength: 3,
        })
        .map((chars) => chars.join(''));
      const interaction = fc.record({ id, type: fc.constantFrom('view', 'click', '__proto__') });

      await fc.assert(
        fc.asyncProperty(
          fc.array(interaction, { maxLength: 80 }),
          fc.integer({ min: 1, max: 30 }),
          fc.integer({ min: 1, max: 40 }),
          async (interactions, limit, maxResources) => {
            const store = new MemoryTrackingStore({ maxResources, retention: DEFAULT_RETENTION });
            // The model keeps rows in activity order: a Map iterates in insertion order.
            const model = new Map<string, TopResource>();
            for (const [i, { id: resourceId, type }] of interactions.entries()) {
              await store.record(resourceId, type, T0 + i);
              const total = (model.get(resourceId)?.total ?? 0) + 1;
              model.delete(resourceId);
              model.set(resourceId, { resourceId, total, lastAt: T0 + i });
              if (model.size > maxResources) model.delete(model.keys().next().value!);
            }
            const ranking = [...model.values()].sort(
              (a, b) => b.total - a.total || compareUtf8Bytes(a.resourceId, b.resourceId),
            );

            expect(await store.top(limit)).toStrictEqual(ranking.slice(0, limit));
            expect(await store.countInteractions()).toBe(interactions.length);
          },
        ),
      );
    });
  });

  describe('bound on resources', () => {
    beforeEach(() => {
      sut = new MemoryTrackingStore({ maxResources: 3, retention: DEFAULT_RETENTION });
    });

    it('drops the least recently active resource when one more is tracked', async () => {
      for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) await sut.record(id, 'view', T0 + i);

      expect(await sut.summary('a')).toBeUndefined();
      for (const id of ['b', 'c', 'd']) expect(await sut.summary(id)).toBeDefined();
      expect((await sut.top(10)).map((row) => row.resourceId).sort()).toStrictEqual([
        'b',
        'c',
        'd',
      ]);
    });

    it('counts a new interaction as activity, so the next least recent one is dropped', async () => {
      for (const id of ['a', 'b', 'a', 'c', 'd']) await sut.record(id, 'view', T0);

      expect(await sut.summary('b')).toBeUndefined();
      expect((await sut.summary('a'))?.total).toBe(2);
      for (const id of ['c', 'd']) expect(await sut.summary(id)).toBeDefined();
    });

    it('does not count reading a summary or the ranking as activity', async () => {
      for (const id of ['a', 'b', 'c']) await sut.record(id, 'view', T0);
      await sut.summary('a');
      await sut.top(10);

      await sut.record('d', 'view', T0);

      expect(await sut.summary('a')).toBeUndefined();
      for (const id of ['b', 'c', 'd']) expect(await sut.summary(id)).toBeDefined();
    });

    it('starts a dropped resource afresh when it is tracked again', async () => {
      for (const id of ['a', 'a', 'b', 'c', 'd']) await sut.record(id, 'view', T0);

      expect(await sut.record('a', 'view', T0 + 5)).toBe(1);
      expect(await sut.summary('a')).toMatchObject({ total: 1, firstAt: T0 + 5 });
    });
  });

  describe('countInteractions', () => {
    it('is zero before anything is recorded', async () => {
      expect(await sut.countInteractions()).toBe(0);
    });

    it('counts every interaction, those of dropped resources included', async () => {
      sut = new MemoryTrackingStore({ maxResources: 2, retention: DEFAULT_RETENTION });
      for (const id of ['a', 'a', 'b', 'c', 'd']) await sut.record(id, 'view', T0);

      expect(await sut.summary('a')).toBeUndefined();
      expect(await sut.countInteractions()).toBe(5);
    });
  });
});
