import { ApiProperty } from '@nestjs/swagger';
import type { Resource } from '../resource';
import { isoDate } from '../../common/dates';
import { ApiJsonValue } from '../../validation/validation-rules';

/** A cached resource. */
export class ResourceResponseDto {
  /** @example https://example.com/articles/42 */
  id!: string;

  @ApiJsonValue({ description: 'The cached JSON value.', example: { title: 'Hello', views: 3 } })
  data!: unknown;

  /** @example ["articles"] */
  tags!: string[];

  /**
   * When the current data was written (ISO-8601).
   * @example 2026-11-26T12:00:00.000Z
   */
  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

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

/**
 * {@link ResourceResponseDto} as the JSON schema its compiled serializer is
 * made from, properties in the order {@link toResourceResponse} sets them.
 * `data` is any JSON value, written as `JSON.stringify` writes it.
 */
export const RESOURCE_RESPONSE_SCHEMA = {
  type: 'object',
  required: ['id', 'data', 'tags', 'createdAt', 'expiresAt', 'ttl'],
  properties: {
    id: { type: 'string' },
    data: {},
    tags: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string' },
    expiresAt: { type: 'string' },
    ttl: { type: 'integer' },
  },
} as const;

/** Maps a resource to its representation, with the time left as seen at `now`. */
export function toResourceResponse(resource: Resource, now = Date.now()): ResourceResponseDto {
  return {
    id: resource.id,
    data: resource.data,
    tags: resource.tags,
    createdAt: isoDate(resource.createdAt),
    expiresAt: isoDate(resource.expiresAt),
    ttl: secondsLeft(resource.expiresAt, now),
  };
}

/** Whole seconds from `now` until `expiresAt`, rounded up (the `ttl` of a representation). */
export function secondsLeft(expiresAt: number, now: number): number {
  return Math.max(0, Math.ceil((expiresAt - now) / 1000));
}
