import { LRUCache } from 'lru-cache';
import { compareUtf8, takeSmallest } from '../common/utf8-order';
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
    const rows = (function* (tallies: LRUCache<string, Tally>) {
      for (const [resourceId, { total, lastAt }] of tallies.entries()) {
        yield { resourceId, total, lastAt };
      }
    })(this.tallies);
    return Promise.resolve(takeSmallest(rows, limit, compareTop));
  }

  countInteractions(): Promise<number> {
    return Promise.resolve(this.interactions);
  }
}

/** Highest total first; ties by id in UTF-8 byte order, as Redis orders them. */
function compareTop(a: TopResource, b: TopResource): number {
  return b.total - a.total || compareUtf8(a.resourceId, b.resourceId);
}
