import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIObject } from '@nestjs/swagger';
import { openApiJson } from '../src/app.openapi';
import { storeTargets } from './helpers/stores';
import { useTestApp } from './helpers/test-app';
import type { Http } from './helpers/test-app';

/** The parts of an OpenAPI 3 document these tests read. */
interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  example?: unknown;
  examples?: unknown;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
}

interface MediaType {
  schema?: Schema;
  example?: unknown;
  examples?: Record<string, unknown>;
}

type SecurityRequirement = Record<string, string[]>;

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  deprecated?: boolean;
  security?: SecurityRequirement[];
  parameters?: { name: string; in: string; schema?: Schema }[];
  requestBody?: { content?: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType>; headers?: object }>;
}

interface OpenApiDocument {
  openapi: string;
  info: { description?: string; license?: { name?: string; url?: string } };
  servers?: { url: string }[];
  security?: SecurityRequirement[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
  components?: {
    schemas?: Record<string, Schema>;
    securitySchemes?: Record<string, Record<string, unknown>>;
  };
}

/** The document written by `npm run openapi`. */
const OPENAPI_JSON = join(__dirname, '..', 'openapi.json');

/**
 * Every operation with the errors it can answer (4xx and 5xx) and the access
 * it needs: the status codes the document must list, no more, no fewer.
 * 401 wherever a key can be needed, 429 wherever the rate limit counts, 503
 * wherever the store is used; health probes answer none but readiness's 503.
 */
const ERRORS: Record<string, { errors: number[]; access: 'read' | 'write' | 'public' }> = {
  'get /resources': { errors: [400, 401, 429, 503], access: 'read' },
  'delete /resources': { errors: [400, 401, 429, 503], access: 'write' },
  'post /resources/_mget': { errors: [400, 401, 413, 415, 429, 503], access: 'read' },
  'post /resources/_mset': { errors: [400, 401, 413, 415, 429, 503], access: 'write' },
  'put /resources/{id}': { errors: [400, 401, 412, 413, 415, 429, 503], access: 'write' },
  'get /resources/{id}': { errors: [400, 401, 404, 429, 502, 503, 504], access: 'read' },
  'get /fetch': { errors: [400, 401, 404, 429, 502, 503, 504], access: 'read' },
  'delete /resources/{id}': { errors: [400, 401, 404, 412, 429, 503], access: 'write' },
  'post /resources/{id}/touch': { errors: [400, 401, 404, 413, 415, 429, 503], access: 'write' },
  'post /interactions': { errors: [400, 401, 409, 413, 415, 429, 503], access: 'write' },
  'get /interactions': { errors: [400, 401, 429, 503], access: 'read' },
  'get /interactions/{resourceId}': { errors: [400, 401, 404, 429, 503], access: 'read' },
  'get /interactions/{resourceId}/series': { errors: [400, 401, 429, 503], access: 'read' },
  'get /stats': { errors: [401, 429, 503], access: 'read' },
  'get /stats/series': { errors: [400, 401, 429, 503], access: 'read' },
  'get /get_cached_resource': { errors: [401, 429, 503], access: 'read' },
  'post /track_interaction': { errors: [400, 401, 413, 415, 429, 503], access: 'write' },
  'get /health': { errors: [], access: 'public' },
  'get /health/ready': { errors: [503], access: 'public' },
  'get /metrics': { errors: [401], access: 'read' },
};

/** Error answers whose body is not the error body: the original route's own, a probe's. */
const OTHER_ERROR_BODIES: Record<string, string> = {
  'post /track_interaction 400': 'CompatFailureDto',
  'post /track_interaction 413': 'CompatFailureDto',
  'post /track_interaction 415': 'CompatFailureDto',
  'get /health/ready 503': 'HealthResponseDto',
};

/** Properties that hold a count, a number of seconds or a limit. */
const INTEGERS = new Set([
  'statusCode',
  'ttl',
  'total',
  'deleted',
  'entries',
  'maxEntries',
  'defaultTtl',
  'hits',
  'misses',
  'sets',
  'deletes',
  'expired',
  'evicted',
  'interactions',
  'uptimeSeconds',
  'limit',
]);

/** An ISO-8601 time, as the examples of every time property are written. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Every route the service serves, by OpenAPI path. */
const ROUTES: Record<string, string[]> = {
  '/resources/{id}': ['put', 'get', 'delete'],
  '/resources/{id}/touch': ['post'],
  '/fetch': ['get'],
  '/interactions': ['post', 'get'],
  '/interactions/{resourceId}': ['get'],
  '/stats': ['get'],
  '/get_cached_resource': ['get'],
  '/track_interaction': ['post'],
};

/** Follows `#/components/schemas/...` references to the schema itself. */
function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  let current = schema;
  for (let depth = 0; current.$ref !== undefined; depth++) {
    const match = /^#\/components\/schemas\/(.+)$/.exec(current.$ref);
    expect(match).not.toBeNull();
    const target = doc.components?.schemas?.[match![1]];
    expect(target).toBeDefined();
    expect(depth).toBeLessThan(10);
    current = target!;
  }
  return current;
}

