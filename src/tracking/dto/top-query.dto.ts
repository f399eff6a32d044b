import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsTimeQuery } from '../../time-series/is-time-query';
import { IsIntegerQuery } from '../../validation/validation-rules';

export const MAX_TOP_LIMIT = 1000;

/** Query of `GET /interactions`. */
export class TopQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    description: 'How many resources to list.',
    minimum: 1,
    maximum: MAX_TOP_LIMIT,
    default: 10,
  })
  @IsIntegerQuery(1, MAX_TOP_LIMIT)
  limit: number = 10;

  @ApiPropertyOptional({
    description:
      'Count only interactions since then: relative (`-15m`, `-1h`, `-24h`) or ISO-8601, ' +
      'from the start of its minute (hour, beyond the minute retention). Default: all time.',
    example: '-1h',
  })
  @IsTimeQuery()
  since?: string;
}
