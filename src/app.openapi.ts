import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { loadConfig } from './config/lapse.config';
import type { LapseConfig } from './config/lapse.config';
import { ErrorResponseDto } from './http/error-response';
import { createHttpAdapter } from './http/http-adapter';
import { documentAccess } from './security/access-docs';
import { JSON_VALUE_SCHEMA, JSON_VALUE_SCHEMA_NAME } from './validation/validation-rules';

/** The groups of operations, in the order Swagger UI shows them. */
const TAGS: [name: string, description: string][] = [
  ['resources', 'JSON data cached under a resource id (a key or a URL) until it expires.'],
  [
    'interactions',
    'Interactions with resources (views, clicks, shares...): counts, series and the most-interacted list.',
  ],
  ['stats', 'Cache and tracker counters: since start, and per minute or hour.'],
  [
    'seed-compatible',
    'The original service’s two routes with their original bodies (failures answered with 200); ' +
      'new clients should prefer `/resources` and `/interactions`.',
  ],
  ['health', 'Probes for orchestrators: never behind a key or a rate limit.'],
  ['operations', 'Prometheus metrics.'],
];

const DESCRIPTION = `An expiring web cache and interaction tracker: keeps JSON data for a resource id (a key or a URL) for a time-to-live and tracks how resources are used.

Every error answer has the same JSON body, \`ErrorResponseDto\` (\`statusCode\`, \`message\`, \`error\`), except where the original routes keep their own.

When the server sets API_KEYS, writes need a key (reads too with AUTH_READS=true), sent as \`Authorization: Bearer <key>\` or \`X-API-Key: <key>\`; the routes that need one on this server show a lock.`;

/**
 * The OpenAPI document of `app` under `config`: what Swagger UI shows at
 * `/docs` and `/docs-json` serves, and what `openapi.json` holds (for the
 * default configuration). Only which routes need a key depends on the
 * configuration.
 */
export function createOpenApiDocument(app: INestApplication, config: LapseConfig): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Lapse')
    .setDescription(DESCRIPTION)
    .setVersion('0.1.0')
    .setLicense('MIT', 'https://opensource.org/license/mit')
    // Relative: Swagger UI sends its requests to the server it was loaded from.
    .addServer('/', 'The server this document is served by');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const base = builder.build();
  base.components = {
    ...base.components,
    schemas: { [JSON_VALUE_SCHEMA_NAME]: { ...JSON_VALUE_SCHEMA } },
  };
  const document = SwaggerModule.createDocument(app, base, { extraModels: [ErrorResponseDto] });
  documentAccess(document, config.security);
  return document;
}

/** Swagger UI at `/docs`, the OpenAPI document at `/docs-json`. */
export function setUpSwagger(app: INestApplication, config: LapseConfig): void {
  SwaggerModule.setup('docs', app, createOpenApiDocument(app, config), {
    jsonDocumentUrl: 'docs-json',
    // Authorise once in the UI and every "Try it out" sends the key.
    swaggerOptions: { persistAuthorization: true },
  });
}

/**
 * The document of the app that `env` configures (defaults for the rest; the
 * process environment is not read), built without listening or connecting
 * to a store.
 */
export async function openApiDocumentFor(env: Record<string, string> = {}): Promise<OpenAPIObject> {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const app = await NestFactory.create(AppModule.forRoot(config), await createHttpAdapter(config), {
    bodyParser: false,
    logger: false,
  });
  try {
    return createOpenApiDocument(app, config);
  } finally {
    await app.close();
  }
}

/** The top-level keys of a document, in the order OpenAPI's own examples use. */
const ROOT_ORDER = ['openapi', 'info', 'servers', 'security', 'tags', 'paths', 'components'];

/**
 * `document` as `openapi.json` holds it: keys sorted at every level (so the
 * file changes only where the API does), except the top level, in
 * {@link ROOT_ORDER}, the properties of a schema, in the order the API sends
 * them, and examples, kept as written; two-space indents, a final newline.
 */
export function openApiJson(document: OpenAPIObject): string {
  return `${JSON.stringify(sortedKeys(document, 'root'), null, 2)}\n`;
}

type Level = 'root' | 'sorted' | 'as-is' | 'properties';

function sortedKeys(value: unknown, level: Level): unknown {
  if (level === 'as-is' || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => sortedKeys(item, 'sorted'));
  const entries = Object.entries(value);
  if (level === 'root') {
    const rank = (key: string) => (ROOT_ORDER.includes(key) ? ROOT_ORDER.indexOf(key) : Infinity);
    entries.sort(([a], [b]) => rank(a) - rank(b) || byCodeUnits(a, b));
  } else if (level === 'sorted') {
    entries.sort(([a], [b]) => byCodeUnits(a, b));
  }
  return Object.fromEntries(
    entries.map(([key, child]) => [key, sortedKeys(child, childLevel(level, key))]),
  );
}

function childLevel(level: Level, key: string): Level {
  // Under `properties`, keys are property names: `example` there is a schema, not a value.
  if (level === 'properties') return 'sorted';
  if (key === 'example' || key === 'examples' || key === 'default' || key === 'enum')
    return 'as-is';
  return key === 'properties' ? 'properties' : 'sorted';
}

/** The same order on every machine, whatever its locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
