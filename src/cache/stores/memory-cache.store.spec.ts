import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { CacheEntry } from '../cache-entry';
import { MemoryCacheStore } from './memory-cache.store';

/** A quarter of a second past a whole second, so that expiry seconds are unambiguous. */
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0, 250);
const LONG_TTL = 10 * 60_000;

/**
 * Fakes the clock and the timers the store schedules (its sweep interval),
 * but not the event loop turns the sweep yields to.
 */
function useFakeClock(): void {
  jest.useFakeTimers({ now: T0, doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
}

/** An entry written now that lives `ttlMs`, as CacheService builds them. */
function entryOf(value: unknown, ttlMs: number): CacheEntry {
  const storedAt = Date.now();
  return { value, tags: [], etag: `"${String(value)}"`, storedAt, expiresAt: storedAt + ttlMs };
}

describe(MemoryCacheStore.name, () => {
  let sut: MemoryCacheStore;

  /** Builds the store under test; call after choosing the clock. */
  function createStore(maxEntries = 100, sweepIntervalMs = 60_000): MemoryCacheStore {
    sut = new MemoryCacheStore({ maxEntries, sweepIntervalMs });
    return sut;
  }

  /** Writes through Keyv, the way cache-manager does. */
  async function put(key: string, ttlMs = LONG_TTL, value: unknown = key): Promise<void> {
    await sut.keyv.set(key, entryOf(value, ttlMs), ttlMs);
  }

  const read = (key: string) => sut.keyv.get<CacheEntry>(key);

  afterEach(() => {
    sut.onModuleDestroy();
    jest.useRealTimers();
  });

  describe('LRU bound', () => {
    it('evicts the least recently used entry beyond maxEntries and counts it as evicted', async () => {
      createStore(3);
      for (const key of ['a', 'b', 'c', 'd']) await put(key);

      expect(await read('a')).toBeUndefined();
      for (const key of ['b', 'c', 'd']) expect((await read(key))?.value).toBe(key);
      expect(await sut.countEntries()).toBe(3);
      expect(await sut.readCounters()).toMatchObject({ evicted: 1, expired: 0 });
    });

    it('keeps the entry read most recently: a read refreshes recency', async () => {
      createStore(3);
      for (const key of ['a', 'b', 'c']) await put(key);
      expect((await read('a'))?.value).toBe('a');

      await put('d');

      expect(await read('b')).toBeUndefined();
      for (const key of ['a', 'c', 'd']) expect((await read(key))?.value).toBe(key);
      expect((await sut.readCounters()).evicted).toBe(1);
    });

    it('counts an entry dropped for room after its expiry as expired, not evicted', async () => {
      useFakeClock();
      createStore(3);
      await put('short', 1000);
      await put('b');
      await put('c');
      jest.advanceTimersByTime(1500);

      await put('d');

      expect(await sut.countEntries()).toBe(3);
      expect(await sut.readCounters()).toMatchObject({ evicted: 0, expired: 1 });
    });
  });

  describe('expiry on read', () => {
    it('serves an entry until its expiry, then drops it on read and counts it as expired', async () => {
      useFakeClock();
      createStore();
      await put('k', 1000);

      jest.advanceTimersByTime(999);
      expect((await read('k'))?.value).toBe('k');
      expect((await sut.readCounters()).expired).toBe(0);

      jest.advanceTimersByTime(2);
      expect(await read('k')).toBeUndefined();
      expect(await sut.countEntries()).toBe(0);
      expect((await sut.readCounters()).expired).toBe(1);
    });

    it('expires an entry in real time', async () => {
      createStore();
      await put('short', 50);
      await put('long');
      expect((await read('short'))?.value).toBe('short');

      await sleep(120);

      expect(await read('short')).toBeUndefined();
      expect((await read('long'))?.value).toBe('long');
      expect((await sut.readCounters()).expired).toBe(1);
    });
  });

  describe('sweepExpired', () => {
    it('reclaims entries that expired without being read', async () => {
      useFakeClock();
      createStore();
      await put('a', 1000);
      await put('b', 1000);
      await put('live');
      expect(await sut.countEntries()).toBe(3);

      jest.advanceTimersByTime(2000);
      sut.sweepExpired();

      expect(await sut.countEntries()).toBe(1);
      expect((await sut.readCounters()).expired).toBe(2);
      expect((await read('live'))?.value).toBe('live');
    });

    it('leaves alone an entry rewritten with a later expiry', async () => {
      useFakeClock();
      createStore();
      await put('k', 1000, 'first');
      jest.advanceTimersByTime(500);
      await put('k', 10_000, 'second');

      jest.advanceTimersByTime(2000);
      sut.sweepExpired();

      expect(await sut.countEntries()).toBe(1);
      expect((await read('k'))?.value).toBe('second');
      expect(await sut.readCounters()).toMatchObject({ expired: 0, evicted: 0 });
    });

    it('visits at most `budget` keys per turn and finishes the rest on later turns', async () => {
      useFakeClock();
      createStore();
      for (const key of ['a', 'b', 'c', 'd', 'e']) await put(key, 1000);
      await put('live');
      jest.advanceTimersByTime(2000);

      const expired = async () => (await sut.readCounters()).expired;

      sut.sweepExpired(2);
      expect(await expired()).toBe(2);

      await nextTurn();
      expect(await expired()).toBe(4);

      await nextTurn();
      expect(await expired()).toBe(5);

      await nextTurn();
      expect(await expired()).toBe(5);
      expect(await sut.countEntries()).toBe(1);
      expect((await read('live'))?.value).toBe('live');
    });

    it('runs by itself every sweepIntervalMs', async () => {
      useFakeClock();
      createStore(100, 100);
      await put('a', 1000);
      await put('b', 1000);

      jest.advanceTimersByTime(2000);

      expect(await sut.countEntries()).toBe(0);
      expect((await sut.readCounters()).expired).toBe(2);
    });

    it('reclaims an unread entry in real time', async () => {
      createStore(100, 20);
      const start = Date.now();
      await put('short', 50);

      const expired = async () => (await sut.readCounters()).expired;

      // Expiry is filed by the second, so reclaiming takes up to a second more.
      const deadline = start + 3000;
      while ((await expired()) === 0 && Date.now() < deadline) await sleep(20);

      expect(await expired()).toBe(1);
      expect(Date.now() - start).toBeGreaterThanOrEqual(50);
      expect(await sut.countEntries()).toBe(0);
    });
  });

  describe('onModuleDestroy', () => {
    it('clears the sweep timer', async () => {
      useFakeClock();
      createStore(100, 100);
      await put('a', 1000);
      const timers = jest.getTimerCount();

      sut.onModuleDestroy();
      jest.advanceTimersByTime(5000);

      expect(jest.getTimerCount()).toBe(timers - 1);
      expect((await sut.readCounters()).expired).toBe(0);
    });
  });

  describe('counters', () => {
    it('starts every counter at zero', async () => {
      createStore();

      expect(await sut.readCounters()).toStrictEqual({
        hits: 0,
        misses: 0,
        sets: 0,
        deletes: 0,
        expired: 0,
        evicted: 0,
      });
    });

    it('adds 1 by default, or the amount given', async () => {
      createStore();

      await sut.increment('hits');
      await sut.increment('hits');
      await sut.increment('misses', 3);
      await sut.increment('sets', 5);
      await sut.increment('deletes');

      expect(await sut.readCounters()).toStrictEqual({
        hits: 2,
        misses: 3,
        sets: 5,
        deletes: 1,
        expired: 0,
        evicted: 0,
      });
    });

    it('hands out a copy that does not change the store', async () => {
      createStore();
      const counters = await sut.readCounters();

      counters.hits = 42;

      expect((await sut.readCounters()).hits).toBe(0);
    });
  });
});
