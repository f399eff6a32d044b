import type { OnModuleDestroy } from '@nestjs/common';
import Keyv from 'keyv';
import type { KeyvStoreAdapter } from 'keyv';
import { LRUCache } from 'lru-cache';
import { compareUtf8, takeSmallest } from '../../common/utf8-order';
import { preconditionHolds } from '../cache-entry';
import type {
  CacheEntry,
  DeleteOutcome,
  ListPage,
  ListQuery,
  ListedEntry,
  Precondition,
  PurgeSelector,
  WriteOutcome,
} from '../cache-entry';
import { NO_NEAR_CACHE } from '../cache-store';
import type {
  CacheAccessCounter,
  CacheCounters,
  CacheStore,
  NearCacheActivity,
} from '../cache-store';
import { BucketedCounters } from '../../time-series/bucketed-counters';
import { DEFAULT_RETENTION } from '../../time-series/time-buckets';
import type { BucketRange, BucketRetention } from '../../time-series/time-buckets';

const COUNTERS: ReadonlyArray<keyof CacheCounters> = [
  'hits',
  'misses',
  'sets',
  'deletes',
  'expired',
  'evicted',
];

/** Most keys one sweep visits before yielding to the event loop. */
const SWEEP_BUDGET = 10_000;

/** What Keyv hands its store, and expects back, when serialisation is off. */
interface KeyvRecord {
  value: CacheEntry;
  expires?: number;
}

/** Settings of {@link MemoryCacheStore}. */
export interface MemoryCacheStoreOptions {
  maxEntries: number;
  sweepIntervalMs: number;
  /** How long per-minute and per-hour activity counts are kept. */
  retention?: BucketRetention;
}

