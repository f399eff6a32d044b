import { Injectable } from '@nestjs/common';
import { CacheService } from '../cache';
import type { CacheStats } from '../cache';
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
}

/** Gathers cache and tracker counters into one snapshot. */
@Injectable()
export class StatsService {
  private readonly startedAt = Date.now();

  constructor(
    private readonly cache: CacheService,
    private readonly resources: ResourcesService,
    private readonly tracking: TrackingService,
  ) {}

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
    };
  }
}
