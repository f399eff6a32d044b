import { IsResourceId } from '../../validation/validation-rules';

/** Query of `GET /fetch`. */
export class FetchQueryDto {
  /** The absolute URL to read, on an allowed origin (ORIGINS); the resource id it is cached under. */
  @IsResourceId()
  url!: string;
}
