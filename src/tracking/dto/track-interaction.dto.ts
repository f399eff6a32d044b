import {
  IsInteractionType,
  IsOptionalJsonData,
  IsResourceId,
  IsTtlSeconds,
} from '../../validation/validation-rules';

/** Body of `POST /interactions`. */
export class TrackInteractionDto {
  @IsResourceId()
  resourceId!: string;

  @IsInteractionType()
  type?: string;

  @IsOptionalJsonData()
  data?: unknown;

  /** Time-to-live of `data` in whole seconds (used only with `data`). */
  @IsTtlSeconds()
  ttl?: number;
}
