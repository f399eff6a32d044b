import { ApiProperty } from '@nestjs/swagger';
import type { ResourcePage, ResourceSummary } from '../resource';
import { secondsLeft } from './resource-response.dto';

/** A listed resource, without its data. */
export class ResourceSummaryDto {
  /** @example https://example.com/articles/42 */
  id!: string;

  /** @example ["articles"] */
  tags!: string[];

  /**
   * When the entry expires (ISO-8601).
   * @example 2026-11-26T12:05:00.000Z
   */
  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  /**
   * Whole seconds left before expiry, rounded up.
   * @example 300
   */
  @ApiProperty({ type: 'integer' })
  ttl!: number;
}

/** A page of resources in id order. */
export class ResourcePageDto {
  @ApiProperty({ type: [ResourceSummaryDto] })
  items!: ResourceSummaryDto[];

  @ApiProperty({
    description: 'Pass as `cursor` for the next page; null on the last page.',
    type: String,
    nullable: true,
    example: 'aHR0cHM6Ly9leGFtcGxlLmNvbS9h',
  })
  nextCursor!: string | null;
}

/** Answer of a purge. */
export class PurgeResponseDto {
  /**
   * How many live entries were deleted.
   * @example 12
   */
  @ApiProperty({ type: 'integer' })
  deleted!: number;
}

export function toResourceSummary(summary: ResourceSummary, now = Date.now()): ResourceSummaryDto {
  return {
    id: summary.id,
    tags: summary.tags,
    expiresAt: new Date(summary.expiresAt).toISOString(),
    ttl: secondsLeft(summary.expiresAt, now),
  };
}

export function toResourcePage(page: ResourcePage, now = Date.now()): ResourcePageDto {
  return {
    items: page.items.map((item) => toResourceSummary(item, now)),
    nextCursor: page.nextCursor ?? null,
  };
}
