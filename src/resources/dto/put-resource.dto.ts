import { IsJsonData, IsTags, IsTtlSeconds } from '../../validation/validation-rules';

/** Body of `PUT /resources/:id`. */
export class PutResourceDto {
  @IsJsonData()
  data!: unknown;

  @IsTtlSeconds()
  ttl?: number;

  @IsTags()
  tags?: string[];
}
