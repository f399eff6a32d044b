import type { OnModuleDestroy } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { BucketedCounters } from '../../time-series/bucketed-counters';
import {
  BUCKET_INTERVALS,
  bucketOf,
  bucketStarts,
  coveringBuckets,
  DEFAULT_RETENTION,
  oldestKept,
} from '../../time-series/time-buckets';
import type {
  BucketInterval,
  BucketRange,
  BucketRef,
  BucketRetention,
} from '../../time-series/time-buckets';
import { compareUtf8, takeSmallest } from '../../common/utf8-order';
import { BUCKET_LEADERS, topOfWindow } from '../window-top';
import type { Leader, ResourceLife, WindowSource } from '../window-top';
import { BucketLeaders } from './bucket-leaders';
import type {
  InteractionSummary,
  SeriesPoint,
  TopResource,
  TrackingStore,
  TypeBound,
} from '../tracking-store';
import { DEFAULT_TYPE_BOUND } from '../tracking-store';

interface Counts {
  total: number;
  byType: Map<string, number>;
}

interface Tally extends Counts {
  /** The sequence number of its first interaction: tracked again after a drop, a resource has a new life. */
  life: string;
  firstAt: number;
  lastAt: number;
  /** Per interval: bucket start → counts, in time order. */
  buckets: Record<BucketInterval, Map<number, Counts>>;
}

/** Settings of {@link MemoryTrackingStore}. */
export interface MemoryTrackingStoreOptions {
  maxResources: number;
  /** How many distinct types each resource keeps; default {@link DEFAULT_TYPE_BOUND}. */
  types?: TypeBound;
  /** How long minute and hour buckets are kept; default {@link DEFAULT_RETENTION}. */
  retention?: BucketRetention;
  /** How often buckets past their retention are dropped, in milliseconds. */
  pruneIntervalMs?: number;
}

/**
 * In-process tracker. Counting is exact because each update runs to completion
 * without yielding. Bounded by `maxResources`: the least recently active
 * resource is dropped first (reads do not count as activity), with its time
 * buckets. Buckets older than their retention are dropped as new ones start
 * and by a periodic pass over idle resources. Each bucket also keeps its
 * leaders ({@link BucketLeaders}), so that a windowed top list reads a
 * bounded number of resources (see `topOfWindow`), never every tally.
 */
export class MemoryTrackingStore implements TrackingStore, OnModuleDestroy {
  private readonly tallies: LRUCache<string, Tally>;
  private readonly retention: BucketRetention;
  private readonly types: TypeBound;
  private readonly interactionsPerBucket: BucketedCounters<'interactions'>;
  /** Per interval: bucket start → its leaders. */
  private readonly leaders: Record<BucketInterval, Map<number, BucketLeaders>> = {
    minute: new Map(),
    hour: new Map(),
  };
  private readonly window: WindowSource = {
    leaders: (buckets, depth) => Promise.resolve(buckets.map((b) => this.leadersOf(b, depth))),
    check: (resources) =>
      Promise.resolve(
        resources.map((resource) => {
          const tally = this.current(resource);
          if (!tally) return undefined;
          let counts = 0;
          for (const { interval, start } of resource.buckets) {
            counts += tally.buckets[interval].get(start)?.total ?? 0;
          }
          return { lastAt: tally.lastAt, counts };
        }),
      ),
  };
  private readonly pruneTimer: NodeJS.Timeout;
  private interactions = 0;

  constructor({
    maxResources,
    types = DEFAULT_TYPE_BOUND,
    retention = DEFAULT_RETENTION,
    pruneIntervalMs = 60_000,
  }: MemoryTrackingStoreOptions) {
    this.tallies = new LRUCache<string, Tally>({ max: maxResources });
    this.types = types;
    this.retention = retention;
    this.interactionsPerBucket = new BucketedCounters(['interactions'], retention);
    this.pruneTimer = setInterval(() => this.dropExpiredBuckets(Date.now()), pruneIntervalMs);
    this.pruneTimer.unref();
  }

