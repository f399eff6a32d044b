import type { OnModuleDestroy } from '@nestjs/common';
import Keyv from 'keyv';
import type { KeyvStoreAdapter } from 'keyv';
import { LRUCache } from 'lru-cache';
import { compareUtf8, takeSmallest } from '../common/utf8-order';
import { preconditionHolds } from './cache-entry';
import type {
  CacheEntry,
  DeleteOutcome,
  ListPage,
  ListQuery,
  ListedEntry,
  Precondition,
  PurgeSelector,
  WriteOutcome,
} from './cache-entry';
import type { CacheAccessCounter, CacheCounters, CacheStore } from './cache-store';

/** Most keys one sweep visits before yielding to the event loop. */
const SWEEP_BUDGET = 10_000;

/** What Keyv hands its store when serialisation is off: the entry and its absolute expiry. */
interface KeyvRecord {
  value: CacheEntry;
  expires?: number;
}

/** Settings of {@link MemoryCacheStore}. */
export interface MemoryCacheStoreOptions {
  maxEntries: number;
  sweepIntervalMs: number;
}

/**
 * In-process cache store: an `lru-cache` bounded by entry count, behind Keyv.
 *
 * - Keyv's serialisation is switched off: entries stay plain objects, which
 *   saves a JSON round trip per call and most of the memory per entry.
 * - Expiry is judged on one clock: `lru-cache` reads `Date.now()` (as Keyv does)
 *   and each entry's TTL starts where Keyv's expiry says, so both agree on the
 *   millisecond an entry dies.
 * - A tag index follows every write and every disposal (delete, overwrite,
 *   expiry, eviction), so it never outlives its entries.
 * - A periodic sweep reclaims entries that expired without being read. It
 *   does not walk the whole cache (`lru-cache`'s `purgeStale()` takes ~0.5 s
 *   at a million entries): each write files its key under the second it
 *   expires, and the sweep visits only the seconds that have passed, a bounded
 *   number of keys per turn of the event loop.
 * - Every operation runs to completion without yielding, so conditional
 *   writes are atomic.
 */
export class MemoryCacheStore implements CacheStore, OnModuleDestroy {
  readonly name = 'memory';
  readonly maxEntries: number;
  readonly keyv: Keyv;

  private readonly counters: CacheCounters = {
    hits: 0,
    misses: 0,
    sets: 0,
    deletes: 0,
    expired: 0,
    evicted: 0,
  };
  private readonly entries: LRUCache<string, KeyvRecord>;
  private readonly keysByTag = new Map<string, Set<string>>();
  /** Keys by the second (epoch) their entry expires; a key may be filed more than once. */
  private readonly expiryIndex = new Map<number, string[]>();
  private lastSweptSecond = Math.floor(Date.now() / 1000) - 1;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor({ maxEntries, sweepIntervalMs }: MemoryCacheStoreOptions) {
    this.maxEntries = maxEntries;
    this.entries = new LRUCache<string, KeyvRecord>({
      max: maxEntries,
      perf: Date,
      ttlResolution: 0,
      dispose: (record, key, reason) => this.onDispose(key, record, reason),
    });
    this.keyv = new Keyv(this.keyvAdapter(), {
      serialize: undefined,
      deserialize: undefined,
      useKeyPrefix: false,
      throwOnErrors: true,
    });
    this.sweepTimer = setInterval(() => this.sweepExpired(), sweepIntervalMs);
    // The sweep must never keep a finished process alive.
    this.sweepTimer.unref();
  }

  setIf(
    key: string,
    entry: CacheEntry,
    ttlMs: number,
    precondition: Precondition,
  ): Promise<WriteOutcome> {
    const current = this.liveRecord(key);
    if (!preconditionHolds(current?.value.etag, precondition)) {
      return Promise.resolve({ written: false, reason: 'precondition-failed' });
    }
    this.write(key, { value: entry, expires: entry.expiresAt }, ttlMs);
    return Promise.resolve({ written: true, created: current === undefined });
  }

  deleteIf(key: string, precondition: Precondition): Promise<DeleteOutcome> {
    const current = this.liveRecord(key);
    if (!current) return Promise.resolve('absent');
    if (!preconditionHolds(current.value.etag, precondition)) {
      return Promise.resolve('precondition-failed');
    }
    this.entries.delete(key);
    return Promise.resolve('deleted');
  }

  list({ prefix, tag, after, limit }: ListQuery): Promise<ListPage> {
    const candidates = tag === undefined ? this.entries.keys() : (this.keysByTag.get(tag) ?? []);
    const matching = (function* (entries: LRUCache<string, KeyvRecord>) {
      for (const key of candidates) {
        if (prefix !== undefined && !key.startsWith(prefix)) continue;
        if (after !== undefined && compareUtf8(key, after) <= 0) continue;
        const record = entries.peek(key);
        if (record) yield { key, tags: record.value.tags, expiresAt: record.value.expiresAt };
      }
    })(this.entries);
    // One more than asked tells whether another page follows.
    const page = takeSmallest<ListedEntry>(matching, limit + 1, (a, b) =>
      compareUtf8(a.key, b.key),
    );
    const more = page.length > limit;
    const entries = more ? page.slice(0, limit) : page;
    return Promise.resolve({ entries, next: more ? entries[entries.length - 1].key : undefined });
  }

