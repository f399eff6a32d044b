import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The header a request id comes in and is echoed back in. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** A client's X-Request-Id is kept when it is short and printable; otherwise a new one is made. */
const USABLE_REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The id of a request: the client's X-Request-Id when usable, else a new UUID. */
export function requestIdFor(request: { headers: IncomingHttpHeaders }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && USABLE_REQUEST_ID.test(given) ? given : randomUUID();
}
