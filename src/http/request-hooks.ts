import type { IncomingMessage, ServerResponse } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LapseConfig } from '../config/lapse.config';
import { routeOf } from './adapter-neutral';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';

/**
 * The status logged and counted for a request whose client closed the
 * connection before the answer was sent (nginx's convention): nothing was
 * answered, whatever status the response held at the time.
 */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * A request that has finished: answered (its last byte handed to the socket),
 * or given up because the client closed its connection first.
 */
export interface FinishedRequest {
  requestId: string;
  method: string;
  url: string;
  /** The matched route template, or `unmatched`. */
  route: string;
  /** The status answered, or {@link CLIENT_CLOSED_REQUEST}. */
  statusCode: number;
  durationMs: number;
}

/** What every request gets, whatever route it takes (or none). */
export interface RequestHooks {
  /** Set on every response, in one call. */
  headers: Readonly<Record<string, string>>;
  /** Called once per request when it finishes: request log, metrics. */
  onFinished: (request: FinishedRequest) => void;
}

/**
 * Installs the per-request work as the adapter's own hooks rather than as a
 * chain of middleware: on Fastify one `onRequest` hook, on Express one
 * middleware, first of all. Both give each request its id (X-Request-Id,
 * echoed), set the fixed headers, and report the request once its response
 * closes, with its route template, status and duration.
 */
export function installRequestHooks(
  app: INestApplication,
  config: LapseConfig,
  { headers, onFinished }: RequestHooks,
): void {
  if (config.http.adapter === 'express') {
    const express = app as NestExpressApplication;
    express.disable('x-powered-by');
    const fixed = Object.entries(headers);
    express.use((request: IncomingMessage, response: ServerResponse, next: () => void) => {
      const started = performance.now();
      const requestId = requestIdFor(request);
      for (const [name, value] of fixed) response.setHeader(name, value);
      response.setHeader(REQUEST_ID_HEADER, requestId);
      // 'close' comes after the last byte, or when the client went away first.
      response.once('close', () =>
        onFinished({
          requestId,
          method: request.method ?? 'GET',
          url: (request as { originalUrl?: string }).originalUrl ?? request.url ?? '',
          route: routeOf(request),
          statusCode: response.writableFinished ? response.statusCode : CLIENT_CLOSED_REQUEST,
          durationMs: performance.now() - started,
        }),
      );
      next();
    });
    return;
  }
  const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    // Timed here: Fastify keeps no start time unless it logs or has onResponse hooks.
    const started = performance.now();
    // The logs and metrics of other code read the route template from the raw
    // request; Express leaves it there by itself (`request.route`).
    (request.raw as { lapseRoute?: string }).lapseRoute = request.routeOptions.url;
    void reply.headers(headers);
    // Fastify made the id (genReqId in createHttpAdapter).
    void reply.header(REQUEST_ID_HEADER, request.id);
    // 'close', not Fastify's onResponse: that one misses a client that left first.
    reply.raw.once('close', () =>
      onFinished({
        requestId: request.id,
        method: request.method,
        url: request.url,
        route: routeOf(request.raw),
        statusCode: reply.raw.writableFinished ? reply.statusCode : CLIENT_CLOSED_REQUEST,
        durationMs: performance.now() - started,
      }),
    );
    done();
  });
}
