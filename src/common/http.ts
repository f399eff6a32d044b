import type { HttpStatus } from '@nestjs/common';

/** Minimal view of a response object that both Express and Fastify satisfy. */
interface StatusSettable {
  status(code: number): unknown;
}

/**
 * Sets the status of a response handled with `@Res({ passthrough: true })`,
 * for routes whose status depends on the outcome (201 created / 200 replaced).
 * Express and Fastify replies both expose `status(code)`.
 */
export function setStatus(response: unknown, status: HttpStatus): void {
  (response as StatusSettable).status(status);
}
