import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIntegerQuery } from '../../common/validation';

export const MAX_TOP_LIMIT = 1000;

/** Query of `GET /interactions`. */
export class TopQueryDto {
  @ApiPropertyOptional({
    description: 'How many resources to list.',
    minimum: 1,
    maximum: MAX_TOP_LIMIT,
    default: 10,
  })
  @IsIntegerQuery(1, MAX_TOP_LIMIT)
  limit: number = 10;
}
