import type { IncomingMessage, ServerResponse } from 'node:http';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { Params } from 'nestjs-pino';
import { routeOf } from '../common/http';
import type { LapseConfig } from '../config/lapse.config';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';

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
      serializers: {
        req: (request: { id?: unknown; method?: string; url?: string }) => ({
          id: request.id,
          method: request.method,
          url: request.url,
        }),
        res: (response: { statusCode?: number }) => ({ statusCode: response.statusCode }),
      },
      // Asked at arrival and at completion; the route is only known at completion.
      customProps: (request: IncomingMessage, response: ServerResponse) =>
        response.headersSent ? { route: routeOf(request) } : {},
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
