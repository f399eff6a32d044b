import { IsTtlSeconds } from '../../common/validation';

/** Body of `POST /resources/:id/touch`; may be empty. */
export class TouchResourceDto {
  @IsTtlSeconds()
  ttl?: number;
}
