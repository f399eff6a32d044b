import { BUCKET_INTERVALS, bucketExpiry, bucketOf } from '../../time-series/time-buckets';
import type { BucketInterval, BucketRetention } from '../../time-series/time-buckets';

/** How many were counted in one minute or hour bucket, and when that bucket's key expires. */
export interface BucketCount {
  interval: BucketInterval;
  start: number;
  expireAt: number;
  count: number;
}

/** Counts taken for one write to the store: the total and its share per bucket. */
export interface TakenCounts {
  total: number;
  buckets: BucketCount[];
}

/**
 * Counts of one counter made in this process and not yet added to the shared
 * store, each filed under the minute and hour bucket of the moment it was
 * made (a batch may straddle a bucket boundary), so that once they are added
 * the totals and the per-bucket series are what counting one by one gives.
 */
export class PendingCounts {
  private total = 0;
  /** By `<interval>:<start>`. */
  private readonly buckets = new Map<string, BucketCount>();

  constructor(private readonly retention: BucketRetention) {}

  /** Whether anything waits to be added. */
  get pending(): boolean {
    return this.total > 0;
  }

  /** Counts `by` at `now`. */
  add(now: number, by = 1): void {
    this.total += by;
    for (const interval of BUCKET_INTERVALS) {
      const start = bucketOf(now, interval);
      const id = `${interval}:${start}`;
      const bucket = this.buckets.get(id);
      if (bucket) bucket.count += by;
      else
        this.buckets.set(id, {
          interval,
          start,
          expireAt: bucketExpiry(start, interval, this.retention),
          count: by,
        });
    }
  }

  /** Everything pending, which is no longer; `undefined` when nothing is. */
  take(): TakenCounts | undefined {
    if (this.total === 0) return undefined;
    const taken = { total: this.total, buckets: [...this.buckets.values()] };
    this.total = 0;
    this.buckets.clear();
    return taken;
  }

  /** Puts back counts that could not be added, to go with the next batch. */
  restore({ total, buckets }: TakenCounts): void {
    this.total += total;
    for (const bucket of buckets) {
      const id = `${bucket.interval}:${bucket.start}`;
      const current = this.buckets.get(id);
      if (current) current.count += bucket.count;
      else this.buckets.set(id, { ...bucket });
    }
  }
}
