import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

export const ACCESS_METADATA = 'lapse:access';

/** How a route is guarded by API keys. */
export type Access = 'read' | 'write' | 'public';

/**
 * Marks a route as a read although its method is not GET (e.g. a bulk read
 * sent as POST): it needs a key only when AUTH_READS is on.
 */
export const ReadAccess = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_METADATA, 'read');

/**
 * Marks a route that never needs a key (liveness and readiness probes). Its
 * documentation says so too: an empty security requirement, which in OpenAPI
 * means a request without credentials is accepted.
 */
export const PublicAccess = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(ACCESS_METADATA, 'public'), ApiSecurity({}));