  record(resourceId: string, type: string, at: number): Promise<number | undefined> {
    // Peeked: a refused interaction is not activity either.
    if (!accepts(this.tallies.peek(resourceId)?.byType, type, this.types)) {
      return Promise.resolve(undefined);
    }
    let tally = this.tallies.get(resourceId);
    if (!tally) {
      tally = {
        life: String(this.interactions + 1),
        total: 0,
        byType: new Map(),
        firstAt: at,
        lastAt: at,
        buckets: { minute: new Map(), hour: new Map() },
      };
      this.tallies.set(resourceId, tally);
    }
    count(tally, type);
    for (const interval of BUCKET_INTERVALS) {
      const buckets = tally.buckets[interval];
      const start = bucketOf(at, interval);
      let bucket = buckets.get(start);
      if (!bucket) {
        bucket = { total: 0, byType: new Map() };
        buckets.set(start, bucket);
        dropBefore(buckets, oldestKept(at, interval, this.retention));
      }
      count(bucket, type);
      this.leadersAt(interval, start, at).set(resourceId, tally.life, bucket.total);
    }
    tally.lastAt = Math.max(tally.lastAt, at);
    this.interactions += 1;
    this.interactionsPerBucket.add(at, 'interactions');
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

  series(resourceId: string, range: BucketRange): Promise<SeriesPoint[]> {
    const buckets = this.tallies.peek(resourceId)?.buckets[range.interval];
    const oldest = oldestKept(Date.now(), range.interval, this.retention);
    return Promise.resolve(
      bucketStarts(range).map((t) => {
        const bucket = t >= oldest ? buckets?.get(t) : undefined;
        return { t, total: bucket?.total ?? 0, byType: Object.fromEntries(bucket?.byType ?? []) };
      }),
    );
  }

  topWithin(window: BucketRange, limit: number): Promise<TopResource[]> {
    return topOfWindow(this.window, coveringBuckets(window, Date.now(), this.retention), limit);
  }

  activity(range: BucketRange): Promise<number[]> {
    return Promise.resolve(
      this.interactionsPerBucket.read(range, Date.now()).map(({ interactions }) => interactions),
    );
  }

  onModuleDestroy(): void {
    clearInterval(this.pruneTimer);
  }

  /** Drops the buckets of every resource that are past their retention. */
  dropExpiredBuckets(now: number): void {
    const oldest = BUCKET_INTERVALS.map(
      (interval) => [interval, oldestKept(now, interval, this.retention)] as const,
    );
    for (const tally of this.tallies.values()) {
      for (const [interval, start] of oldest) dropBefore(tally.buckets[interval], start);
    }
    for (const [interval, start] of oldest) dropOlder(this.leaders[interval], start);
  }

  /** The leaders of a bucket, created (and those past their retention dropped) with it. */
  private leadersAt(interval: BucketInterval, start: number, now: number): BucketLeaders {
    let leaders = this.leaders[interval].get(start);
    if (!leaders) {
      leaders = new BucketLeaders(BUCKET_LEADERS);
      this.leaders[interval].set(start, leaders);
      dropOlder(this.leaders[interval], oldestKept(now, interval, this.retention));
    }
    return leaders;
  }

  private leadersOf({ interval, start }: BucketRef, depth: number): Leader[] {
    return this.leaders[interval].get(start)?.top(depth) ?? [];
  }

  /** The tally of a resource if it is still tracked in that life. */
  private current({ resourceId, life }: ResourceLife): Tally | undefined {
    const tally = this.tallies.peek(resourceId);
    return tally?.life === life ? tally : undefined;
  }
}

/**
 * Whether a resource with `byType` counts may count `type`: a type it has,
 * the reserved one, or a new one while the others leave a place for it
 * (buckets hold a subset of the resource's types, so they are bounded too).
 */
function accepts(byType: Map<string, number> | undefined, type: string, bound: TypeBound): boolean {
  if (type === bound.reserved || byType?.has(type)) return true;
  const others = (byType?.size ?? 0) - (byType?.has(bound.reserved) ? 1 : 0);
  return others < bound.maxTypes - 1;
}

function count(counts: Counts, type: string): void {
  counts.total += 1;
  counts.byType.set(type, (counts.byType.get(type) ?? 0) + 1);
}

/** Drops buckets that start before `oldest`; they come first, being created in time order. */
function dropBefore(buckets: Map<number, Counts>, oldest: number): void {
  for (const start of buckets.keys()) {
    if (start >= oldest) break;
    buckets.delete(start);
  }
}

/** Drops the entries of a map keyed by bucket start that start before `oldest`, in any order. */
function dropOlder(buckets: Map<number, unknown>, oldest: number): void {
  for (const start of buckets.keys()) if (start < oldest) buckets.delete(start);
}

/** Highest total first; ties by id in UTF-8 byte order, as Redis orders them. */
function compareTop(a: TopResource, b: TopResource): number {
  return b.total - a.total || compareUtf8(a.resourceId, b.resourceId);
}
