import type { BucketRange } from '../time-series/time-buckets';

/** Interactions recorded for one resource. Times are epoch milliseconds. */
export interface InteractionSummary {
  resourceId: string;
  total: number;
  byType: Record<string, number>;
  firstAt: number;
  lastAt: number;
}

/** One row of the most-interacted list. */
export interface TopResource {
  resourceId: string;
  total: number;
  lastAt: number;
}

/** Interactions of one resource in one time bucket. */
export interface SeriesPoint {
  /** Start of the bucket (epoch ms). */
  t: number;
  total: number;
  byType: Record<string, number>;
}

/**
 * The storage port of the tracker. Implementations count exactly under
 * concurrency and bound how many resources they remember.
 */
export interface TrackingStore {
  /** Records one interaction and resolves the resource's new total. */
  record(resourceId: string, type: string, at: number): Promise<number>;
  /** What is known of a resource, or `undefined` when it was never tracked (or was dropped). */
  summary(resourceId: string): Promise<InteractionSummary | undefined>;
  /** The `limit` most-interacted resources, highest total first, ties by id (UTF-8 byte order). */
  top(limit: number): Promise<TopResource[]>;
  /** Every interaction recorded so far, including those of resources since dropped. */
  countInteractions(): Promise<number>;
  /**
   * A resource's interactions per bucket of `range`, oldest first, with zeros
   * where there were none (and for a resource never tracked or dropped).
   */
  series(resourceId: string, range: BucketRange): Promise<SeriesPoint[]>;
  /**
   * The `limit` resources with most interactions within the buckets of
   * `window`, highest first, ties by id (UTF-8 byte order). Resources dropped
   * by the bound are left out, as from `top()`.
   */
  topWithin(window: BucketRange, limit: number): Promise<TopResource[]>;
  /** All interactions per bucket of `range`, oldest first (dropped resources included). */
  activity(range: BucketRange): Promise<number[]>;
}

/** Injection token of the {@link TrackingStore} port. */
export const TrackingStore = Symbol('TrackingStore');