  purge({ prefix, tag }: PurgeSelector): Promise<number> {
    const candidates =
      tag === undefined ? [...this.entries.keys()] : [...(this.keysByTag.get(tag) ?? [])];
    let purged = 0;
    for (const key of candidates) {
      if (prefix !== undefined && !key.startsWith(prefix)) continue;
      if (this.entries.peek(key) && this.entries.delete(key)) purged += 1;
    }
    return Promise.resolve(purged);
  }

  countEntries(): Promise<number> {
    // Reclaim what is due first, so the count leaves out entries nobody read
    // after they expired (the sweep visits only the expired keys).
    this.sweepExpired(Number.MAX_SAFE_INTEGER);
    let count = this.entries.size;
    const now = Date.now();
    for (const key of this.expiryIndex.get(Math.floor(now / 1000)) ?? []) {
      const record = this.entries.peek(key, { allowStale: true });
      if (record && record.value.expiresAt <= now) count -= 1;
    }
    return Promise.resolve(Math.max(0, count));
  }

  increment(counter: CacheAccessCounter, by = 1): Promise<void> {
    this.counters[counter] += by;
    return Promise.resolve();
  }

  readCounters(): Promise<CacheCounters> {
    return Promise.resolve({ ...this.counters });
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  /**
   * Reclaims entries whose expiry second has passed, at most `budget` keys per
   * turn of the event loop so that a mass expiry never stalls requests.
   */
  sweepExpired(budget = SWEEP_BUDGET): void {
    const now = Date.now();
    const lastDueSecond = Math.floor(now / 1000) - 1;
    let visited = 0;
    while (this.lastSweptSecond < lastDueSecond) {
      const second = this.lastSweptSecond + 1;
      const keys = this.expiryIndex.get(second);
      while (keys && keys.length > 0) {
        if (visited++ >= budget) {
          setImmediate(() => this.sweepExpired(budget));
          return;
        }
        this.reclaimIfExpired(keys.pop() as string, now);
      }
      this.expiryIndex.delete(second);
      this.lastSweptSecond = second;
    }
  }

  /** The entry under `key` unless it has expired (as `CacheService` judges: at `expiresAt`). */
  private liveRecord(key: string): KeyvRecord | undefined {
    const record = this.entries.get(key);
    return record && record.value.expiresAt > Date.now() ? record : undefined;
  }

  private reclaimIfExpired(key: string, now: number): void {
    // The key may have been rewritten with a later expiry since it was filed here.
    const record = this.entries.peek(key, { allowStale: true });
    if (record?.expires !== undefined && now > record.expires) this.entries.delete(key);
  }

  /** The one write path, for Keyv's sets and conditional ones alike. */
  private write(key: string, record: KeyvRecord, ttlMs: number | undefined): void {
    if (ttlMs && record.expires !== undefined) {
      // The old entry, if any, leaves the tag index through the dispose hook.
      this.entries.set(key, record, { ttl: ttlMs, start: record.expires - ttlMs });
      this.fileForExpiry(key, record.expires);
    } else {
      this.entries.set(key, record);
    }
    for (const tag of record.value.tags) {
      const keys = this.keysByTag.get(tag);
      if (keys) keys.add(key);
      else this.keysByTag.set(tag, new Set([key]));
    }
  }

  private fileForExpiry(key: string, expires: number): void {
    const second = Math.floor(expires / 1000);
    const keys = this.expiryIndex.get(second);
    if (keys) keys.push(key);
    else this.expiryIndex.set(second, [key]);
  }

  private onDispose(key: string, record: KeyvRecord, reason: LRUCache.DisposeReason): void {
    for (const tag of record.value.tags) {
      const keys = this.keysByTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.keysByTag.delete(tag);
    }
    // A dead entry is counted as expired however it leaves (sweep, read,
    // overwrite or eviction); a live one only counts when evicted.
    if (record.expires !== undefined && Date.now() > record.expires) {
      this.counters.expired += 1;
    } else if (reason === 'evict') {
      this.counters.evicted += 1;
    }
  }

  private keyvAdapter(): KeyvStoreAdapter {
    const entries = this.entries;
    // Keyv accepts any Map-like object as its store.
    const adapter = {
      get: (key: string) => Promise.resolve(entries.get(key)),
      set: (key: string, record: KeyvRecord, ttl?: number) => {
        this.write(key, record, ttl);
        return Promise.resolve(true);
      },
      delete: (key: string) => Promise.resolve(entries.delete(key)),
      clear: () => Promise.resolve(entries.clear()),
      has: (key: string) => Promise.resolve(entries.has(key)),
    };
    return adapter as unknown as KeyvStoreAdapter;
  }
}
