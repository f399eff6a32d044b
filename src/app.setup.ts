import type { INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { JsonValidationPipe } from './common/json-validation.pipe';
import type { LapseConfig } from './config/lapse.config';
import { SEED_CLIENT_ERROR_BODIES } from './seed/seed-responses';

/**
 * Everything applied to the application between its creation and `listen`,
 * shared by `main.ts` and the tests so that both run the same app (only the
 * process-level shutdown hooks are left to `main.ts`).
 * The application must be created with `{ bodyParser: false }`.
 */
export function configureApp(app: INestApplication, config: LapseConfig): void {
  const express = app as NestExpressApplication;
  express.useBodyParser('json', { limit: config.http.bodyLimit });
  // Resources carry their own validators; Express's automatic weak ETags on
  // every other answer would only add work and differ from other adapters.
  express.set('etag', false);
  app.useGlobalPipes(new JsonValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter(app.get(HttpAdapterHost), SEED_CLIENT_ERROR_BODIES));
  setUpSwagger(app);
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
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
