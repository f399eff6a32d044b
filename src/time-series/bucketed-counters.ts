import { BUCKET_INTERVALS, bucketOf, bucketStarts, oldestKept } from './time-buckets';
import type { BucketInterval, BucketRange, BucketRetention } from './time-buckets';

/**
 * In-process counters kept per minute and per hour bucket, each for its
 * retention. Memory stays bounded: a bucket is created by the first count
 * in it and dropped once it is older than its retention.
 */
export class BucketedCounters<Field extends string> {
  private readonly buckets = new Map<BucketInterval, Map<number, Record<Field, number>>>(
    BUCKET_INTERVALS.map((interval) => [interval, new Map()]),
  );

  constructor(
    private readonly fields: readonly Field[],
    private readonly retention: BucketRetention,
  ) {}

  /** Adds `by` to `field` in the buckets that hold `at`. */
  add(at: number, field: Field, by = 1): void {
    for (const interval of BUCKET_INTERVALS) {
      const buckets = this.bucketsOf(interval);
      const start = bucketOf(at, interval);
      let counts = buckets.get(start);
      if (!counts) {
        counts = this.zero();
        buckets.set(start, counts);
        this.dropExpired(interval, at);
      }
      counts[field] += by;
    }
  }

  /** Counts of every bucket in `range`, oldest first; zeros where nothing was counted. */
  read(range: BucketRange, now: number): Array<Record<Field, number>> {
    const buckets = this.bucketsOf(range.interval);
    const oldest = oldestKept(now, range.interval, this.retention);
    return bucketStarts(range).map((start) => {
      const counts = start >= oldest ? buckets.get(start) : undefined;
      return counts ? { ...counts } : this.zero();
    });
  }

  private dropExpired(interval: BucketInterval, now: number): void {
    const oldest = oldestKept(now, interval, this.retention);
    const buckets = this.bucketsOf(interval);
    // Buckets are created in time order, so the expired ones come first.
    for (const start of buckets.keys()) {
      if (start >= oldest) break;
      buckets.delete(start);
    }
  }

  private bucketsOf(interval: BucketInterval): Map<number, Record<Field, number>> {
    return this.buckets.get(interval) as Map<number, Record<Field, number>>;
  }

  private zero(): Record<Field, number> {
    return Object.fromEntries(this.fields.map((field) => [field, 0])) as Record<Field, number>;
  }
}
