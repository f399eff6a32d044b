import { HttpStatus, applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import type { HeadersObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { httpStatusName } from './all-exceptions.filter';

/**
 * The body of every error answer Lapse sends (see {@link AllExceptionsFilter}),
 * whatever raised it: validation, a guard, the body parser or a store.
 */
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', description: 'The HTTP status, repeated.', example: 404 })
  statusCode!: number;

  @ApiProperty({
    description:
      'What went wrong: one message, or a list of them (one per invalid field when validation fails).',
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'Resource "greeting" not found or expired',
  })
  message!: string | string[];

  @ApiProperty({ description: 'The name of the HTTP status.', example: 'Not Found' })
  error!: string;
}

/** The error body Lapse sends with `status` and `message`. */
export function errorBody(status: number, message: string | string[]): ErrorResponseDto {
  return { statusCode: status, message, error: httpStatusName(status) };
}

/**
 * Documents an error answer of a route (or of every route of a controller):
 * the one error body, with an example of what this route says.
 */
export const ApiErrorResponse = (
  status: number,
  description: string,
  message: string | string[],
  headers?: HeadersObject,
): MethodDecorator & ClassDecorator =>
  ApiResponse({
    status,
    description,
    type: ErrorResponseDto,
    example: errorBody(status, message),
    ...(headers && { headers }),
  });

/**
 * The answers of a route that reads a JSON body, when the body cannot be
 * read: too large for BODY_LIMIT, compressed, or in a charset other than
 * UTF-8. A malformed body is a 400, which each route documents with its own.
 */
export const ApiJsonBodyErrorResponses = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ApiErrorResponse(
      HttpStatus.PAYLOAD_TOO_LARGE,
      'The body is larger than BODY_LIMIT (1 MB by default); nothing changed.',
      'request entity too large',
    ),
    ApiErrorResponse(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'The body is compressed (`Content-Encoding`) or not UTF-8 (`charset`); nothing changed.',
      'Content-Encoding "gzip" is not supported: send the body uncompressed',
    ),
  );

/** The answer of a route that needs the store while the store does not answer (Redis down). */
export const ApiStoreUnavailableResponse = (): MethodDecorator & ClassDecorator =>
  ApiErrorResponse(
    HttpStatus.SERVICE_UNAVAILABLE,
    'The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later.',
    'Cache store unavailable',
  );
