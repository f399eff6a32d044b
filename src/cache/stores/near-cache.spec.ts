import type { CacheEntry } from '../cache-entry';
import { NearCache } from './near-cache';

const NOW = 1_800_000_000_000;

function entryOf(value: unknown, expiresAt = NOW + 60_000): CacheEntry {
  return { value, tags: [], etag: `"${String(value)}"`, storedAt: NOW, expiresAt };
}

/** A near cache that serves, holding `key` → `entry` read through it. */
function activeWith(key: string, entry: CacheEntry): NearCache {
  const cache = new NearCache(100);
  cache.activate();
  cache.endRead(cache.beginRead(key), entry, NOW);
  return cache;
}

describe(NearCache.name, () => {
  it('serves nothing until activated, and keeps nothing read before', () => {
    const cache = new NearCache(100);
    cache.endRead(cache.beginRead('k'), entryOf(1), NOW);

    expect(cache.lookup('k', NOW)).toBeUndefined();
    expect(cache.size).toBe(0);

    const read = cache.beginRead('k');
    cache.activate();
    cache.endRead(read, entryOf(1), NOW);

    // The read began while nobody listened: its value may have changed unheard.
    expect(cache.lookup('k', NOW)).toBeUndefined();
  });

  it('serves what a read kept, counting each hit, until its expiresAt', () => {
    const entry = entryOf('v', NOW + 1000);
    const cache = activeWith('k', entry);

    expect(cache.lookup('k', NOW)).toBe(entry);
    expect(cache.lookup('k', NOW + 999)).toBe(entry);
    expect(cache.hits).toBe(2);
    expect(cache.lookup('k', NOW + 1000)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.hits).toBe(2);
  });

  it('keeps no miss and no entry already expired', () => {
    const cache = new NearCache(100);
    cache.activate();
    cache.endRead(cache.beginRead('absent'), undefined, NOW);
    cache.endRead(cache.beginRead('expired'), entryOf(1, NOW), NOW);

    expect(cache.size).toBe(0);
  });

  it('does not keep what a read found when its key was invalidated while it ran', () => {
    const cache = new NearCache(100);
    cache.activate();
    const read = cache.beginRead('k');
    cache.invalidate('k');
    cache.endRead(read, entryOf('old'), NOW);

    expect(cache.lookup('k', NOW)).toBeUndefined();
  });

  it('keeps a read that began after the invalidation, even while an older read of the key runs', () => {
    const cache = new NearCache(100);
    cache.activate();
    const older = cache.beginRead('k');
    cache.invalidate('k');
    const newer = cache.beginRead('k');

    cache.endRead(older, entryOf('old'), NOW);
    expect(cache.lookup('k', NOW)).toBeUndefined();
    cache.endRead(newer, entryOf('new'), NOW);
    expect(cache.lookup('k', NOW)?.value).toBe('new');
  });

  it('is not held back by invalidations of other keys', () => {
    const cache = new NearCache(100);
    cache.activate();
    const read = cache.beginRead('k');
    cache.invalidate('other');
    cache.endRead(read, entryOf('v'), NOW);

    expect(cache.lookup('k', NOW)?.value).toBe('v');
  });

  it('forgets a key marked by a finished read: a later invalidation-free read keeps its value', () => {
    const cache = new NearCache(100);
    cache.activate();
    const first = cache.beginRead('k');
    cache.invalidate('k');
    cache.endRead(first, entryOf('old'), NOW);
    const second = cache.beginRead('k');
    cache.endRead(second, entryOf('new'), NOW);

    expect(cache.lookup('k', NOW)?.value).toBe('new');
  });

  it('does not keep a read that began before everything was invalidated', () => {
    const cache = new NearCache(100);
    cache.activate();
    const read = cache.beginRead('k');
    cache.invalidateAll();
    cache.endRead(read, entryOf('old'), NOW);

    expect(cache.lookup('k', NOW)).toBeUndefined();
  });

  it('drops an invalidated key, and everything on invalidateAll', () => {
    const cache = activeWith('a', entryOf('a'));
    cache.endRead(cache.beginRead('b'), entryOf('b'), NOW);

    cache.invalidate('a');
    expect(cache.lookup('a', NOW)).toBeUndefined();
    expect(cache.lookup('b', NOW)?.value).toBe('b');
    cache.invalidateAll();
    expect(cache.lookup('b', NOW)).toBeUndefined();
  });

  it('forgets everything when deactivated, serves nothing until activated again, and keeps no read that spanned the gap', () => {
    const cache = activeWith('k', entryOf('v'));
    const spanning = cache.beginRead('other');

    cache.deactivate();
    expect(cache.active).toBe(false);
    expect(cache.size).toBe(0);
    cache.endRead(cache.beginRead('k'), entryOf('v'), NOW);
    expect(cache.lookup('k', NOW)).toBeUndefined();

    cache.activate();
    cache.endRead(spanning, entryOf('o'), NOW);
    expect(cache.lookup('other', NOW)).toBeUndefined();
    cache.endRead(cache.beginRead('k'), entryOf('v'), NOW);
    expect(cache.lookup('k', NOW)?.value).toBe('v');
  });

  it('holds at most its maximum, dropping the least recently used', () => {
    const cache = new NearCache(2);
    cache.activate();
    for (const key of ['a', 'b']) cache.endRead(cache.beginRead(key), entryOf(key), NOW);
    cache.lookup('a', NOW);
    cache.endRead(cache.beginRead('c'), entryOf('c'), NOW);

    expect(cache.size).toBe(2);
    expect(cache.lookup('b', NOW)).toBeUndefined();
    expect(cache.lookup('a', NOW)?.value).toBe('a');
    expect(cache.lookup('c', NOW)?.value).toBe('c');
  });

  it('keeps no marks once no read is under way', () => {
    const cache = new NearCache(100);
    cache.activate();
    for (let i = 0; i < 1000; i += 1) {
      const read = cache.beginRead(`k${i}`);
      cache.invalidate(`k${i}`);
      cache.endRead(read, undefined, NOW);
    }

    expect((cache as unknown as { inFlight: Map<string, unknown> }).inFlight.size).toBe(0);
  });
});
