import { IsResourceId } from '../../validation/validation-rules';

/** Path parameters of `/resources/:id`. */
export class ResourceParamsDto {
  /** Resource id, percent-encoded in the path (`%2F` for `/`). */
  @IsResourceId()
  id!: string;
}
