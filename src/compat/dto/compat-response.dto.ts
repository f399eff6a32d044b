import { ApiProperty } from '@nestjs/swagger';
import { ApiJsonValue } from '../../validation/validation-rules';
import { COMPAT_CACHED, COMPAT_INVALID, COMPAT_NOT_FOUND } from '../compat-responses';

/** `{"status":"success","data":DATA}`: the data cached under the id. */
export class CompatFoundDto {
  @ApiProperty({ enum: ['success'], example: 'success' })
  status!: 'success';

  @ApiJsonValue({ description: 'The cached JSON value.', example: { title: 'Hello' } })
  data!: unknown;
}

/** A success of the original write route. */
export class CompatCachedDto {
  @ApiProperty({ enum: ['success'], example: 'success' })
  status!: 'success';

  @ApiProperty({ example: COMPAT_CACHED.message })
  message!: string;
}

/** A failure of an original route: nothing found, or invalid input. */
export class CompatFailureDto {
  @ApiProperty({ enum: ['failure'], example: 'failure' })
  status!: 'failure';

  @ApiProperty({
    description: `"${COMPAT_NOT_FOUND.message}" (reads) or "${COMPAT_INVALID.message}" (writes).`,
    example: COMPAT_NOT_FOUND.message,
  })
  message!: string;
}
