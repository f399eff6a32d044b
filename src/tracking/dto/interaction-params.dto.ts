import { IsResourceId } from '../../validation/validation-rules';

/** Path parameters of `/interactions/:resourceId`. */
export class InteractionParamsDto {
  /** Resource id, percent-encoded in the path. */
  @IsResourceId()
  resourceId!: string;
}
