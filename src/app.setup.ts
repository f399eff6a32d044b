import type { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { installRequestHooks } from './http/request-hooks';
import { AppLogger } from './logging/app-logger';
import { MetricsService } from './metrics/metrics.service';
import { securityHeaders } from './security/security-headers';
import { JsonValidationPipe } from './validation/json-validation.pipe';
import type { LapseConfig } from './config/lapse.config';
import { configureHttpAdapter } from './http/http-adapter';
import type { HttpConnections } from './http/connections';
import { COMPAT_CLIENT_ERROR_BODIES } from './compat/compat-responses';

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
  app.useGlobalPipes(new JsonValidationPipe());
  app.useGlobalFilters(
    new AllExceptionsFilter(app.get(HttpAdapterHost), COMPAT_CLIENT_ERROR_BODIES),
  );
  setUpSwagger(app);
  return connections;
}

/** Swagger UI at `/docs`, the OpenAPI document at `/docs-json`. */
function setUpSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Lapse')
      .setDescription(
        'An expiring web cache and interaction tracker: keeps JSON data for a resource id ' +
          '(a key or a URL) for a time-to-live and tracks how resources are used.',
      )
      .setVersion('0.1.0')
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'An API key as a bearer token' },
        'bearer',
      )
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'apiKey')
      // Either scheme works on every route; which routes need one depends on API_KEYS and AUTH_READS.
      .addSecurityRequirements('bearer')
      .addSecurityRequirements('apiKey')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    // Authorise once in the UI and every "Try it out" sends the key.
    swaggerOptions: { persistAuthorization: true },
  });
}
