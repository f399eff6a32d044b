import { LRUCache } from 'lru-cache';
import type { InteractionSummary, TopResource, TrackingStore } from './tracking-store';

interface Tally {
  total: number;
  byType: Map<string, number>;
  firstAt: number;
  lastAt: number;
}

/**
 * In-process tracker. Counting is exact because each update runs to completion
 * without yielding. Bounded by `maxResources`: the least recently active
 * resource is dropped first (reads do not count as activity).
 */
export class MemoryTrackingStore implements TrackingStore {
  private readonly tallies: LRUCache<string, Tally>;
  private interactions = 0;

  constructor(maxResources: number) {
    this.tallies = new LRUCache<string, Tally>({ max: maxResources });
  }

  record(resourceId: string, type: string, at: number): Promise<number> {
    let tally = this.tallies.get(resourceId);
    if (!tally) {
      tally = { total: 0, byType: new Map(), firstAt: at, lastAt: at };
      this.tallies.set(resourceId, tally);
    }
    tally.total += 1;
    tally.byType.set(type, (tally.byType.get(type) ?? 0) + 1);
    tally.lastAt = Math.max(tally.lastAt, at);
    this.interactions += 1;
    return Promise.resolve(tally.total);
  }

  summary(resourceId: string): Promise<InteractionSummary | undefined> {
    const tally = this.tallies.peek(resourceId);
    return Promise.resolve(
      tally && {
        resourceId,
        total: tally.total,
        byType: Object.fromEntries(tally.byType),
        firstAt: tally.firstAt,
        lastAt: tally.lastAt,
      },
    );
  }

  top(limit: number): Promise<TopResource[]> {
    // One pass keeping the best `limit` rows sorted: O(n log limit) at worst,
    // close to O(n) when most resources fall below the current cut.
    const best: TopResource[] = [];
    for (const [resourceId, { total, lastAt }] of this.tallies.entries()) {
      const row = { resourceId, total, lastAt };
      if (best.length === limit && compareTop(row, best[best.length - 1]) >= 0) continue;
      best.splice(insertionIndex(best, row), 0, row);
      if (best.length > limit) best.pop();
    }
    return Promise.resolve(best);
  }

  countInteractions(): Promise<number> {
    return Promise.resolve(this.interactions);
  }
}

/**
 * Orders rows by total (highest first), ties by id in byte order of its UTF-8
 * form: the order Redis gives the same rows, so both stores list alike.
 */
function compareTop(a: TopResource, b: TopResource): number {
  return b.total - a.total || Buffer.compare(Buffer.from(a.resourceId), Buffer.from(b.resourceId));
}

function insertionIndex(sorted: TopResource[], row: TopResource): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareTop(sorted[middle], row) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