/** Every operation, as `[path, method, operation]`. */
function operationsOf(doc: OpenApiDocument): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, operation]): [string, string, Operation] => [path, method, operation]),
  );
}

/** Every schema of the document, with where it is (components, parameters, bodies, answers). */
function schemasOf(doc: OpenApiDocument): [string, Schema][] {
  const found: [string, Schema][] = [];
  const visit = (where: string, schema: Schema | boolean | undefined) => {
    if (typeof schema !== 'object') return;
    found.push([where, schema]);
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      visit(`${where}.${name}`, property);
    }
    visit(`${where}[]`, schema.items);
    visit(`${where}{}`, schema.additionalProperties);
    for (const member of [
      ...(schema.oneOf ?? []),
      ...(schema.anyOf ?? []),
      ...(schema.allOf ?? []),
    ]) {
      visit(where, member);
    }
  };
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) visit(name, schema);
  for (const [path, method, operation] of operationsOf(doc)) {
    for (const parameter of operation.parameters ?? []) {
      visit(`${method} ${path} ${parameter.in} ${parameter.name}`, parameter.schema);
    }
    for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
      visit(`${method} ${path} body ${type}`, media.schema);
    }
    for (const [code, response] of Object.entries(operation.responses)) {
      for (const [type, media] of Object.entries(response.content ?? {})) {
        visit(`${method} ${path} ${code} ${type}`, media.schema);
      }
    }
  }
  return found;
}

/** The `type`s a schema allows, through references and `allOf` (none: any JSON value). */
function typesOf(doc: OpenApiDocument, schema: Schema): string[] {
  const resolved = resolve(doc, schema);
  return [
    ...(resolved.type === undefined ? [] : [resolved.type]),
    ...(resolved.allOf ?? []).flatMap((member) => typesOf(doc, member)),
  ];
}

/** Whether a route of `access` needs a key when API_KEYS is set, as the guard decides. */
function needsKey(access: 'read' | 'write' | 'public', authReads: boolean): boolean {
  return access === 'write' || (access === 'read' && authReads);
}

