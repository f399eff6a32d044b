import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/** Helmet's settings for Lapse's pages (Swagger UI, the dashboard) and API. */
export const HELMET_OPTIONS: Parameters<typeof helmet>[0] = {
  contentSecurityPolicy: {
    // Swagger UI's stylesheet sets inline styles; everything else is same-origin.
    directives: {
      'style-src': ["'self'", "'unsafe-inline'"],
      'img-src': ["'self'", 'data:'],
      // Lapse serves plain HTTP: upgrading the pages' own scripts to HTTPS would
      // break Swagger UI and the dashboard everywhere but on localhost.
      'upgrade-insecure-requests': null,
    },
  },
};

/**
 * The security headers helmet sets, computed once: with these settings (no
 * nonces, nothing taken from the request) helmet sets the same headers on
 * every response, so running it per request as middleware would only redo
 * the same work. The request hooks set these in one call. Helmet also
 * removes `X-Powered-By`, which the adapters are told not to send.
 */
export function securityHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader() {},
  };
  let failure: unknown;
  helmet(HELMET_OPTIONS)(
    { headers: {} } as IncomingMessage,
    response as unknown as ServerResponse,
    (error?: unknown) => {
      failure = error;
    },
  );
  if (failure !== undefined) {
    throw failure instanceof Error ? failure : new Error('helmet did not set its headers');
  }
  return Object.freeze(headers);
}
