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
  for (const [name, value] of Object.entries(headers)) {
    (response as ResponseLike).header(name, value);
  }
}

/** The parts of a request the route helper reads (Express sets `route`; others may set `lapseRoute`). */
interface RoutedRequest {
  route?: { path?: unknown };
  routeOptions?: { url?: unknown };
}

/**
 * The route template a request matched (e.g. `/resources/:id`), or
 * `unmatched`: a bounded label for logs and metrics, never the raw URL.
 * Read after routing (when the response finishes).
 */
export function routeOf(request: unknown): string {
  const { route, routeOptions } = (request ?? {}) as RoutedRequest;
  // A catch-all path is a middleware's, not a route's: the request matched no route.
  if (typeof route?.path === 'string') return route.path.includes('*') ? 'unmatched' : route.path;
  if (typeof routeOptions?.url === 'string') return routeOptions.url;
  return 'unmatched';
}
