import type { HttpStatus } from '@nestjs/common';

/** The parts of a response object that both Express and Fastify provide. */
interface ResponseLike {
  status(code: number): unknown;
  header(name: string, value: string): unknown;
}

/**
 * Sets the status of a response handled with `@Res({ passthrough: true })`,
 * for routes whose status depends on the outcome (201 created / 200 replaced).
 */
export function setStatus(response: unknown, status: HttpStatus): void {
  (response as ResponseLike).status(status);
}

/** Sets response headers (Express and Fastify replies both have `header(name, value)`). */
export function setHeaders(response: unknown, headers: Record<string, string>): void {
  for (const name of Object.keys(headers)) {
    (response as ResponseLike).header(name, headers[name]);
  }
}

/**
 * The parts of a raw request the route helper reads: Express leaves the
 * matched route on it (`route`), the Fastify bootstrap sets `lapseRoute`.
 */
interface RoutedRequest {
  route?: { path?: unknown };
  lapseRoute?: unknown;
}

/**
 * The route template a request matched (e.g. `/resources/:id`), or
 * `unmatched`: a bounded label for logs and metrics, never the raw URL.
 * Read after routing (when the response finishes).
 */
export function routeOf(request: unknown): string {
  const { route, lapseRoute } = (request ?? {}) as RoutedRequest;
  const path = route?.path ?? lapseRoute;
  // A catch-all path is a middleware's or a not-found handler's: no route matched.
  return typeof path === 'string' && !path.includes('*') ? path : 'unmatched';
}
