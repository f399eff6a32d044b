import { Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { StoreUnavailableError } from '../common/store-unavailable.error';
import { isClientAbort } from './client-error';

/** Error bodies that a route overrides for client errors, by request path. */
export type ClientErrorBodies = ReadonlyMap<string, unknown>;

/**
 * Client errors about who is asking or how often, never about what was sent:
 * a route's own error body (e.g. the original routes' "Invalid data provided.") would
 * misstate them, so they keep the standard body.
 */
const ACCESS_STATUSES: ReadonlySet<number> = new Set([
  HttpStatus.UNAUTHORIZED,
  HttpStatus.FORBIDDEN,
  HttpStatus.TOO_MANY_REQUESTS,
]);

/** Shape of errors raised by body parsers (http-errors): a status and whether it may be shown. */
interface ExposableError {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  message?: unknown;
}

/**
 * The one global exception filter. Answers every error with a JSON body and
 * never a stack trace:
 * - `HttpException`: its own status and body;
 * - errors from body parsing (too large, bad charset...): their 4xx status;
 * - {@link StoreUnavailableError}: 503;
 * - a request body the client stopped sending (it closed the connection):
 *   nobody is left to answer, and nothing went wrong here, so nothing is logged;
 * - anything else: a generic 500, logged with its stack.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly clientErrorBodies: ClientErrorBodies = new Map(),
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const adapter = this.adapterHost.httpAdapter;
    const request: unknown = http.getRequest();
    const described = this.describe(exception);
    const status = described.status;
    let body = described.body;
    if (status < 500) {
      if (!ACCESS_STATUSES.has(status)) {
        const path = (adapter.getRequestUrl(request) as string).split('?', 1)[0];
        body = this.clientErrorBodies.get(path) ?? body;
      }
    } else if (!(
      exception instanceof StoreUnavailableError || exception instanceof HttpException
    )) {
      // A 5xx the code chose (a dead store, a failed readiness probe) is not
      // logged per request: the request line has its status, the store logs
      // when it goes down and comes back, and the metrics count its failures.
      const method = adapter.getRequestMethod(request) as string;
      const url = adapter.getRequestUrl(request) as string;
      this.logger.error(
        `${method} ${url} failed`,
        exception instanceof Error ? exception.stack : String(exception),
      );
    }
    adapter.reply(http.getResponse(), body, status);
  }

  private describe(exception: unknown): { status: number; body: unknown } {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      // A bare message (the throttler's 429, Fastify's own errors as Nest wraps them)
      // still answers JSON, in the usual shape.
      const body =
        typeof response === 'string'
          ? { statusCode: status, message: response, error: httpStatusName(status) }
          : response;
      return { status, body };
    }
    if (exception instanceof StoreUnavailableError) return storeUnavailable(exception);
    if (isClientAbort(exception)) {
      // As Express's body parser answers it: a 400 nobody will read.
      const status = HttpStatus.BAD_REQUEST;
      return {
        status,
        body: { statusCode: status, message: 'request aborted', error: 'Bad Request' },
      };
    }
    const exposed = this.exposedClientError(exception);
    if (exposed) return exposed;
    const status = HttpStatus.INTERNAL_SERVER_ERROR;
    return { status, body: { statusCode: status, message: 'Internal server error' } };
  }

  private exposedClientError(exception: unknown): { status: number; body: unknown } | undefined {
    if (typeof exception !== 'object' || exception === null) return undefined;
    const { status, statusCode, expose, message } = exception as ExposableError;
    const code = typeof status === 'number' ? status : statusCode;
    if (typeof code !== 'number' || code < 400 || code >= 500 || expose !== true) return undefined;
    return {
      status: code,
      body: { statusCode: code, message: String(message), error: httpStatusName(code) },
    };
  }
}

/** The 503 of a store that does not answer. */
export function storeUnavailable(error: StoreUnavailableError): { status: number; body: unknown } {
  const status = HttpStatus.SERVICE_UNAVAILABLE;
  return {
    status,
    body: { statusCode: status, message: error.message, error: 'Service Unavailable' },
  };
}

/**
 * A dead store's 503 on Lapse's own routes, also inside an application that
 * embeds Lapse and has filters of its own (which would answer 500); the
 * standalone server answers the same through {@link AllExceptionsFilter}.
 */
@Catch(StoreUnavailableError)
export class StoreUnavailableFilter implements ExceptionFilter<StoreUnavailableError> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(error: StoreUnavailableError, host: ArgumentsHost): void {
    const { status, body } = storeUnavailable(error);
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), body, status);
  }
}

/** `413` → `Payload Too Large`, as Nest's own error bodies name statuses. */
export function httpStatusName(code: number): string {
  const name = (HttpStatus[code] as string | undefined) ?? 'CLIENT_ERROR';
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join(' ');
}
