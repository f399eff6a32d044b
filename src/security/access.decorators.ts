import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';

export const ACCESS_METADATA = 'lapse:access';

/**
 * OpenAPI extensions that carry what these decorators declare to
 * `documentAccess`, which documents it for the configuration at hand and
 * removes them: the served document never shows them.
 */
export const ACCESS_EXTENSION = 'x-lapse-access';
export const UNLIMITED_EXTENSION = 'x-lapse-unlimited';

/** How a route is guarded by API keys. */
export type Access = 'read' | 'write' | 'public';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The access of a route that declares none: a read for GET, HEAD and OPTIONS, else a write. */
export function accessOfMethod(method: string): Access {
  return READ_METHODS.has(method.toUpperCase()) ? 'read' : 'write';
}

/**
 * Marks a route as a read although its method is not GET (e.g. a bulk read
 * sent as POST): it needs a key only when AUTH_READS is on.
 */
export const ReadAccess = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(ACCESS_METADATA, 'read'), ApiExtension(ACCESS_EXTENSION, 'read'));

/**
 * Marks a route that never needs a key (liveness and readiness probes). Its
 * documentation says so too: no lock in Swagger UI, and no 401.
 */
export const PublicAccess = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(ACCESS_METADATA, 'public'), ApiExtension(ACCESS_EXTENSION, 'public'));

/**
 * Marks a route that the rate limit never counts (probes, metrics scrapes):
 * `@SkipThrottle()`, with no 429 in its documentation.
 */
export const Unlimited = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SkipThrottle(), ApiExtension(UNLIMITED_EXTENSION, true));
