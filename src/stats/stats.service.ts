import { Injectable } from '@nestjs/common';
import { CacheService } from '../cache';
import type { CacheCounters, CacheStats, NearCacheActivity } from '../cache';
import { bucketStarts } from '../time-series/time-buckets';
import type { BucketRange } from '../time-series/time-buckets';
import { resolveSeriesRange } from '../time-series/time-range';
import type { RangeQuery } from '../time-series/time-range';
import { OriginCounters } from '../origin/origin-counters';
import type { OriginActivity } from '../origin/origin-counters';
import { ResourcesService } from '../resources/resources.service';
import { TrackingService } from '../tracking/tracking.service';

/** Everything `GET /stats` reports. */
export interface LapseStats extends CacheStats {
  /** Default time-to-live, in seconds. */
  defaultTtl: number;
  /** hits / (hits + misses), 0 before the first read. */
  hitRatio: number;
  interactions: number;
  uptimeSeconds: number;
  /** Read-through's origin requests, counted by this process. */
  origin: OriginActivity;
  /** The near cache in front of Redis, as this process saw it. */
  nearCache: NearCacheActivity;
}

/** What happened in one bucket: the cache's counters and the interactions recorded. */
export interface ActivityPoint extends CacheCounters {
  /** Start of the bucket (epoch ms). */
  t: number;
  interactions: number;
}

/** Gathers cache and tracker counters into one snapshot, or per time bucket. */
@Injectable()
export class StatsService {
  private readonly startedAt = Date.now();

  constructor(
    private readonly cache: CacheService,
    private readonly resources: ResourcesService,
    private readonly tracking: TrackingService,
    private readonly origins: OriginCounters,
  ) {}

  /** Cache activity and interactions per bucket, oldest first. */
  async series(query: RangeQuery): Promise<{ range: BucketRange; points: ActivityPoint[] }> {
    const range = resolveSeriesRange(query, Date.now(), this.tracking.retention);
    const [cache, interactions] = await Promise.all([
      this.cache.activityPerBucket(range),
      this.tracking.activity(range),
    ]);
    const points = bucketStarts(range).map((t, i) => ({
      t,
      ...cache[i],
      interactions: interactions[i],
    }));
    return { range, points };
  }

  async snapshot(): Promise<LapseStats> {
    const [cache, interactions] = await Promise.all([
      this.cache.stats(),
      this.tracking.countInteractions(),
    ]);
    const reads = cache.hits + cache.misses;
    return {
      ...cache,
      defaultTtl: this.resources.defaultTtl,
      hitRatio: reads === 0 ? 0 : cache.hits / reads,
      interactions,
      uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000),
      origin: this.origins.snapshot(),
      nearCache: this.cache.nearCacheActivity(),
    };
  }
}
