import { HttpStatus, applyDecorators } from '@nestjs/common';
import { ApiErrorResponse } from '../http/error-response';

/** The answers of a read that may go through to an origin (only with ORIGINS set). */
export const ApiOriginErrorResponses = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ApiErrorResponse(
      HttpStatus.BAD_GATEWAY,
      'Read-through only: the origin could not be read (unreachable, a redirect off ORIGINS or ' +
        'more than 3 of them, too large, invalid JSON, or a host name resolving to an internal address).',
      'Origin https://api.example.com redirected (302) to https://evil.example.com, which is not on ORIGINS',
    ),
    ApiErrorResponse(
      HttpStatus.GATEWAY_TIMEOUT,
      'Read-through only: the origin did not answer within ORIGIN_TIMEOUT_MS (waiting for a free ' +
        'connection included), or did not accept a connection within ORIGIN_CONNECT_TIMEOUT_MS.',
      'Origin https://api.example.com did not answer within 10000 ms',
    ),
  );