describe.each(storeTargets)('API documentation ($name store)', ({ env }) => {
  const { http } = useTestApp(() => ({ ...env() }));
  let doc: OpenApiDocument;

  beforeAll(async () => {
    const res = await http().get('/docs-json').expect(200);
    doc = res.body as OpenApiDocument;
  });

  const operations = () => operationsOf(doc);

  it('serves Swagger UI at /docs', async () => {
    const res = await http().get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/swagger-ui/i);
    expect(res.text).toMatch(/<html/i);
  });

  it('serves an OpenAPI 3 document at /docs-json', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(typeof doc.paths).toBe('object');
  });

  it.each(Object.entries(ROUTES))('documents %s', (path, methods) => {
    expect(doc.paths).toHaveProperty([path]);
    for (const method of methods) {
      expect(Object.keys(doc.paths[path])).toContain(method);
    }
  });

  it('gives an example for every request body (or every property of its schema)', () => {
    const withBody = operations().filter(([, , operation]) => operation.requestBody);
    const described = withBody.map(([path, method]) => `${method} ${path}`);
    // At least the four routes that take a body.
    expect(described).toEqual(
      expect.arrayContaining([
        'put /resources/{id}',
        'post /resources/{id}/touch',
        'post /interactions',
        'post /track_interaction',
      ]),
    );

    const missing: string[] = [];
    for (const [path, method, operation] of withBody) {
      const content = operation.requestBody?.content ?? {};
      const media = content['application/json'];
      if (!media?.schema) {
        missing.push(`${method} ${path}: no application/json schema`);
        continue;
      }
      if (media.example !== undefined || media.examples !== undefined) continue;
      const schema = resolve(doc, media.schema);
      if (schema.example !== undefined || schema.examples !== undefined) continue;
      const properties = Object.entries(schema.properties ?? {});
      if (properties.length === 0) {
        missing.push(`${method} ${path}: no example and no properties`);
        continue;
      }
      for (const [property, propertySchema] of properties) {
        const resolved = resolve(doc, propertySchema);
        const hasExample = [propertySchema, resolved].some(
          (s) => s.example !== undefined || s.examples !== undefined,
        );
        if (!hasExample) missing.push(`${method} ${path}: property ${property} has no example`);
      }
    }
    expect(missing).toStrictEqual([]);
  });

  it('documents a response schema for every 2xx response with a body', () => {
    const problems: string[] = [];
    const checked: string[] = [];
    for (const [path, method, operation] of operations()) {
      // A deprecated stub that only ever answers 400 has no success to describe.
      if (operation.deprecated) continue;
      const successes = Object.entries(operation.responses).filter(([code]) => /^2/.test(code));
      if (successes.length === 0) problems.push(`${method} ${path}: no 2xx response`);
      for (const [code, response] of successes) {
        if (code === '204') continue;
        // JSON everywhere, but Prometheus metrics are plain text.
        const schema =
          response.content?.['application/json']?.schema ??
          response.content?.['text/plain']?.schema;
        if (!schema) {
          problems.push(`${method} ${path} ${code}: no application/json or text/plain schema`);
          continue;
        }
        resolve(doc, schema.items ?? schema);
        checked.push(`${method} ${path} ${code}`);
      }
    }
    expect(problems).toStrictEqual([]);
    for (const [path, methods] of Object.entries(ROUTES)) {
      for (const method of methods) {
        if (path === '/resources/{id}' && method === 'delete') continue;
        expect(checked.some((entry) => entry.startsWith(`${method} ${path} 2`))).toBe(true);
      }
    }
  });

  it('is the document committed in openapi.json (npm run openapi writes it)', () => {
    const committed = readFileSync(OPENAPI_JSON, 'utf8');
    // Parsed first, for a readable difference; then as written (key order, format).
    expect(JSON.parse(committed)).toStrictEqual(doc);
    expect(openApiJson(doc as unknown as OpenAPIObject)).toBe(committed);
  });

  it('says where the API is, under which license, and describes every tag', () => {
    expect(doc.servers).toStrictEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.info.license).toStrictEqual({ name: 'MIT', url: expect.stringMatching(/^https:/) });
    expect(doc.info.description).toEqual(expect.any(String));
    const tags = new Map((doc.tags ?? []).map((tag) => [tag.name, tag.description]));
    for (const [path, method, operation] of operations()) {
      expect(operation.tags).toHaveLength(1);
      expect([`${method} ${path}`, tags.get(operation.tags![0])]).toEqual([
        `${method} ${path}`,
        expect.stringMatching(/\w/),
      ]);
    }
  });

  it('gives every operation a unique operationId, a summary and a description', () => {
    const ids = operations().map(([, , operation]) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [path, method, operation] of operations()) {
      expect([`${method} ${path}`, operation]).toEqual([
        `${method} ${path}`,
        expect.objectContaining({
          operationId: expect.stringMatching(/^\w+$/),
          summary: expect.stringMatching(/\w/),
          description: expect.stringMatching(/\w/),
        }),
      ]);
    }
  });

  it('documents every operation, each with the errors it can answer', () => {
    const documented = Object.fromEntries(
      operations().map(([path, method, operation]) => [
        `${method} ${path}`,
        Object.keys(operation.responses)
          .map(Number)
          .filter((code) => code >= 400),
      ]),
    );
    const expected = Object.fromEntries(
      Object.entries(ERRORS).map(([operation, { errors }]) => [operation, errors]),
    );
    expect(documented).toStrictEqual(expected);
  });

  it('documents every error answer with the body Lapse sends, and an example of it', () => {
    for (const [path, method, operation] of operations()) {
      for (const [code, response] of Object.entries(operation.responses)) {
        if (Number(code) < 400) continue;
        const where = `${method} ${path} ${code}`;
        const media = response.content?.['application/json'];
        const schema = OTHER_ERROR_BODIES[where] ?? 'ErrorResponseDto';
        expect([where, media?.schema]).toEqual([where, { $ref: `#/components/schemas/${schema}` }]);
        if (schema !== 'ErrorResponseDto') {
          expect([where, media?.example ?? media?.examples]).toEqual([where, expect.anything()]);
          continue;
        }
        expect([where, media?.example]).toEqual([
          where,
          { statusCode: Number(code), message: expect.anything(), error: expect.any(String) },
        ]);
      }
    }
    // The error body, as AllExceptionsFilter sends it.
    const error = doc.components?.schemas?.ErrorResponseDto;
    expect(error).toMatchObject({
      type: 'object',
      required: ['statusCode', 'message', 'error'],
      properties: {
        statusCode: { type: 'integer' },
        message: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
        error: { type: 'string' },
      },
    });
  });

  it('documents the headers of a 401 (WWW-Authenticate) and a 429 (Retry-After)', () => {
    for (const [, , operation] of operations()) {
      const { 401: unauthorized, 429: tooMany } = operation.responses;
      if (unauthorized) expect(unauthorized.headers).toHaveProperty(['WWW-Authenticate']);
      if (tooMany) expect(tooMany.headers).toHaveProperty(['Retry-After']);
    }
  });

  it('types data as any JSON value: no type, so generated clients say unknown', () => {
    const data = schemasOf(doc).filter(([where]) => /\.data$/.test(where));
    expect(data.map(([where]) => where)).toEqual(
      expect.arrayContaining([
        'PutResourceDto.data',
        'ResourceResponseDto.data',
        'MsetItemDto.data',
        'TrackInteractionDto.data',
        'CompatFoundDto.data',
        'post /track_interaction body application/json.data',
      ]),
    );
    for (const [where, schema] of data) {
      expect([where, typesOf(doc, schema)]).toStrictEqual([where, []]);
    }
  });

  it('types counts, TTLs and limits as integers, and times as date-times', () => {
    const problems: string[] = [];
    for (const [where, schema] of schemasOf(doc)) {
      const name = /([A-Za-z]+)$/.exec(where)?.[1] ?? '';
      if (INTEGERS.has(name) && schema.type !== 'integer')
        problems.push(`${where}: ${schema.type}`);
      // The one number that is not a count.
      if (schema.type === 'number' && name !== 'hitRatio') problems.push(`${where}: number`);
      const isTime = typeof schema.example === 'string' && ISO_TIME.test(schema.example);
      if (isTime !== (schema.format === 'date-time')) {
        problems.push(`${where}: format ${schema.format}, example ${String(schema.example)}`);
      }
    }
    expect(problems).toStrictEqual([]);
    expect(doc.components?.schemas?.ResourceResponseDto.properties).toMatchObject({
      ttl: { type: 'integer' },
      createdAt: { type: 'string', format: 'date-time' },
      expiresAt: { type: 'string', format: 'date-time' },
    });
  });

  it('gives the original routes the bodies they answer', () => {
    const answer = (path: string, method: string) =>
      doc.paths[path][method].responses['200'].content?.['application/json'];
    const refs = (...names: string[]) => ({
      oneOf: names.map((name) => ({ $ref: `#/components/schemas/${name}` })),
    });
    expect(answer('/get_cached_resource', 'get')?.schema).toStrictEqual(
      refs('CompatFoundDto', 'CompatFailureDto'),
    );
    expect(answer('/track_interaction', 'post')?.schema).toStrictEqual(
      refs('CompatCachedDto', 'CompatFailureDto'),
    );
    expect(doc.components?.schemas?.CompatFailureDto).toMatchObject({
      required: ['status', 'message'],
      properties: { status: { enum: ['failure'] }, message: { type: 'string' } },
    });
  });

  it('shows no lock without API_KEYS: no requirement, no scheme', () => {
    expect(doc.security).toStrictEqual([]);
    expect(doc.components?.securitySchemes).toBeUndefined();
    for (const [, , operation] of operations()) expect(operation.security).toBeUndefined();
    // The decorators' marks are read, then removed.
    expect(JSON.stringify(doc)).not.toMatch(/x-lapse/);
  });

  it('documents DELETE /resources/{id} as 204 No Content', () => {
    expect(Object.keys(doc.paths['/resources/{id}'].delete.responses)).toContain('204');
  });
});

