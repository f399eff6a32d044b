import type { CanActivate, ExecutionContext } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** Where a body-parsing error waits on the request until the guard below raises it. */
const BODY_ERROR = Symbol('lapse.bodyError');

type WithBodyError = Request & { [BODY_ERROR]?: Error };

/**
 * Wraps Express's body parser so that a body it rejects (malformed, too
 * large, a bad charset) does not end the request at once: the error waits on
 * the request, which goes on through the request log, the metrics and the
 * security headers like any other, and {@link DeferredBodyErrorGuard} raises
 * it before the route runs. (On Fastify, parsing already happens after those.)
 */
export function deferBodyErrors(parse: RequestHandler): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    void parse(request, response, (error?: unknown) => {
      if (error !== undefined) {
        (request as WithBodyError)[BODY_ERROR] =
          error instanceof Error ? error : new Error('The request body could not be read');
      }
      next();
    });
  };
}

/** Raises the body-parsing error a request carries, so the exception filter answers it. */
export class DeferredBodyErrorGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<WithBodyError>();
    const error = request[BODY_ERROR];
    if (error) throw error;
    return true;
  }
}
