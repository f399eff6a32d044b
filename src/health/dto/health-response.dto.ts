import { ApiProperty } from '@nestjs/swagger';
import type { ApiPropertyOptions } from '@nestjs/swagger';

/** What each check reports, by name (`store`); the plugin marks the optional ones. */
const checks = (description: string): ApiPropertyOptions => ({
  type: 'object',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['up', 'down'] },
      message: { type: 'string', description: 'Why the check is down.' },
    },
  },
  description,
});

/** A probe's answer, as `@nestjs/terminus` words it. */
export class HealthResponseDto {
  @ApiProperty({ enum: ['ok', 'error'], description: '`ok` (200) or `error` (503).' })
  status!: 'ok' | 'error';

  @ApiProperty(checks('The checks that are up.'))
  info?: Record<string, { status: string }>;

  @ApiProperty(checks('The checks that are down.'))
  error?: Record<string, { status: string }>;

  @ApiProperty(checks('Every check.'))
  details!: Record<string, { status: string }>;
}
