import { ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import {
  IsIdPrefix,
  IsIntegerQuery,
  IsStringOfLength,
  IsTagQuery,
  IsTrueFlag,
} from '../../validation/validation-rules';

export const MAX_PAGE_SIZE = 1000;

/** Query of `GET /resources`. */
export class ListResourcesQueryDto {
  @IsIdPrefix()
  prefix?: string;

  @IsTagQuery()
  tag?: string;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Page size.',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: 100,
  })
  @IsIntegerQuery(1, MAX_PAGE_SIZE)
  limit: number = 100;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.' })
  @ValidateIf((_query: object, value: unknown) => value !== undefined)
  @IsStringOfLength(1, 2048)
  cursor?: string;
}

/** Query of `DELETE /resources`: at least one of prefix, tag or all=true. */
export class PurgeResourcesQueryDto {
  @IsIdPrefix()
  prefix?: string;

  @IsTagQuery()
  tag?: string;

  @IsTrueFlag('Delete every entry of this namespace (cannot be combined with prefix or tag).')
  all?: 'true';
}
