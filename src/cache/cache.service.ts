import { CACHE_MANAGER } from '@nestjs/cache-manager';
import { Inject, Injectable } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { CacheStore } from './cache-store';
import type { CacheCounters } from './cache-store';

/** A cached value with the times that bound its life (epoch milliseconds). */
export interface CacheEntry<T> {
  value: T;
  storedAt: number;
  expiresAt: number;
}

/** What `CacheService.stats()` reports. */
export interface CacheStats extends CacheCounters {
  store: string;
  entries: number;
  maxEntries: number | null;
}

/**
 * Expiring key-value cache on top of cache-manager. Every entry carries its own
 * expiry, checked on each read, so an expired entry is never returned even in
 * the instant before its store reclaims it.
 */
@Injectable()
export class CacheService {
  constructor(
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
    @Inject(CacheStore) private readonly store: CacheStore,
  ) {}

  /** Reads an entry as a client asked for it: counted as a hit or a miss. */
  async get<T>(key: string): Promise<CacheEntry<T> | undefined> {
    const entry = await this.peek<T>(key);
    await this.store.increment(entry ? 'hits' : 'misses');
    return entry;
  }

  /** Reads an entry without counting a hit or a miss (for checks that are part of a write). */
  async peek<T>(key: string): Promise<CacheEntry<T> | undefined> {
    // Reads go to the Keyv instance cache-manager holds, not through
    // cache-manager's get(): that one turns a store failure into a miss, and a
    // dead Redis must answer 503, not 404. Writes go through cache-manager,
    // which passes failures on.
    const entry = await this.store.keyv.get<CacheEntry<T>>(key);
    return entry && entry.expiresAt > Date.now() ? entry : undefined;
  }

  /** Stores `value` under `key` for `ttlMs` milliseconds, replacing any entry. */
  async set<T>(key: string, value: T, ttlMs: number): Promise<CacheEntry<T>> {
    const storedAt = Date.now();
    const entry: CacheEntry<T> = { value, storedAt, expiresAt: storedAt + ttlMs };
    await this.cache.set(key, entry, ttlMs);
    await this.store.increment('sets');
    return entry;
  }

  /**
   * Gives an entry a new time-to-live of `ttlMs` from now, keeping its value
   * and write time. Resolves `undefined` when there is no live entry.
   */
  async touch<T>(key: string, ttlMs: number): Promise<CacheEntry<T> | undefined> {
    const entry = await this.peek<T>(key);
    if (!entry) return undefined;
    const touched: CacheEntry<T> = { ...entry, expiresAt: Date.now() + ttlMs };
    await this.cache.set(key, touched, ttlMs);
    return touched;
  }

  /** Removes the entry under `key`; resolves `false` when there was none. */
  async delete(key: string): Promise<boolean> {
    if (!(await this.peek(key))) return false;
    await this.cache.del(key);
    await this.store.increment('deletes');
    return true;
  }

  /** Size and counters of the underlying store. */
  async stats(): Promise<CacheStats> {
    const [entries, counters] = await Promise.all([
      this.store.countEntries(),
      this.store.readCounters(),
    ]);
    return { store: this.store.name, entries, maxEntries: this.store.maxEntries, ...counters };
  }
}
