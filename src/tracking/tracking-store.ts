import type { BucketRange } from '../time-series/time-buckets';
import { DEFAULT_MAX_INTERACTION_TYPES } from '../validation/limits';

/** The interaction type recorded when a client names none. */
export const DEFAULT_INTERACTION_TYPE = 'view';

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

/** How many distinct interaction types a store keeps per resource. */
export interface TypeBound {
  /** Most distinct types of one resource, `reserved` included. */
  maxTypes: number;
  /** The type always accepted: one of the `maxTypes` places is kept for it. */
  reserved: string;
}

/** The bound of `TRACKING_MAX_TYPES` by default. */
export const DEFAULT_TYPE_BOUND: TypeBound = {
  maxTypes: DEFAULT_MAX_INTERACTION_TYPES,
  reserved: DEFAULT_INTERACTION_TYPE,
};

/**
 * The storage port of the tracker. Implementations count exactly under
 * concurrency and bound how many resources they remember, and how many
 * distinct types each resource has ({@link TypeBound}).
 */
export interface TrackingStore {
  /**
   * Records one interaction and resolves the resource's new total; or, when
   * `type` is new to the resource and would exceed its bound of types,
   * records nothing and resolves `undefined`. The check and the count are
   * one atomic step: concurrent new types never exceed the bound.
   */
  record(resourceId: string, type: string, at: number): Promise<number | undefined>;
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
