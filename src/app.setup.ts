import type { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { installRequestHooks } from './http/request-hooks';
import { AppLogger } from './logging/app-logger';
import { MetricsService } from './metrics/metrics.service';
import { securityHeaders } from './security/security-headers';
import type { LapseConfig } from './config/lapse.config';
import { configureHttpAdapter } from './http/http-adapter';
import type { HttpConnections } from './http/connections';
import { COMPAT_CLIENT_ERROR_BODIES } from './compat/compat-responses';
import { setUpSwagger } from './app.openapi';

/** Response headers a browser client may read across origins. */
const EXPOSED_HEADERS = [
  'ETag',
  'Last-Modified',
  'Expires',
  'Cache-Status',
  'Cache-Tag',
  'Surrogate-Key',
  'X-Cache',
  'X-Request-Id',
  'Retry-After',
  'WWW-Authenticate',
];

/**
 * Everything applied to the application between its creation and `listen`,
 * shared by `main.ts` and the tests so that both run the same app (only the
 * process-level shutdown hooks are left to `main.ts`, which drains the
 * returned connections on a signal).
 * The application must be created with `{ bodyParser: false }` on the
 * adapter from `createHttpAdapter`.
 */
export function configureApp(app: INestApplication, config: LapseConfig): HttpConnections {
  // First, so that every request is timed, logged and given its headers,
  // even one whose body the parser then rejects.
  const logger = app.get(AppLogger);
  const metrics = app.get(MetricsService);
  installRequestHooks(app, config, {
    headers: securityHeaders(),
    onFinished: (request) => {
      logger.request(request);
      metrics.observeRequest(request);
    },
  });
  const connections = configureHttpAdapter(app, config);
  if (config.security.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.security.corsOrigins,
      // Named, because the adapters' CORS libraries default to different lists.
      methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  }
  // No global pipe: each controller names JsonValidationPipe itself, so that
  // an application embedding Lapse validates Lapse's routes with it and its
  // own routes with whatever it chose.
  app.useGlobalFilters(
    new AllExceptionsFilter(app.get(HttpAdapterHost), COMPAT_CLIENT_ERROR_BODIES),
  );
  setUpSwagger(app, config);
  return connections;
}
