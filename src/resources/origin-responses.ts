import { HttpStatus, applyDecorators } from '@nestjs/common';
import { ApiErrorResponse } from '../http/error-response';

/** The answers of a read that may go through to an origin (only with ORIGINS set). */
export const ApiOriginErrorResponses = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ApiErrorResponse(
      HttpStatus.BAD_GATEWAY,
      'Read-through only: the origin could not be read (unreachable, a redirect, too large, ' +
        'not JSON or text, or a host name resolving to an internal address).',
      'Origin https://api.example.com answered a redirect (302), which Lapse does not follow',
    ),
    ApiErrorResponse(
      HttpStatus.GATEWAY_TIMEOUT,
      'Read-through only: the origin did not answer within ORIGIN_TIMEOUT_MS.',
      'Origin https://api.example.com did not answer within 10000 ms',
    ),
  );
