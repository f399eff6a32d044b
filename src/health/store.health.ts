import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { CacheService } from '../cache';

/** Reports whether the cache store answers (always, in memory; Redis may be down). */
@Injectable()
export class StoreHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly cache: CacheService,
  ) {}

  async isReachable(key = 'store'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      await this.cache.ping();
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
