import { ApiProperty } from '@nestjs/swagger';
import { SeriesRangeDto, toSeriesRange } from '../../time-series/dto/series-range.dto';
import type { BucketRange } from '../../time-series/time-buckets';
import type { ActivityPoint, LapseStats } from '../stats.service';

/** Read-through's origin requests since this process started (not shared between instances). */
export class OriginStatsDto {
  /**
   * Requests sent to origins, revalidations included.
   * @example 120
   */
  @ApiProperty({ type: 'integer' })
  fetches!: number;

  /**
   * Refreshes the origin answered 304: the stored body kept, its lifetime renewed.
   * @example 40
   */
  @ApiProperty({ type: 'integer' })
  revalidations!: number;

  /**
   * Answers served stale: while a refresh ran (STALE_WHILE_REVALIDATE) or because the origin failed (STALE_IF_ERROR).
   * @example 15
   */
  @ApiProperty({ type: 'integer' })
  staleServed!: number;

  /**
   * Origin requests that failed: unreachable, too slow, a 5xx or an unreadable answer.
   * @example 2
   */
  @ApiProperty({ type: 'integer' })
  errors!: number;

  /**
   * Reads that waited for an origin request already under way instead of making their own.
   * @example 300
   */
  @ApiProperty({ type: 'integer' })
  joined!: number;
}

/** The near cache in front of Redis, as this process saw it since it started (zeros when off). */
export class NearCacheStatsDto {
  /**
   * Whether this instance has a near cache (CACHE_STORE=redis and NEAR_CACHE_MAX_ENTRIES above 0).
   * @example true
   */
  enabled!: boolean;

  /**
   * Whether it serves reads now: only while Redis's invalidation messages are heard.
   * @example true
   */
  active!: boolean;

  /**
   * Entries it holds.
   * @example 800
   */
  @ApiProperty({ type: 'integer' })
  entries!: number;

  /**
   * Reads it served without asking Redis (they are in `hits` too, once added to Redis's counters).
   * @example 25000
   */
  @ApiProperty({ type: 'integer' })
  hits!: number;

  /**
   * Invalidation messages heard from Redis: one per changed key, or a flush.
   * @example 310
   */
  @ApiProperty({ type: 'integer' })
  invalidations!: number;

  /**
   * Batches of its hits added to Redis's counters.
   * @example 95
   */
  @ApiProperty({ type: 'integer' })
  flushes!: number;
}

/** Cache and tracker counters since the service started. */
export class StatsResponseDto {
  /**
   * Store backing the cache.
   * @example memory
   */
  store!: string;

  /**
   * Live entries.
   * @example 1250
   */
  @ApiProperty({ type: 'integer' })
  entries!: number;

  @ApiProperty({
    description:
      'Most entries before the least recently used is evicted (null: the store decides).',
    type: 'integer',
    nullable: true,
    example: 100000,
  })
  maxEntries!: number | null;

  /**
   * Default time-to-live, in seconds.
   * @example 300
   */
  @ApiProperty({ type: 'integer' })
  defaultTtl!: number;

  /**
   * Reads that found a live entry (both APIs).
   * @example 900
   */
  @ApiProperty({ type: 'integer' })
  hits!: number;

  /**
   * Reads that found nothing, or an expired entry.
   * @example 100
   */
  @ApiProperty({ type: 'integer' })
  misses!: number;

  /**
   * hits / (hits + misses); 0 before the first read.
   * @example 0.9
   */
  hitRatio!: number;

  /**
   * Entries written.
   * @example 1400
   */
  @ApiProperty({ type: 'integer' })
  sets!: number;

  /**
   * Entries removed on request.
   * @example 20
   */
  @ApiProperty({ type: 'integer' })
  deletes!: number;

  /**
   * Entries reclaimed after their time-to-live ran out.
   * @example 130
   */
  @ApiProperty({ type: 'integer' })
  expired!: number;

  /**
   * Live entries evicted to stay within maxEntries.
   * @example 0
   */
  @ApiProperty({ type: 'integer' })
  evicted!: number;

  /**
   * Interactions recorded.
   * @example 5400
   */
  @ApiProperty({ type: 'integer' })
  interactions!: number;

  /**
   * Seconds since the service started.
   * @example 3600
   */
  @ApiProperty({ type: 'integer' })
  uptimeSeconds!: number;

  /** Read-through's origin requests, counted by this process (zeros with ORIGINS unset). */
  origin!: OriginStatsDto;

  /** The near cache in front of Redis, counted by this process (zeros when off). */
  nearCache!: NearCacheStatsDto;
}

export function toStatsResponse(stats: LapseStats): StatsResponseDto {
  return {
    store: stats.store,
    entries: stats.entries,
    maxEntries: stats.maxEntries,
    defaultTtl: stats.defaultTtl,
    hits: stats.hits,
    misses: stats.misses,
    hitRatio: stats.hitRatio,
    sets: stats.sets,
    deletes: stats.deletes,
    expired: stats.expired,
    evicted: stats.evicted,
    interactions: stats.interactions,
    uptimeSeconds: stats.uptimeSeconds,
    origin: {
      fetches: stats.origin.fetches,
      revalidations: stats.origin.revalidations,
      staleServed: stats.origin.staleServed,
      errors: stats.origin.errors,
      joined: stats.origin.joined,
    },
    nearCache: {
      enabled: stats.nearCache.enabled,
      active: stats.nearCache.active,
      entries: stats.nearCache.entries,
      hits: stats.nearCache.hits,
      invalidations: stats.nearCache.invalidations,
      flushes: stats.nearCache.flushes,
    },
  };
}

/** What happened in one bucket. */
export class ActivityPointDto {
  /**
   * Start of the bucket (ISO-8601).
   * @example 2026-11-27T08:01:00.000Z
   */
  @ApiProperty({ format: 'date-time' })
  t!: string;

  /** @example 120 */
  @ApiProperty({ type: 'integer' })
  hits!: number;

  /** @example 8 */
  @ApiProperty({ type: 'integer' })
  misses!: number;

  /** @example 15 */
  @ApiProperty({ type: 'integer' })
  sets!: number;

  /** @example 1 */
  @ApiProperty({ type: 'integer' })
  deletes!: number;

  /** @example 4 */
  @ApiProperty({ type: 'integer' })
  expired!: number;

  /**
   * Evicted to make room. On Redis: Redis's server-wide count, filed under the bucket in which a sweep noticed it.
   * @example 0
   */
  @ApiProperty({ type: 'integer' })
  evicted!: number;

  /** @example 42 */
  @ApiProperty({ type: 'integer' })
  interactions!: number;
}

/** Cache activity and interactions per minute or hour, oldest first, with zeros where there were none. */
export class StatsSeriesResponseDto extends SeriesRangeDto {
  @ApiProperty({ type: [ActivityPointDto] })
  points!: ActivityPointDto[];
}

export function toStatsSeriesResponse(
  range: BucketRange,
  points: ActivityPoint[],
): StatsSeriesResponseDto {
  return {
    ...toSeriesRange(range),
    points: points.map(({ t, hits, misses, sets, deletes, expired, evicted, interactions }) => ({
      t: new Date(t).toISOString(),
      hits,
      misses,
      sets,
      deletes,
      expired,
      evicted,
      interactions,
    })),
  };
}
