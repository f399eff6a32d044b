import { PrecheckedParams } from '../../validation/prechecked-params';
import { IsResourceId, isResourceId } from '../../validation/validation-rules';

/** Path parameters of `/resources/:id`. */
@PrecheckedParams({ id: isResourceId })
export class ResourceParamsDto {
  /** Resource id, percent-encoded in the path (`%2F` for `/`). */
  @IsResourceId()
  id!: string;
}
