import { storeTargets } from './helpers/stores';
import { useTestApp } from './helpers/test-app';

/** The parts of an OpenAPI 3 document these tests read. */
interface Schema {
  $ref?: string;
  type?: string;
  example?: unknown;
  examples?: unknown;
  properties?: Record<string, Schema>;
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

interface Operation {
  deprecated?: boolean;
  requestBody?: { content?: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Every route the service serves, by OpenAPI path. */
const ROUTES: Record<string, string[]> = {
  '/resources/{id}': ['put', 'get', 'delete'],
  '/resources/{id}/touch': ['post'],
  '/interactions': ['post', 'get'],
  '/interactions/{resourceId}': ['get'],
  '/stats': ['get'],
  '/get_cached_resource': ['get'],
  '/track_interaction': ['post'],
};

describe.each(storeTargets)('API documentation ($name store)', ({ env }) => {
  const { http } = useTestApp(() => ({ ...env() }));
  let doc: OpenApiDocument;

  beforeAll(async () => {
    const res = await http().get('/docs-json').expect(200);
    doc = res.body as OpenApiDocument;
  });

  /** Follows `#/components/schemas/...` references to the schema itself. */
  const resolve = (schema: Schema): Schema => {
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
  };

  const operations = (): [string, string, Operation][] =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => HTTP_METHODS.includes(method))
        .map(([method, operation]): [string, string, Operation] => [path, method, operation]),
    );

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
      const schema = resolve(media.schema);
      if (schema.example !== undefined || schema.examples !== undefined) continue;
      const properties = Object.entries(schema.properties ?? {});
      if (properties.length === 0) {
        missing.push(`${method} ${path}: no example and no properties`);
        continue;
      }
      for (const [property, propertySchema] of properties) {
        const resolved = resolve(propertySchema);
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
        resolve(schema.items ?? schema);
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

  it('documents DELETE /resources/{id} as 204 No Content', () => {
    expect(Object.keys(doc.paths['/resources/{id}'].delete.responses)).toContain('204');
  });
});
