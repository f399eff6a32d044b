import { ApiProperty } from '@nestjs/swagger';
import {
  IsJsonData,
  IsNestedList,
  IsResourceId,
  IsResourceIds,
  IsTags,
  IsTtlSeconds,
} from '../../validation/validation-rules';
import { ResourceResponseDto } from './resource-response.dto';

export const MAX_BULK_ITEMS = 1000;

/** Body of `POST /resources/_mget`. */
export class MgetResourcesDto {
  @IsResourceIds(MAX_BULK_ITEMS)
  ids!: string[];
}

/** One item of `POST /resources/_mset`. */
export class MsetItemDto {
  @IsResourceId()
  id!: string;

  @IsJsonData()
  data!: unknown;

  @IsTtlSeconds()
  ttl?: number;

  @IsTags()
  tags?: string[];
}

/** Body of `POST /resources/_mset`: every item is validated before any is written. */
export class MsetResourcesDto {
  @IsNestedList(() => MsetItemDto, MAX_BULK_ITEMS, [
    { id: 'greeting', data: { text: 'hello' }, ttl: 60, tags: ['demo'] },
    { id: 'https://example.com/a', data: '<cached page>' },
  ])
  items!: MsetItemDto[];
}

/** Answer of `POST /resources/_mget`. */
export class MgetResponseDto {
  @ApiProperty({ type: [ResourceResponseDto], description: 'The live entries found.' })
  items!: ResourceResponseDto[];

  /**
   * Ids absent or expired.
   * @example ["gone"]
   */
  missing!: string[];
}

/** Answer of `POST /resources/_mset`. */
export class MsetResponseDto {
  @ApiProperty({ type: [ResourceResponseDto], description: 'The entries written, in order.' })
  items!: ResourceResponseDto[];
}