/** An operation of the document, called without a key: its path parameters filled in. */
function callWithoutKey(http: Http, path: string, method: string) {
  const url = path.replace(/\{[^}]+\}/g, 'no-such-id');
  return http()[method as 'get' | 'post' | 'put' | 'delete'](url);
}

describe.each([
  { AUTH_READS: 'false', authReads: false },
  { AUTH_READS: 'true', authReads: true },
])('API documentation with API_KEYS and AUTH_READS=$AUTH_READS', ({ AUTH_READS, authReads }) => {
  // The document does not depend on the store: the memory store only.
  const { http } = useTestApp(() => ({ API_KEYS: 'doc-key', AUTH_READS }));
  let doc: OpenApiDocument;

  beforeAll(async () => {
    doc = (await http().get('/docs-json').expect(200)).body as OpenApiDocument;
  });

  it('describes the keys as they are: plain keys, in a bearer header or X-API-Key', () => {
    const { bearer, apiKey } = doc.components?.securitySchemes ?? {};
    expect(bearer).toStrictEqual({
      type: 'http',
      scheme: 'bearer',
      description: expect.stringContaining('not a JWT'),
    });
    expect(apiKey).toStrictEqual({
      type: 'apiKey',
      in: 'header',
      name: 'X-API-Key',
      description: expect.any(String),
    });
    // Either will do.
    expect(doc.security).toStrictEqual([{ bearer: [] }, { apiKey: [] }]);
  });

  it('locks exactly the operations that need a key here', () => {
    for (const [path, method, operation] of operationsOf(doc)) {
      const { access } = ERRORS[`${method} ${path}`];
      // No requirement of its own: the document's, a key.
      const locked = operation.security === undefined;
      expect([`${method} ${path}`, locked]).toStrictEqual([
        `${method} ${path}`,
        needsKey(access, authReads),
      ]);
      if (!locked) expect(operation.security).toStrictEqual([]);
    }
  });

  it('locks what the guard refuses without a key, and only that', async () => {
    for (const [path, method, operation] of operationsOf(doc)) {
      const res = await callWithoutKey(http, path, method);
      expect([`${method} ${path}`, res.status === 401]).toStrictEqual([
        `${method} ${path}`,
        operation.security === undefined,
      ]);
    }
  });

  it('differs from the default document only in its locks', () => {
    const committed = JSON.parse(readFileSync(OPENAPI_JSON, 'utf8')) as OpenApiDocument;
    const withoutLocks = (document: OpenApiDocument) => {
      const copy = structuredClone(document);
      delete copy.security;
      delete copy.components?.securitySchemes;
      for (const [, , operation] of operationsOf(copy)) delete operation.security;
      return copy;
    };
    expect(withoutLocks(doc)).toStrictEqual(withoutLocks(committed));
  });
});
