import { Inject, Injectable } from '@nestjs/common';
import computeEtag from 'etag';
import type {
  CacheEntry,
  DeleteOutcome,
  ListPage,
  ListQuery,
  Precondition,
  PurgeSelector,
} from './cache-entry';
import { flatLatin1 } from '../common/flat-string';
import type { BucketRange } from '../time-series/time-buckets';
import { CACHE_MODULE_OPTIONS } from './cache-module-options';
import type { CacheModuleOptions } from './cache-module-options';
import type {
  CacheAccessCounter,
  CacheCounters,
  CacheStore,
  NearCacheActivity,
} from './cache-store';

/**
 * The tags of every untagged entry: one shared, frozen array rather than an
 * empty one per entry (32 bytes each, a tenth of a small entry in memory).
 */
const NO_TAGS = Object.freeze([]) as unknown as string[];

/** What `CacheService.stats()` reports. */
export interface CacheStats extends CacheCounters {
  store: string;
  entries: number;
  maxEntries: number | null;
}

/** How long to keep a value, and how to label it. */
export interface WriteOptions {
  ttlMs: number;
  tags?: readonly string[];
}

/** What a write did: the entry written, or why nothing was. */
export type WriteResult<T> =
  | { written: true; entry: CacheEntry<T>; created: boolean }
  | { written: false; reason: 'precondition-failed' };

/**
 * Expiring key-value cache on top of cache-manager, with tags, entity tags
 * and conditional writes. Every entry carries its own expiry, checked on each
 * read, so an expired entry is never returned even in the instant before its
 * store reclaims it.
 */
@Injectable()
export class CacheService {
  /** What this process did, for its own metrics (the store's counters may be shared). */
  private readonly activity = { hits: 0, misses: 0, sets: 0, deletes: 0 };

  private readonly store: CacheStore;

  constructor(@Inject(CACHE_MODULE_OPTIONS) { store }: CacheModuleOptions) {
    this.store = store;
  }

  /** Reads an entry as a client asked for it: counted as a hit or a miss. */
  async get<T>(key: string): Promise<CacheEntry<T> | undefined> {
    // The store judges expiry (at `expiresAt`) and counts in the same step, so
    // what it counted and what it returned always agree.
    const entry = (await this.store.readCounted(key)) as CacheEntry<T> | undefined;
    this.activity[entry ? 'hits' : 'misses'] += 1;
    return entry;
  }

  /** Reads several entries as a client asked for them, each counted as a hit or a miss. */
  async getMany<T>(keys: readonly string[]): Promise<Array<CacheEntry<T> | undefined>> {
    const entries = await Promise.all(keys.map((key) => this.peek<T>(key)));
    const hits = entries.filter((entry) => entry !== undefined).length;
    await Promise.all([
      hits > 0 && this.count('hits', hits),
      hits < keys.length && this.count('misses', keys.length - hits),
    ]);
    return entries;
  }

  /** Reads an entry without counting a hit or a miss (for checks that are part of a write). */
  async peek<T>(key: string): Promise<CacheEntry<T> | undefined> {
    // Reads go to the Keyv instance cache-manager holds, not through
    // cache-manager's get(): that one turns a store failure into a miss, and a
    // dead Redis must answer 503, not 404.
    const entry = await this.store.keyv.get<CacheEntry<T>>(key);
    return entry && entry.expiresAt > Date.now() ? entry : undefined;
  }

  /** Stores `value` under `key`, replacing any entry. */
  async set<T>(key: string, value: T, options: WriteOptions): Promise<CacheEntry<T>> {
    const result = await this.setIf(key, value, options, {});
    // No precondition: the write always happens.
    return (result as Extract<WriteResult<T>, { written: true }>).entry;
  }

  /**
   * Stores `value` under `key` only if `precondition` (none: always) holds for
   * the current entry. Check, write, whether it created the entry, and the
   * `sets` count are one atomic step of the store: one round trip on Redis.
   */
  async setIf<T>(
    key: string,
    value: T,
    options: WriteOptions,
    precondition: Precondition,
  ): Promise<WriteResult<T>> {
    const entry = this.entryOf(value, options);
    const outcome = await this.store.setIf(key, entry, options.ttlMs, precondition);
    if (!outcome.written) return outcome;
    this.activity.sets += 1;
    return { written: true, entry, created: outcome.created };
  }

  /**
   * Gives an entry a new time-to-live of `ttlMs` from now, keeping its value,
   * tags, entity tag and write time. Resolves `undefined` when there is no
   * live entry (or it changed meanwhile).
   */
  async touch<T>(key: string, ttlMs: number): Promise<CacheEntry<T> | undefined> {
    const entry = await this.peek<T>(key);
    if (!entry) return undefined;
    const touched: CacheEntry<T> = { ...entry, expiresAt: Date.now() + ttlMs };
    // Not a set: the value stays, only its expiry moves.
    const outcome = await this.store.setIf(key, touched, ttlMs, { ifMatch: [entry.etag] }, false);
    return outcome.written ? touched : undefined;
  }

  /** Removes the entry under `key`, if `precondition` (default: none) holds. */
  async delete(key: string, precondition: Precondition = {}): Promise<DeleteOutcome> {
    const outcome = await this.store.deleteIf(key, precondition);
    if (outcome === 'deleted') await this.count('deletes');
    return outcome;
  }

  /** A page of live entries matching `query`, in id order (UTF-8 byte order). */
  list(query: ListQuery): Promise<ListPage> {
    return this.store.list(query);
  }

  /** Deletes every live entry `selector` matches (all when empty); resolves how many. */
  async purge(selector: PurgeSelector): Promise<number> {
    const purged = await this.store.purge(selector);
    if (purged > 0) await this.count('deletes', purged);
    return purged;
  }

  /** Activity counters per bucket of `range`, oldest first. */
  activityPerBucket(range: BucketRange): Promise<CacheCounters[]> {
    return this.store.activity(range);
  }

  /** Size and counters of the underlying store. */
  async stats(): Promise<CacheStats> {
    const [entries, counters] = await Promise.all([
      this.store.countEntries(),
      this.store.readCounters(),
    ]);
    return { store: this.store.name, entries, maxEntries: this.store.maxEntries, ...counters };
  }

  /** Whether the store answers; rejects with StoreUnavailableError when it does not. */
  async ping(): Promise<void> {
    await this.store.countEntries();
  }

  /** What the store's near cache did in this process (off: zeros). */
  nearCacheActivity(): NearCacheActivity {
    return this.store.nearCache();
  }

  /** Hits, misses, sets and deletes made by this process since it started. */
  processActivity(): Readonly<Record<CacheAccessCounter, number>> {
    return { ...this.activity };
  }

  private async count(counter: CacheAccessCounter, by = 1): Promise<void> {
    await this.store.increment(counter, by);
    this.activity[counter] += by;
  }

  private entryOf<T>(value: T, { ttlMs, tags = [] }: WriteOptions): CacheEntry<T> {
    const storedAt = Date.now();
    return {
      value,
      tags: tags.length === 0 ? NO_TAGS : [...new Set(tags)],
      // A strong validator derived from the value: equal values share it.
      // Flattened: as built, the tag would hold several times its length in memory.
      etag: flatLatin1(computeEtag(JSON.stringify(value))),
      storedAt,
      expiresAt: storedAt + ttlMs,
    };
  }
}
