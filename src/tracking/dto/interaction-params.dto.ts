import { PrecheckedParams } from '../../validation/prechecked-params';
import { IsResourceId, isResourceId } from '../../validation/validation-rules';

/** Path parameters of `/interactions/:resourceId`. */
@PrecheckedParams({ resourceId: isResourceId })
export class InteractionParamsDto {
  /** Resource id, percent-encoded in the path. */
  @IsResourceId()
  resourceId!: string;
}
