import { ApiProperty } from '@nestjs/swagger';
import type { InteractionSummary, TopResource } from '../tracking-store';
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
  total!: number;
}

/** Interaction counts of one resource. */
export class InteractionSummaryResponseDto {
  /** @example https://example.com/articles/42 */
  resourceId!: string;

  /** @example 17 */
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
  firstAt!: string;

  /**
   * Latest interaction (ISO-8601).
   * @example 2026-11-26T12:04:00.000Z
   */
  lastAt!: string;
}

/** One row of the most-interacted list. */
export class TopResourceResponseDto {
  /** @example https://example.com/articles/42 */
  resourceId!: string;

  /** @example 17 */
  total!: number;

  /**
   * Latest interaction (ISO-8601).
   * @example 2026-11-26T12:04:00.000Z
   */
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
