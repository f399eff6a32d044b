import { ApiProperty } from '@nestjs/swagger';
import { SeriesRangeDto, toSeriesRange } from '../../time-series/dto/series-range.dto';
import type { BucketRange } from '../../time-series/time-buckets';
import type { InteractionSummary, SeriesPoint, TopResource } from '../tracking-store';
import type { RecordedInteraction } from '../tracking.service';

/** An interaction just recorded. */
export class InteractionResponseDto {
  /** @example https://example.com/articles/42 */
  resourceId!: string;

  /** @example view */
  type!: string;

  /**
   * All interactions of the resource so far.
   * @example 17
   */
  @ApiProperty({ type: 'integer' })
  total!: number;
}

/** Interaction counts of one resource. */
export class InteractionSummaryResponseDto {
  /** @example https://example.com/articles/42 */
  resourceId!: string;

  /** @example 17 */
  @ApiProperty({ type: 'integer' })
  total!: number;

  @ApiProperty({
    description: 'Count per interaction type.',
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { view: 15, share: 2 },
  })
  byType!: Record<string, number>;

  /**
   * First interaction (ISO-8601).
   * @example 2026-11-26T12:00:00.000Z
   */
  @ApiProperty({ format: 'date-time' })
  firstAt!: string;

  /**
   * Latest interaction (ISO-8601).
   * @example 2026-11-26T12:04:00.000Z
   */
  @ApiProperty({ format: 'date-time' })
  lastAt!: string;
}

/** One row of the most-interacted list. */
export class TopResourceResponseDto {
  /** @example https://example.com/articles/42 */
  resourceId!: string;

  /** @example 17 */
  @ApiProperty({ type: 'integer' })
  total!: number;

  /**
   * Latest interaction (ISO-8601).
   * @example 2026-11-26T12:04:00.000Z
   */
  @ApiProperty({ format: 'date-time' })
  lastAt!: string;
}

export function toInteractionResponse(recorded: RecordedInteraction): InteractionResponseDto {
  return { resourceId: recorded.resourceId, type: recorded.type, total: recorded.total };
}

export function toSummaryResponse(summary: InteractionSummary): InteractionSummaryResponseDto {
  return {
    resourceId: summary.resourceId,
    total: summary.total,
    byType: summary.byType,
    firstAt: new Date(summary.firstAt).toISOString(),
    lastAt: new Date(summary.lastAt).toISOString(),
  };
}

export function toTopResourceResponse(row: TopResource): TopResourceResponseDto {
  return {
    resourceId: row.resourceId,
    total: row.total,
    lastAt: new Date(row.lastAt).toISOString(),
  };
}

/** Interactions of one resource in one bucket. */
export class InteractionPointDto {
  /**
   * Start of the bucket (ISO-8601).
   * @example 2026-11-27T08:01:00.000Z
   */
  @ApiProperty({ format: 'date-time' })
  t!: string;

  /** @example 3 */
  @ApiProperty({ type: 'integer' })
  total!: number;

  @ApiProperty({
    description: 'Count per interaction type (types with none are left out).',
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { view: 2, share: 1 },
  })
  byType!: Record<string, number>;
}

/** A resource's interactions per minute or hour, oldest first, with zeros where there were none. */
export class InteractionSeriesResponseDto extends SeriesRangeDto {
  /** @example https://example.com/articles/42 */
  resourceId!: string;

  @ApiProperty({ type: [InteractionPointDto] })
  points!: InteractionPointDto[];
}

export function toSeriesResponse(
  resourceId: string,
  range: BucketRange,
  points: SeriesPoint[],
): InteractionSeriesResponseDto {
  return {
    resourceId,
    ...toSeriesRange(range),
    points: points.map(({ t, total, byType }) => ({ t: new Date(t).toISOString(), total, byType })),
  };
}
