import { ApiProperty } from '@nestjs/swagger';
import { BUCKET_INTERVALS, INTERVAL_MS } from '../time-buckets';
import type { BucketInterval, BucketRange } from '../time-buckets';

/** The range a series response covers; each series response adds its points. */
export class SeriesRangeDto {
  @ApiProperty({ enum: BUCKET_INTERVALS, example: 'minute' })
  interval!: BucketInterval;

  /**
   * Start of the first bucket (ISO-8601).
   * @example 2026-11-27T07:02:00.000Z
   */
  @ApiProperty({ format: 'date-time' })
  from!: string;

  /**
   * End of the last bucket (ISO-8601, exclusive).
   * @example 2026-11-27T08:03:00.000Z
   */
  @ApiProperty({ format: 'date-time' })
  to!: string;
}

/** A range as the series responses state it (ISO-8601, end exclusive). */
export function toSeriesRange({ interval, first, count }: BucketRange): SeriesRangeDto {
  return {
    interval,
    from: new Date(first).toISOString(),
    to: new Date(first + count * INTERVAL_MS[interval]).toISOString(),
  };
}
