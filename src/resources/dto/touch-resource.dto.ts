import { IsTtlSeconds } from '../../validation/validation-rules';

/** Body of `POST /resources/:id/touch`; may be empty. */
export class TouchResourceDto {
  @IsTtlSeconds()
  ttl?: number;
}
