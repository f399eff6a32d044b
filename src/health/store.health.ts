import { Inject, Injectable, Optional } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { HealthIndicatorResult } from '@nestjs/terminus';
import { CacheService } from '../cache';
import { RedisConnection } from '../redis/redis-connection';

/** Reports whether the cache store answers (always, in memory; Redis may be down). */
@Injectable()
export class StoreHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly cache: CacheService,
    // Null unless CACHE_STORE=redis (and absent where Lapse's storage is not loaded).
    @Optional() @Inject(RedisConnection) private readonly redis: RedisConnection | null = null,
  ) {}

  async isReachable(key = 'store'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    if (this.redis?.isCluster) return this.clusterReachable(this.redis, indicator);
    try {
      await this.cache.ping();
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }

  /**
   * On a cluster, each master answers for its own shards: ready while one
   * answers (the others' shards answer 503 meanwhile, the rest are served),
   * naming every master and whether it answered.
   */
  private async clusterReachable(
    redis: RedisConnection,
    indicator: ReturnType<HealthIndicatorService['check']>,
  ): Promise<HealthIndicatorResult> {
    const nodes = await redis.checkNodes();
    const states = Object.fromEntries(
      nodes.map(({ address, up }) => [address, up ? 'up' : 'down']),
    );
    const down = nodes.filter(({ up }) => !up).map(({ address }) => address);
    if (down.length === nodes.length) {
      return indicator.down({ message: 'Cache store unavailable', nodes: states });
    }
    if (down.length === 0) return indicator.up({ nodes: states });
    return indicator.up({
      message: `Redis Cluster masters not answering: ${down.join(', ')} (their shards answer 503)`,
      nodes: states,
    });
  }
}
