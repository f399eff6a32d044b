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
}

/** Injection token of the {@link TrackingStore} port. */
export const TrackingStore = Symbol('TrackingStore');
