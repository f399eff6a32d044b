import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { TestingModule } from '@nestjs/testing';
import { CacheStore } from './cache-store';
import { CacheModule } from './cache.module';
import { CacheService } from './cache.service';
import { MemoryCacheStore } from './stores/memory-cache.store';

/** The store as an application provides it: a provider, so that closing the app stops its sweep. */
@Module({
  providers: [
    {
      provide: CacheStore,
      useFactory: () => new MemoryCacheStore({ maxEntries: 3, sweepIntervalMs: 50 }),
    },
  ],
  exports: [CacheStore],
})
class MemoryStoreModule {}

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0, 250);
const TTL = 1000;

describe(CacheService.name, () => {
  let moduleRef: TestingModule;
  let sut: CacheService;

  beforeEach(async () => {
    // The clock is fake before the store is built, so that every part reads the same one.
    jest.useFakeTimers({ now: T0, doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.forRootAsync({
          imports: [MemoryStoreModule],
          inject: [CacheStore],
          useFactory: (store: CacheStore) => ({ store }),
        }),
      ],
    }).compile();
    sut = moduleRef.get(CacheService);
  });

  afterEach(async () => {
    await moduleRef.close();
    jest.useRealTimers();
  });

  describe('get', () => {
    it('returns a stored entry and counts a hit', async () => {
      const stored = await sut.set('k', { n: 1 }, { ttlMs: TTL });

      expect(await sut.get('k')).toStrictEqual(stored);
      expect(await sut.stats()).toMatchObject({ hits: 1, misses: 0 });
    });

    it('returns undefined for an absent key and counts a miss', async () => {
      expect(await sut.get('absent')).toBeUndefined();
      expect(await sut.stats()).toMatchObject({ hits: 0, misses: 1 });
    });
  });

  describe('peek', () => {
    it('reads like get but counts neither a hit nor a miss', async () => {
      const stored = await sut.set('k', 'v', { ttlMs: TTL });

      expect(await sut.peek('k')).toStrictEqual(stored);
      expect(await sut.peek('absent')).toBeUndefined();
      expect(await sut.stats()).toMatchObject({ hits: 0, misses: 0 });
    });
  });

  describe('set', () => {
    it('returns the entry written, stamped with storedAt and expiresAt, and counts a set', async () => {
      jest.advanceTimersByTime(7);

      const entry = await sut.set('k', [1, 'two'], { ttlMs: TTL, tags: ['b', 'a', 'b'] });

      expect(entry).toMatchObject({
        value: [1, 'two'],
        tags: ['b', 'a'],
        storedAt: T0 + 7,
        expiresAt: T0 + 7 + TTL,
      });
      expect(entry.etag).toMatch(/^".+"$/);
      expect((await sut.stats()).sets).toBe(1);
    });

    it('replaces the entry under the same key', async () => {
      await sut.set('k', 'old', { ttlMs: TTL, tags: ['x'] });
      const replaced = await sut.set('k', 'new', { ttlMs: TTL });

      expect(await sut.peek('k')).toStrictEqual(replaced);
      expect(replaced.tags).toStrictEqual([]);
    });
  });

  describe('expiry', () => {
    it('returns an entry at expiresAt - 1 ms and never at or after expiresAt', async () => {
      const { expiresAt } = await sut.set('k', 'v', { ttlMs: TTL });

      jest.advanceTimersByTime(expiresAt - 1 - Date.now());
      expect((await sut.get('k'))?.value).toBe('v');

      jest.advanceTimersByTime(1);
      expect(Date.now()).toBe(expiresAt);
      expect(await sut.get('k')).toBeUndefined();
      expect(await sut.peek('k')).toBeUndefined();

      jest.advanceTimersByTime(1);
      expect(await sut.get('k')).toBeUndefined();
      expect(await sut.stats()).toMatchObject({ hits: 1, misses: 2 });
    });

    it('reclaims expired entries nobody reads, through the sweep the module configured', async () => {
      await sut.set('a', 1, { ttlMs: TTL });
      await sut.set('b', 2, { ttlMs: TTL });

      jest.advanceTimersByTime(2 * TTL);

      expect(await sut.stats()).toMatchObject({ entries: 0, expired: 2 });
    });
  });

  describe('touch', () => {
    it('gives a live entry a new expiry from now, keeping its value, tags, etag and storedAt', async () => {
      const stored = await sut.set('k', { n: 1 }, { ttlMs: TTL, tags: ['t'] });
      jest.advanceTimersByTime(400);

      const touched = await sut.touch('k', 5000);

      expect(touched).toStrictEqual({ ...stored, expiresAt: T0 + 400 + 5000 });
      jest.advanceTimersByTime(TTL);
      expect(await sut.get('k')).toStrictEqual(touched);
    });

    it('returns undefined for an absent key and creates nothing', async () => {
      expect(await sut.touch('absent', 5000)).toBeUndefined();
      expect(await sut.peek('absent')).toBeUndefined();
    });

    it('returns undefined for an expired entry and does not revive it', async () => {
      await sut.set('k', 'v', { ttlMs: TTL });
      jest.advanceTimersByTime(TTL);

      expect(await sut.touch('k', 5000)).toBeUndefined();
      expect(await sut.peek('k')).toBeUndefined();
    });
  });

  describe('delete', () => {
    it('removes a live entry, answers deleted and counts a delete', async () => {
      await sut.set('k', 'v', { ttlMs: TTL });

      expect(await sut.delete('k')).toBe('deleted');
      expect(await sut.peek('k')).toBeUndefined();
      expect((await sut.stats()).deletes).toBe(1);
    });

    it('answers absent and counts nothing when there is no entry', async () => {
      expect(await sut.delete('absent')).toBe('absent');
      expect((await sut.stats()).deletes).toBe(0);
    });

    it('answers absent and counts nothing once the entry has expired', async () => {
      await sut.set('k', 'v', { ttlMs: TTL });
      jest.advanceTimersByTime(TTL + 1);

      expect(await sut.delete('k')).toBe('absent');
      expect((await sut.stats()).deletes).toBe(0);
    });

    it('treats an entry as gone at exactly expiresAt, as get does', async () => {
      const { expiresAt } = await sut.set('k', 'v', { ttlMs: TTL });
      jest.advanceTimersByTime(expiresAt - Date.now());
      expect(await sut.get('k')).toBeUndefined();

      expect(await sut.delete('k')).toBe('absent');
      expect((await sut.stats()).deletes).toBe(0);
    });
  });

  describe('stats', () => {
    it('reports the store, its size, its bound and every counter', async () => {
      for (const key of ['a', 'b', 'c', 'd']) await sut.set(key, key, { ttlMs: TTL });
      await sut.get('d');
      await sut.get('a');
      await sut.delete('d');
      await sut.set('e', 'e', { ttlMs: 100 });
      jest.advanceTimersByTime(200);
      await sut.get('e');

      expect(await sut.stats()).toStrictEqual({
        store: 'memory',
        entries: 2,
        maxEntries: 3,
        hits: 1,
        misses: 2,
        sets: 5,
        deletes: 1,
        expired: 1,
        evicted: 1,
      });
    });

    it('stops the sweep when the module closes', async () => {
      const timers = jest.getTimerCount();

      await moduleRef.close();

      expect(jest.getTimerCount()).toBe(timers - 1);
    });
  });
});
