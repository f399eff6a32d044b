import type Keyv from 'keyv';
import type { BucketRange } from '../time-series/time-buckets';
import type {
  CacheEntry,
  DeleteOutcome,
  ListPage,
  ListQuery,
  Precondition,
  PurgeSelector,
  WriteOutcome,
} from './cache-entry';

/** Counters every cache store keeps, reported by `GET /stats`. */
export interface CacheCounters {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  /** Entries reclaimed because their time-to-live ran out. */
  expired: number;
  /** Live entries dropped to make room (least recently used first). */
  evicted: number;
}

/**
 * What a store's near cache (an in-process copy of recently read entries in
 * front of a shared store) did in this process since start-up.
 */
export interface NearCacheActivity {
  /** Whether the store has one (on Redis with NEAR_CACHE_MAX_ENTRIES above 0). */
  enabled: boolean;
  /** Whether it serves reads now: on while Redis's invalidation messages are heard. */
  active: boolean;
  /** Entries it holds. */
  entries: number;
  /** Reads it served without asking the shared store. */
  hits: number;
  /** Invalidation messages heard from the shared store (one per changed key, or a flush). */
  invalidations: number;
  /** Batches of its hits added to the shared counters. */
  flushes: number;
}

/** The activity of a store without a near cache. */
export const NO_NEAR_CACHE: Readonly<NearCacheActivity> = Object.freeze({
  enabled: false,
  active: false,
  entries: 0,
  hits: 0,
  invalidations: 0,
  flushes: 0,
});

/** A counter that {@link CacheService} moves; the store moves `expired` and `evicted` itself. */
export type CacheAccessCounter = 'hits' | 'misses' | 'sets' | 'deletes';

/**
 * The storage port beneath `CacheService`. Each adapter hands cache-manager a
 * Keyv instance for plain reads and writes (Keyv's serialisation off: the
 * adapter stores `{ value: CacheEntry, expires }` its own way and keeps its
 * tag and id indexes in step), and does atomically what cache-manager cannot:
 * conditional writes and deletes, listing and purging groups of entries.
 */
export interface CacheStore {
  /** Backend name reported by `GET /stats`, e.g. `memory`. */
  readonly name: string;
  /** Most entries the store keeps before evicting, or `null` when the backend decides. */
  readonly maxEntries: number | null;
  /** The Keyv instance cache-manager reads and writes through. */
  readonly keyv: Keyv;
  /**
   * Writes `entry` for `ttlMs` if `precondition` holds for the current entry,
   * and counts the write as one `sets`, all in one atomic step (one round trip
   * on a remote store). `countAsSet: false` writes without counting (a touch,
   * which only moves the expiry).
   */
  setIf(
    key: string,
    entry: CacheEntry,
    ttlMs: number,
    precondition: Precondition,
    countAsSet?: boolean,
  ): Promise<WriteOutcome>;
  /**
   * Reads the live entry under `key` (as a client asked for it) and counts a
   * hit or a miss for it, in one step: one round trip on a remote store.
   */
  readCounted(key: string): Promise<CacheEntry | undefined>;
  /** Deletes the entry if `precondition` holds, atomically. */
  deleteIf(key: string, precondition: Precondition): Promise<DeleteOutcome>;
  /** A page of live entries, in id order; bounded work per call. */
  list(query: ListQuery): Promise<ListPage>;
  /** Deletes every live entry the selector matches; resolves how many. */
  purge(selector: PurgeSelector): Promise<number>;
  /** Number of live entries. */
  countEntries(): Promise<number>;
  /** Adds `by` (default 1) to a counter. */
  increment(counter: CacheAccessCounter, by?: number): Promise<void>;
  /** Current values of every counter. */
  readCounters(): Promise<CacheCounters>;
  /**
   * The counters per bucket of `range`, oldest first, zeros where nothing was
   * counted. On Redis, `evicted` is Redis's server-wide count, filed under
   * the bucket of the sweep that noticed it.
   */
  activity(range: BucketRange): Promise<CacheCounters[]>;
  /**
   * Calls to the backend that failed since start-up (unreachable, too slow,
   * refused), counted by the connection every store on that backend shares;
   * always 0 for a backend in this process.
   */
  failedCalls(): number;
  /** What the store's near cache did in this process ({@link NO_NEAR_CACHE} without one). */
  nearCache(): NearCacheActivity;
}

/** Injection token of the {@link CacheStore} port. */
export const CacheStore = Symbol('CacheStore');
