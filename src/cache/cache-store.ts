import type Keyv from 'keyv';

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

/** A counter that {@link CacheService} moves; the store moves `expired` and `evicted` itself. */
export type CacheAccessCounter = 'hits' | 'misses' | 'sets' | 'deletes';

/**
 * The storage port beneath `CacheService`. Each adapter hands cache-manager a
 * Keyv instance for reads and writes, and answers what cache-manager cannot:
 * how many entries there are and what happened to them.
 */
export interface CacheStore {
  /** Backend name reported by `GET /stats`, e.g. `memory`. */
  readonly name: string;
  /** Most entries the store keeps before evicting, or `null` when the backend decides. */
  readonly maxEntries: number | null;
  /** The Keyv instance cache-manager reads and writes through. */
  readonly keyv: Keyv;
  /** Number of live entries. */
  countEntries(): Promise<number>;
  /** Adds one to a counter. */
  increment(counter: CacheAccessCounter): Promise<void>;
  /** Current values of every counter. */
  readCounters(): Promise<CacheCounters>;
}

/** Injection token of the {@link CacheStore} port. */
export const CacheStore = Symbol('CacheStore');