/**
 * In-process cache store: an `lru-cache` bounded by entry count, behind Keyv.
 *
 * - Keyv's serialisation is switched off: entries stay plain objects, which
 *   saves a JSON round trip per call and most of the memory per entry.
 * - Memory per entry is kept small: the cache holds each {@link CacheEntry}
 *   itself, not Keyv's `{value, expires}` wrapper (built again on each read
 *   through Keyv, where it dies young), and `lru-cache` is given no TTLs (its
 *   TTL tracking costs two numbers per slot): an entry's own `expiresAt` is
 *   the one expiry, for Keyv, for `CacheService` and for this store alike.
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
  private readonly countersPerBucket: BucketedCounters<keyof CacheCounters>;
  private readonly entries: LRUCache<string, CacheEntry>;
  private readonly keysByTag = new Map<string, Set<string>>();
  /** Keys by the second (epoch) their entry expires; a key may be filed more than once. */
  private readonly expiryIndex = new Map<number, string[]>();
  private lastSweptSecond = Math.floor(Date.now() / 1000) - 1;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor({
    maxEntries,
    sweepIntervalMs,
    retention = DEFAULT_RETENTION,
  }: MemoryCacheStoreOptions) {
    this.maxEntries = maxEntries;
    this.countersPerBucket = new BucketedCounters(COUNTERS, retention);
    this.entries = new LRUCache<string, CacheEntry>({
      max: maxEntries,
      dispose: (entry, key, reason) => this.onDispose(key, entry, reason),
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

  /** The entry's own `expiresAt` bounds its life here; the TTL argument is not needed. */
  setIf(
    key: string,
    entry: CacheEntry,
    _ttlMs: number,
    precondition: Precondition,
    countAsSet = true,
  ): Promise<WriteOutcome> {
    const current = this.liveEntry(key);
    if (!preconditionHolds(current?.etag, precondition)) {
      return Promise.resolve({ written: false, reason: 'precondition-failed' });
    }
    this.write(key, entry);
    if (countAsSet) this.count('sets');
    return Promise.resolve({ written: true, created: current === undefined });
  }

  readCounted(key: string): Promise<CacheEntry | undefined> {
    const entry = this.liveEntry(key);
    this.count(entry ? 'hits' : 'misses');
    return Promise.resolve(entry);
  }

  deleteIf(key: string, precondition: Precondition): Promise<DeleteOutcome> {
    const current = this.liveEntry(key);
    if (!current) return Promise.resolve('absent');
    if (!preconditionHolds(current.etag, precondition)) {
      return Promise.resolve('precondition-failed');
    }
    this.entries.delete(key);
    return Promise.resolve('deleted');
  }

  list({ prefix, tag, after, limit }: ListQuery): Promise<ListPage> {
    const candidates = tag === undefined ? this.entries.keys() : (this.keysByTag.get(tag) ?? []);
    const now = Date.now();
    const matching = (function* (entries: LRUCache<string, CacheEntry>) {
      for (const key of candidates) {
        if (prefix !== undefined && !key.startsWith(prefix)) continue;
        if (after !== undefined && compareUtf8(key, after) <= 0) continue;
        const entry = entries.peek(key);
        if (entry && entry.expiresAt > now) {
          yield { key, tags: entry.tags, expiresAt: entry.expiresAt };
        }
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
    const now = Date.now();
    for (const key of candidates) {
      if (prefix !== undefined && !key.startsWith(prefix)) continue;
      // An expired entry is reclaimed too, but only live ones count as purged.
      const live = (this.entries.peek(key)?.expiresAt ?? 0) > now;
      if (this.entries.delete(key) && live) purged += 1;
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
      const entry = this.entries.peek(key);
      if (entry && entry.expiresAt <= now) count -= 1;
    }
    return Promise.resolve(Math.max(0, count));
  }

  increment(counter: CacheAccessCounter, by = 1): Promise<void> {
    this.count(counter, by);
    return Promise.resolve();
  }

  activity(range: BucketRange): Promise<CacheCounters[]> {
    return Promise.resolve(this.countersPerBucket.read(range, Date.now()));
  }

  readCounters(): Promise<CacheCounters> {
    return Promise.resolve({ ...this.counters });
  }

  /** Nothing between this store and its data can fail. */
  failedCalls(): number {
    return 0;
  }

  /** None: the entries are in this process already. */
  nearCache(): NearCacheActivity {
    return NO_NEAR_CACHE;
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

  /**
   * The entry under `key` unless it has expired (at `expiresAt`, as
   * `CacheService` judges); an expired one is reclaimed on the way.
   */
  private liveEntry(key: string): CacheEntry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > Date.now()) return entry;
    this.entries.delete(key);
    return undefined;
  }

  private reclaimIfExpired(key: string, now: number): void {
    // The key may have been rewritten with a later expiry since it was filed here.
    const entry = this.entries.peek(key);
    if (entry && entry.expiresAt <= now) this.entries.delete(key);
  }

  /** The one write path, for Keyv's sets and conditional ones alike. */
  private write(key: string, entry: CacheEntry): void {
    // The old entry, if any, leaves the tag index through the dispose hook.
    this.entries.set(key, entry);
    this.fileForExpiry(key, entry.expiresAt);
    for (const tag of entry.tags) {
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

  private onDispose(key: string, entry: CacheEntry, reason: LRUCache.DisposeReason): void {
    for (const tag of entry.tags) {
      const keys = this.keysByTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.keysByTag.delete(tag);
    }
    // A dead entry is counted as expired however it leaves (sweep, read,
    // overwrite or eviction); a live one only counts when evicted.
    if (entry.expiresAt <= Date.now()) {
      this.count('expired');
    } else if (reason === 'evict') {
      this.count('evicted');
    }
  }

  private count(counter: keyof CacheCounters, by = 1): void {
    this.counters[counter] += by;
    this.countersPerBucket.add(Date.now(), counter, by);
  }

  private keyvAdapter(): KeyvStoreAdapter {
    const entries = this.entries;
    // Keyv accepts any Map-like object as its store. It is only ever handed
    // `CacheEntry` values: `CacheService` is this store's one writer.
    const adapter = {
      get: (key: string): Promise<KeyvRecord | undefined> => {
        const entry = this.liveEntry(key);
        return Promise.resolve(entry && { value: entry, expires: entry.expiresAt });
      },
      set: (key: string, record: KeyvRecord) => {
        this.write(key, record.value);
        return Promise.resolve(true);
      },
      delete: (key: string) => Promise.resolve(entries.delete(key)),
      clear: () => Promise.resolve(entries.clear()),
      has: (key: string) => Promise.resolve(this.liveEntry(key) !== undefined),
    };
    return adapter as unknown as KeyvStoreAdapter;
  }
}
