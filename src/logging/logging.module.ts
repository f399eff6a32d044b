import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { Params } from 'nestjs-pino';
import { routeOf } from '../http/adapter-neutral';
import type { LapseConfig } from '../config/lapse.config';
import { REQUEST_ID_HEADER, requestIdFor } from '../http/request-id';

/**
 * Structured logs with pino: one JSON line per request with method, route,
 * status, duration and request id (taken from X-Request-Id or generated, and
 * echoed back). Request bodies, cached data, headers and keys are never logged.
 */
export function loggerParams(config: ConfigService<LapseConfig, true>): Params {
  const { level, pretty } = config.get('logging', { infer: true });
  return {
    pinoHttp: {
      level,
      transport: pretty
        ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } }
        : undefined,
      // Called on Express only: on Fastify the adapter makes the id (see http-adapter.ts).
      genReqId: (request: IncomingMessage, response: ServerResponse) => {
        const id = requestIdFor(request);
        response.setHeader(REQUEST_ID_HEADER, id);
        return id;
      },
      // The serializers get the raw request and response: pino's standard ones
      // (which copy every header) are not wrapped around them.
      wrapSerializers: false,
      serializers: {
        req: (request: { id?: unknown; method?: string; url?: string; originalUrl?: string }) => ({
          id: request.id,
          method: request.method,
          url: request.originalUrl ?? request.url,
        }),
        res: (response: { statusCode?: number }) => ({ statusCode: response.statusCode }),
      },
      // The route is only known at completion, so it goes into the line logged
      // then (not into `customProps`, which makes two more child loggers per request).
      customSuccessObject: (request: IncomingMessage, _response: ServerResponse, line: object) => ({
        ...line,
        route: routeOf(request),
      }),
      customErrorObject: (
        request: IncomingMessage,
        _response: ServerResponse,
        _error: Error,
        line: object,
      ) => ({ ...line, route: routeOf(request) }),
      customLogLevel: (_request, response, error) =>
        error || response.statusCode >= 500 ? 'error' : 'info',
      customSuccessMessage: (request, response, responseTime) =>
        `${request.method} ${routeOf(request)} ${response.statusCode} ${responseTime}ms`,
      customErrorMessage: (request, response) =>
        `${request.method} ${routeOf(request)} ${response.statusCode} failed`,
      // Belt and braces: the serializers above already leave headers out.
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
    },
  };
}

/** Wires nestjs-pino with {@link loggerParams}. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: loggerParams,
    }),
  ],
})
export class LoggingModule {}
