import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { LapseConfigService } from '../config/lapse-config.service';
import { resolveSeriesRange, resolveWindow } from '../time-series/time-range';
import type { RangeQuery } from '../time-series/time-range';
import type { BucketRange, BucketRetention } from '../time-series/time-buckets';
import { ResourcesService } from '../resources/resources.service';
import { DEFAULT_INTERACTION_TYPE, TrackingStore } from './tracking-store';
import type { InteractionSummary, SeriesPoint, TopResource } from './tracking-store';

/** An interaction to record. */
export interface Interaction {
  resourceId: string;
  type?: string;
  /** When present, the resource is cached (or refreshed) with it, as `PUT` would. */
  data?: unknown;
  /** Time-to-live of `data`, in seconds. */
  ttl?: number;
}

/** What recording an interaction answers. */
export interface RecordedInteraction {
  resourceId: string;
  type: string;
  /** All interactions of the resource so far, this one included. */
  total: number;
}

/** Counts how resources are used, and keeps the cache fresh when interactions carry data. */
@Injectable()
export class TrackingService {
  /** Interactions recorded by this process, for its own metrics. */
  private recordedHere = 0;
  /** How long minute and hour buckets are kept. */
  readonly retention: BucketRetention;
  /** Most distinct interaction types per resource (`TRACKING_MAX_TYPES`). */
  private readonly maxTypes: number;

  constructor(
    @Inject(TrackingStore) private readonly store: TrackingStore,
    private readonly resources: ResourcesService,
    config: LapseConfigService,
  ) {
    ({ retention: this.retention, maxTypes: this.maxTypes } = config.get('tracking'));
  }

  /**
   * Records one interaction, then caches its data when it carries some. A
   * type new to a resource that has its most types is a 409 that changes
   * nothing: the store admits the type and counts it in one atomic step, and
   * only then is the data cached.
   */
  async record({
    resourceId,
    type = DEFAULT_INTERACTION_TYPE,
    data,
    ttl,
  }: Interaction): Promise<RecordedInteraction> {
    const total = await this.store.record(resourceId, type, Date.now());
    if (total === undefined) throw this.tooManyTypes(type);
    this.recordedHere += 1;
    if (data !== undefined) await this.resources.put(resourceId, { data, ttl });
    return { resourceId, type, total };
  }

  private tooManyTypes(type: string): ConflictException {
    return new ConflictException([
      `type ${JSON.stringify(type)} is new to this resource, which already has the most ` +
        `interaction types TRACKING_MAX_TYPES allows (${this.maxTypes}, one of them kept for ` +
        `"${DEFAULT_INTERACTION_TYPE}"): record one of its types instead`,
    ]);
  }

  /** Counts of one resource; a 404 when it was never tracked. */
  async summary(resourceId: string): Promise<InteractionSummary> {
    const summary = await this.store.summary(resourceId);
    if (!summary) {
      throw new NotFoundException(`No interactions tracked for ${JSON.stringify(resourceId)}`);
    }
    return summary;
  }

  /**
   * The most-interacted resources, highest first: of all time, or counting
   * only interactions since `since` (relative or ISO-8601).
   */
  top(limit: number, since?: string): Promise<TopResource[]> {
    if (since === undefined) return this.store.top(limit);
    return this.store.topWithin(resolveWindow(since, Date.now(), this.retention), limit);
  }

  /** A resource's interactions per bucket; zeros for a resource never tracked. */
  async series(
    resourceId: string,
    query: RangeQuery,
  ): Promise<{ range: BucketRange; points: SeriesPoint[] }> {
    const range = resolveSeriesRange(query, Date.now(), this.retention);
    return { range, points: await this.store.series(resourceId, range) };
  }

  /** All interactions per bucket of `range`. */
  activity(range: BucketRange): Promise<number[]> {
    return this.store.activity(range);
  }

  /** Interactions recorded by this process since it started. */
  get recordedByThisProcess(): number {
    return this.recordedHere;
  }

  /** Every interaction recorded so far. */
  countInteractions(): Promise<number> {
    return this.store.countInteractions();
  }
}
