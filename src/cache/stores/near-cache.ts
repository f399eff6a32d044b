import { LRUCache } from 'lru-cache';
import type { CacheEntry } from '../cache-entry';

/** A read from the shared store under way, from {@link NearCache.beginRead} to {@link NearCache.endRead}. */
export interface NearRead {
  readonly key: string;
  /** The invalidation sequence when the read began. */
  readonly sequence: number;
}

/**
 * An in-process copy of entries recently read from a shared store, in front
 * of it. It serves nothing until {@link activate}d (the store's invalidation
 * messages are being heard) and forgets everything when {@link deactivate}d
 * (they may be missed). An entry is served only before its own `expiresAt`, so
 * no copy outlives the entry's time-to-live; absent entries are never kept.
 *
 * Coherence against the read race: a read that began before an invalidation
 * of its key (or of everything) may carry the old value, so it must not fill
 * the cache. Every invalidation takes the next number of one sequence; a read
 * notes the sequence when it begins and fills only if neither its key nor the
 * whole cache was invalidated since. Per-key marks are kept only for keys with
 * reads under way, so memory stays bounded by the reads in flight.
 */
export class NearCache {
  private readonly entries: LRUCache<string, CacheEntry>;
  private isActive = false;
  private sequence = 0;
  /** Sequence of the last invalidation of everything (activation and deactivation included). */
  private clearedAt = 0;
  /** Reads under way per key, and the sequence of the key's last invalidation meanwhile. */
  private readonly inFlight = new Map<string, { reads: number; invalidatedAt: number }>();
  private servedHits = 0;

  constructor(maxEntries: number) {
    this.entries = new LRUCache<string, CacheEntry>({ max: maxEntries });
  }

  /** Whether reads may be served from here (the invalidation messages are heard). */
  get active(): boolean {
    return this.isActive;
  }

  /** Entries held (some may be past their expiry, not yet looked up). */
  get size(): number {
    return this.entries.size;
  }

  /** Reads served from here since start-up. */
  get hits(): number {
    return this.servedHits;
  }

  /**
   * Starts serving. Reads that began before cannot fill: their key may have
   * changed while nobody listened.
   */
  activate(): void {
    this.invalidateAll();
    this.isActive = true;
  }

  /** Stops serving and forgets every entry, until the next {@link activate}. */
  deactivate(): void {
    this.isActive = false;
    this.invalidateAll();
  }

  /** The live copy of `key` at `now`, counted as a hit, or `undefined` (an expired copy is dropped). */
  lookup(key: string, now: number): CacheEntry | undefined {
    if (!this.isActive) return undefined;
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    this.servedHits += 1;
    return entry;
  }

  /** Notes a read of `key` from the shared store; end it with {@link endRead}, whatever happens. */
  beginRead(key: string): NearRead {
    const pending = this.inFlight.get(key);
    if (pending) pending.reads += 1;
    else this.inFlight.set(key, { reads: 1, invalidatedAt: 0 });
    return { key, sequence: this.sequence };
  }

  /**
   * Ends a read, keeping the live `entry` it found (if any) unless its key or
   * everything was invalidated since it began, or the cache is not active.
   */
  endRead(read: NearRead, entry: CacheEntry | undefined, now: number): void {
    const pending = this.inFlight.get(read.key);
    const invalidatedAt = pending?.invalidatedAt ?? 0;
    if (pending && --pending.reads === 0) this.inFlight.delete(read.key);
    if (
      entry !== undefined &&
      entry.expiresAt > now &&
      this.isActive &&
      this.clearedAt <= read.sequence &&
      invalidatedAt <= read.sequence
    ) {
      this.entries.set(read.key, entry);
    }
  }

  /** Forgets `key`: it changed, or is about to. */
  invalidate(key: string): void {
    this.sequence += 1;
    this.entries.delete(key);
    const pending = this.inFlight.get(key);
    if (pending) pending.invalidatedAt = this.sequence;
  }

  /** Forgets every key. */
  invalidateAll(): void {
    this.sequence += 1;
    this.clearedAt = this.sequence;
    this.entries.clear();
  }
}
