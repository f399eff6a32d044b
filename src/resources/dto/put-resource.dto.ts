import { IsJsonData, IsTags, IsTtlSeconds } from '../../common/validation';

/** Body of `PUT /resources/:id`. */
export class PutResourceDto {
  @IsJsonData()
  data!: unknown;

  @IsTtlSeconds()
  ttl?: number;

  @IsTags()
  tags?: string[];
}
