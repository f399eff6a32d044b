import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { json } from 'express';
import type { RequestHandler } from 'express';
import type { LapseConfig } from '../config/lapse.config';
import { requestIdFor } from './request-id';
import { answerClientError } from './client-error';
import { DeferredBodyErrorGuard, deferBodyErrors } from './deferred-body-error';
import { HttpConnections } from './connections';
import { hasJsonBody, parseJsonBody, unsupportedBodyEncoding } from './json-body';

/**
 * Everything that differs between the two HTTP adapters lives in src/http:
 * here creating the adapter (HTTP_ADAPTER), body parsing and proxy trust; the
 * per-request hooks in `request-hooks.ts`; reply helpers and route labels in
 * `adapter-neutral.ts`. Controllers, guards, filters and middleware
 * are the same code on both.
 */
export async function createHttpAdapter(config: LapseConfig): Promise<AbstractHttpAdapter> {
  if (config.http.adapter === 'express') return new ExpressAdapter();
  // Loaded only when chosen: Express users never pay for loading Fastify.
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return new FastifyAdapter({
    bodyLimit: config.http.bodyLimit,
    trustProxy: config.security.trustProxy,
    // Routing as Express does it: paths match without regard to case or a
    // trailing slash, and a parameter may be as long as an id's encoding.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 65_536 },
    clientErrorHandler: answerClientError,
    // While shutting down, a request already accepted is served, not refused
    // with 503 (Fastify's default): connections still open get their answers.
    return503OnClosing: false,
    // Fastify names each request itself, and the logger then keeps that name.
    genReqId: requestIdFor,
  });
}

/**
 * Express's JSON body parser, reading only what Fastify's reads (see
 * `unsupportedBodyEncoding`): it would inflate compressed bodies and decode
 * UTF-16 and UTF-32.
 */
function expressJsonBody(limit: number): RequestHandler {
  const parse = json({ limit, inflate: false });
  return (request, response, next) => {
    // Fastify reads no body on GET and HEAD; neither does Lapse on Express.
    if (request.method === 'GET' || request.method === 'HEAD') {
      next();
      return;
    }
    const refused = hasJsonBody(request.headers)
      ? unsupportedBodyEncoding(request.headers)
      : undefined;
    if (refused) {
      next(refused);
      return;
    }
    void parse(request, response, next);
  };
}

/**
 * Applies the adapter-specific settings to an application created with
 * `{ bodyParser: false }` on the adapter from {@link createHttpAdapter}, so
 * that both adapters parse, trust and label requests alike, and holds the
 * server's connections alike (request order, timeout, cap; see
 * {@link HttpConnections}), which it returns for the shutdown.
 */
export function configureHttpAdapter(app: INestApplication, config: LapseConfig): HttpConnections {
  const server = app.getHttpServer() as Server;
  const connections = new HttpConnections(server, config.http);
  if (config.http.adapter === 'express') {
    const express = app as NestExpressApplication;
    // Fastify is given the same handler when it is created (clientErrorHandler).
    server.on('clientError', answerClientError);
    express.use(deferBodyErrors(expressJsonBody(config.http.bodyLimit)));
    express.useGlobalGuards(new DeferredBodyErrorGuard());
    // Resources carry their own validators; Express's automatic weak ETags on
    // every other answer would only add work and differ from Fastify.
    express.set('etag', false);
    express.set('trust proxy', config.security.trustProxy);
    return connections;
  }
  const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
  // JSON bodies are parsed as Express's body parser does (see json-body.ts);
  // other content types are left unread, as Express leaves them. Read as
  // bytes: decoded as text while read, a body in another charset fails
  // Fastify's length check before its charset could be named.
  fastify.removeAllContentTypeParsers();
  // Before the body is read, as on Express: a body Lapse would refuse to
  // decode is a 415 whatever its size, never a 413.
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    const refused =
      request.method !== 'GET' && request.method !== 'HEAD' && hasJsonBody(request.headers)
        ? unsupportedBodyEncoding(request.headers)
        : undefined;
    done(refused ?? null, payload);
  });
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (_request, body, done) => {
      try {
        done(null, parseJsonBody((body as Buffer).toString('utf8')));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  return connections;
}
