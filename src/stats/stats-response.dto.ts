import { ApiProperty } from '@nestjs/swagger';
import type { LapseStats } from './stats.service';

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
  defaultTtl!: number;

  /**
   * Reads that found a live entry (both APIs).
   * @example 900
   */
  hits!: number;

  /**
   * Reads that found nothing, or an expired entry.
   * @example 100
   */
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
  sets!: number;

  /**
   * Entries removed on request.
   * @example 20
   */
  deletes!: number;

  /**
   * Entries reclaimed after their time-to-live ran out.
   * @example 130
   */
  expired!: number;

  /**
   * Live entries evicted to stay within maxEntries.
   * @example 0
   */
  evicted!: number;

  /**
   * Interactions recorded.
   * @example 5400
   */
  interactions!: number;

  /**
   * Seconds since the service started.
   * @example 3600
   */
  uptimeSeconds!: number;
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
  };
}
