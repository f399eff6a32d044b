import { SetMetadata } from '@nestjs/common';

export const ACCESS_METADATA = 'lapse:access';

/** How a route is guarded by API keys. */
export type Access = 'read' | 'write' | 'public';

/**
 * Marks a route as a read although its method is not GET (e.g. a bulk read
 * sent as POST): it needs a key only when AUTH_READS is on.
 */
export const ReadAccess = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_METADATA, 'read');

/** Marks a route that never needs a key (liveness and readiness probes). */
export const PublicAccess = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_METADATA, 'public');
