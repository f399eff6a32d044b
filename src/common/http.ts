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
