import { readFileSync } from 'node:fs';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { createLapseClient } from '../clients/typescript/src';
import type {
  ErrorBody,
  Interaction,
  InteractionSummary,
  JsonValue,
  LapseClient,
  LapseClientOptions,
  PutResource,
  Resource,
  ResourceSummary,
  Schemas,
  Stats,
  TopResource,
} from '../clients/typescript/src';
import { INVALID_KEY, MISSING_KEY } from '../src/security/api-key.guard';
import { storeTargets } from './helpers/stores';
import { startTestApp, useTestApps } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

/**
 * Drives a running Lapse through the typed client of clients/typescript only:
 * every operation of openapi.json, and error answers read through their typed
 * bodies. The typing is checked where it matters, by the compiler: `same`
 * fails the suite's compilation when a body is not of the type named, and
 * each `@ts-expect-error` when the client would accept what Lapse refuses.
 */

/** Compiles only when A and B are the same type. */
type Same<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(proof: Same<A, B>): boolean => proof;

/** What every call of the client answers. */
interface Answer {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/** The typed body of a successful answer; any other answer fails with what came back. */
async function ok<A extends Answer>(
  call: Promise<A>,
  status: number,
): Promise<NonNullable<A['data']>> {
  const { data, error, response } = await call;
  expect({ status: response.status, error }).toEqual({ status, error: undefined });
  return data as NonNullable<A['data']>;
}

/** The typed error body of an answer with `status`. */
async function failed<A extends Answer>(
  call: Promise<A>,
  status: number,
): Promise<NonNullable<A['error']>> {
  const { data, error, response } = await call;
  expect({ status: response.status, data }).toEqual({ status, data: undefined });
  return error as NonNullable<A['error']>;
}

/** The README's example bodies: each must compile as a `PUT` body. */
const README_BODIES = {
  object: { data: { text: 'hello' }, ttl: 60, tags: ['demo'] },
  string: { data: '<cached page>' },
  array: { data: [1, 2] },
} satisfies Record<string, PutResource>;

/** What the client must refuse to compile (never called: the compiler is the test). */
export function refusedCalls(client: LapseClient): unknown[] {
  return [
    // @ts-expect-error: `data` is required
    client.PUT('/resources/{id}', { params: { path: { id: 'a' } }, body: { ttl: 60 } }),
    // @ts-expect-error: `ttl` is a number of seconds
    client.PUT('/resources/{id}', { params: { path: { id: 'a' } }, body: { data: 1, ttl: '60' } }),
    // @ts-expect-error: a path Lapse does not serve
    client.GET('/resource/{id}', { params: { path: { id: 'a' } } }),
    // @ts-expect-error: the path parameter is required
    client.GET('/resources/{id}'),
    // @ts-expect-error: `interval` is minute or hour
    client.GET('/stats/series', { params: { query: { interval: 'day' } } }),
  ];
}

/** The README's example, line for line but its import (checked below): it must compile. */
export async function readmeExample(): Promise<[Resource | undefined, ErrorBody | undefined]> {
  const lapse = createLapseClient({ baseUrl: 'http://localhost:3000', apiKey: 'my-key' });
  const greeting = { params: { path: { id: 'greeting' } } };
  await lapse.PUT('/resources/{id}', { ...greeting, body: { data: { text: 'hello' }, ttl: 60 } });
  const { data, error } = await lapse.GET('/resources/{id}', greeting); // Resource | ErrorBody
  return [data, error];
}

/** Every operation of openapi.json, as `METHOD /path`, with the statuses it documents. */
const DOCUMENTED = new Map(
  Object.entries(
    (
      JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8')) as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      }
    ).paths,
  ).flatMap(([path, item]) =>
    Object.entries(item).map(
      ([method, operation]) =>
        [`${method.toUpperCase()} ${path}`, Object.keys(operation.responses)] as const,
    ),
  ),
);

describe.each(storeTargets)('The typed client ($name store)', ({ env }) => {
  /** `METHOD /path status` of every answer the clients got. */
  const answered = new Set<string>();
  const boot = useTestApps(env, { listen: true });

  /** A client of `app` that records what it is answered. */
  function clientOf(app: TestApp, options: Omit<LapseClientOptions, 'baseUrl'> = {}): LapseClient {
    const { port } = (app.app.getHttpServer() as unknown as Server).address() as AddressInfo;
    const client = createLapseClient({ baseUrl: `http://127.0.0.1:${port}`, ...options });
    client.use({
      onResponse: ({ request, schemaPath, response }) => {
        answered.add(`${request.method} ${schemaPath} ${response.status}`);
      },
    });
    return client;
  }

  // One app for the whole block, its state carried from test to test.
  let app: TestApp | undefined;
  let client: LapseClient;
  beforeAll(async () => {
    app = await startTestApp(env(), { listen: true });
    client = clientOf(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  const path = (id: string) => ({ params: { path: { id } } });

  describe('resources', () => {
    it('writes the README bodies (201, then 200) and reads them back typed, URL ids included', async () => {
      const created = await ok(
        client.PUT('/resources/{id}', { ...path('greeting'), body: README_BODIES.object }),
        201,
      );
      expect(same<typeof created, Resource>(true)).toBe(true);
      expect(created).toMatchObject({ id: 'greeting', data: { text: 'hello' }, tags: ['demo'] });
      expect(created.ttl).toBe(60);
      expect(Date.parse(created.expiresAt)).toBeGreaterThan(Date.parse(created.createdAt));

      const url = 'https://example.com/a?b=c#d';
      await ok(client.PUT('/resources/{id}', { ...path(url), body: README_BODIES.string }), 201);
      await ok(client.PUT('/resources/{id}', { ...path('array'), body: README_BODIES.array }), 201);
      const replaced = await ok(
        client.PUT('/resources/{id}', { ...path('array'), body: { data: [1, 2, 3] } }),
        200,
      );
      expect(replaced.tags).toEqual([]);

      const page = await ok(client.GET('/resources/{id}', path(url)), 200);
      const data: JsonValue = page.data;
      expect(data).toBe('<cached page>');
      expect(page.id).toBe(url);
      expect((await ok(client.GET('/resources/{id}', path('array')), 200)).data).toEqual([1, 2, 3]);
    });

    it('answers 304 to If-None-Match (a typed header parameter) with no body', async () => {
      const { response } = await client.GET('/resources/{id}', path('greeting'));
      const etag = response.headers.get('etag') ?? '';
      expect(etag).toMatch(/^"/);
      const again = await client.GET('/resources/{id}', {
        params: { path: { id: 'greeting' }, header: { 'If-None-Match': etag } },
        // Else fetch adds `Cache-Control: no-cache` to a request with validators,
        // and Lapse answers such a request in full.
        cache: 'no-cache',
      });
      expect(again.response.status).toBe(304);
      expect(again.data).toBeUndefined();
    });

    it('touches a resource (200) and answers 404 for an absent one', async () => {
      const touched = await ok(
        client.POST('/resources/{id}/touch', { ...path('greeting'), body: { ttl: 300 } }),
        200,
      );
      expect(same<typeof touched, Resource>(true)).toBe(true);
      expect(touched.ttl).toBe(300);
      expect(touched.data).toEqual({ text: 'hello' });
      await ok(client.POST('/resources/{id}/touch', { ...path('greeting'), body: {} }), 200);

      const error = await failed(
        client.POST('/resources/{id}/touch', { ...path('absent'), body: {} }),
        404,
      );
      expect(same<typeof error, ErrorBody>(true)).toBe(true);
      expect(error).toEqual({
        statusCode: 404,
        message: 'Resource "absent" not found or expired',
        error: 'Not Found',
      });
    });

    it('writes and reads many at once (_mset, _mget)', async () => {
      const written = await ok(
        client.POST('/resources/_mset', {
          body: {
            items: [
              { id: 'list-a', data: { n: 1 }, tags: ['batch'] },
              { id: 'list-b', data: 'two', ttl: 120, tags: ['batch'] },
              { id: 'list-c', data: 3 },
            ],
          },
        }),
        200,
      );
      expect(same<typeof written.items, Resource[]>(true)).toBe(true);
      expect(written.items.map((item) => item.id)).toEqual(['list-a', 'list-b', 'list-c']);

      const read = await ok(
        client.POST('/resources/_mget', { body: { ids: ['list-b', 'nowhere', 'list-a'] } }),
        200,
      );
      expect(read.items.map(({ id, data }) => [id, data])).toEqual([
        ['list-b', 'two'],
        ['list-a', { n: 1 }],
      ]);
      expect(read.missing).toEqual(['nowhere']);
    });

    it('lists by prefix and tag, a page at a time', async () => {
      const first = await ok(
        client.GET('/resources', { params: { query: { prefix: 'list-', limit: 2 } } }),
        200,
      );
      expect(same<typeof first.items, ResourceSummary[]>(true)).toBe(true);
      expect(first.items.map((item) => item.id)).toEqual(['list-a', 'list-b']);
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = await ok(
        client.GET('/resources', {
          params: { query: { prefix: 'list-', limit: 2, cursor: first.nextCursor ?? undefined } },
        }),
        200,
      );
      expect(second.items.map((item) => item.id)).toEqual(['list-c']);
      expect(second.nextCursor).toBeNull();

      const tagged = await ok(
        client.GET('/resources', { params: { query: { tag: 'batch' } } }),
        200,
      );
      expect(tagged.items.map((item) => item.id)).toEqual(['list-a', 'list-b']);
    });

    it('deletes (204), conditionally (412 when If-Match fails), and then answers 404', async () => {
      const error = await failed(
        client.DELETE('/resources/{id}', {
          params: { path: { id: 'array' }, header: { 'If-Match': '"not-its-etag"' } },
        }),
        412,
      );
      expect(error.statusCode).toBe(412);
      expect(error.error).toBe('Precondition Failed');

      const { response } = await client.DELETE('/resources/{id}', path('array'));
      expect(response.status).toBe(204);
      const gone = await failed(client.GET('/resources/{id}', path('array')), 404);
      expect(same<typeof gone, ErrorBody>(true)).toBe(true);
      expect(gone.message).toBe('Resource "array" not found or expired');
      await failed(client.DELETE('/resources/{id}', path('array')), 404);
    });

    it('answers 412 to a create-only PUT (If-None-Match: *) of a live resource', async () => {
      const error = await failed(
        client.PUT('/resources/{id}', {
          params: { path: { id: 'greeting' }, header: { 'If-None-Match': '*' } },
          body: { data: 'again' },
        }),
        412,
      );
      expect(error.statusCode).toBe(412);
    });

    it('answers 400 to a bad body, the message typed and naming the field', async () => {
      const error = await failed(
        client.PUT('/resources/{id}', { ...path('greeting'), body: { data: 1, ttl: 0 } }),
        400,
      );
      const message: string | string[] = error.message;
      expect(message).toEqual(['ttl must not be less than 1']);
      expect(error.error).toBe('Bad Request');

      const mixed = await failed(
        client.POST('/resources/_mset', { body: { items: [{ id: 'ok', data: 1, ttl: -5 }] } }),
        400,
      );
      expect(mixed.message).toEqual(['items.0.ttl must not be less than 1']);
    });

    it('purges by tag, by prefix and all (200 with the count); neither is a 400', async () => {
      const byTag = await ok(
        client.DELETE('/resources', { params: { query: { tag: 'batch' } } }),
        200,
      );
      expect(byTag).toEqual({ deleted: 2 });
      const byPrefix = await ok(
        client.DELETE('/resources', { params: { query: { prefix: 'list-' } } }),
        200,
      );
      expect(byPrefix.deleted).toBe(1);
      const neither = await failed(client.DELETE('/resources'), 400);
      expect(neither.statusCode).toBe(400);
      const all = await ok(
        client.DELETE('/resources', { params: { query: { all: 'true' } } }),
        200,
      );
      expect(all.deleted).toBe(2);
      expect((await ok(client.GET('/resources'), 200)).items).toEqual([]);
    });
  });

  describe('interactions', () => {
    it('records (201), sums up, series and top list, all typed', async () => {
      const recorded = await ok(
        client.POST('/interactions', { body: { resourceId: 'post', type: 'click' } }),
        201,
      );
      expect(same<typeof recorded, Interaction>(true)).toBe(true);
      expect(recorded).toEqual({ resourceId: 'post', type: 'click', total: 1 });
      const withData = await ok(
        client.POST('/interactions', { body: { resourceId: 'post', data: [1, 2], ttl: 30 } }),
        201,
      );
      expect(withData).toEqual({ resourceId: 'post', type: 'view', total: 2 });
      expect((await ok(client.GET('/resources/{id}', path('post')), 200)).data).toEqual([1, 2]);

      const summary = await ok(
        client.GET('/interactions/{resourceId}', { params: { path: { resourceId: 'post' } } }),
        200,
      );
      expect(same<typeof summary, InteractionSummary>(true)).toBe(true);
      expect(summary).toMatchObject({
        resourceId: 'post',
        total: 2,
        byType: { click: 1, view: 1 },
      });

      const series = await ok(
        client.GET('/interactions/{resourceId}/series', {
          params: { path: { resourceId: 'post' }, query: { interval: 'minute', from: '-5m' } },
        }),
        200,
      );
      expect(series.interval).toBe('minute');
      expect(series.points.reduce((sum, point) => sum + point.total, 0)).toBe(2);

      const top = await ok(client.GET('/interactions', { params: { query: { limit: 5 } } }), 200);
      expect(same<typeof top, TopResource[]>(true)).toBe(true);
      expect(top.map(({ resourceId, total }) => ({ resourceId, total }))).toEqual([
        { resourceId: 'post', total: 2 },
      ]);
      const recent = await ok(
        client.GET('/interactions', { params: { query: { since: '-1h' } } }),
        200,
      );
      expect(recent[0]?.resourceId).toBe('post');
    });

    it('answers 404 for a resource never tracked, 400 for a bad window', async () => {
      const never = await failed(
        client.GET('/interactions/{resourceId}', { params: { path: { resourceId: 'never' } } }),
        404,
      );
      expect(never.statusCode).toBe(404);
      const window = await failed(
        client.GET('/interactions', { params: { query: { since: 'yesterday' } } }),
        400,
      );
      expect(window.error).toBe('Bad Request');
    });
  });

  describe('stats, health and metrics', () => {
    it('answers the counters and their series', async () => {
      const stats = await ok(client.GET('/stats'), 200);
      expect(same<typeof stats, Stats>(true)).toBe(true);
      expect(stats.interactions).toBe(2);
      expect(stats.hits).toBeGreaterThan(0);
      const series = await ok(
        client.GET('/stats/series', { params: { query: { interval: 'hour', from: '-1h' } } }),
        200,
      );
      expect(same<typeof series, Schemas['StatsSeriesResponseDto']>(true)).toBe(true);
      expect(series.points.reduce((sum, point) => sum + point.interactions, 0)).toBe(2);
    });

    it('answers the probes and the metrics (as text)', async () => {
      expect((await ok(client.GET('/health'), 200)).status).toBe('ok');
      const ready = await ok(client.GET('/health/ready'), 200);
      expect(ready.details.store?.status).toBe('up');
      const metrics = await ok(client.GET('/metrics', { parseAs: 'text' }), 200);
      expect(same<typeof metrics, string>(true)).toBe(true);
      expect(metrics).toContain('lapse_store_up 1');
    });
  });

  describe('the original routes', () => {
    it('caches and reads back with their own bodies', async () => {
      const cached = await ok(
        client.POST('/track_interaction', { body: { id: 'a', data: [1, 2] } }),
        200,
      );
      expect(cached).toEqual({ status: 'success', message: 'Resource cached successfully.' });
      const found = await ok(
        client.GET('/get_cached_resource', { params: { query: { id: 'a' } } }),
        200,
      );
      // The failure body has no `data`: narrowing on it is typed.
      expect('data' in found ? found.data : found.message).toEqual([1, 2]);
      const missing = await ok(
        client.GET('/get_cached_resource', { params: { query: { id: 'b' } } }),
        200,
      );
      expect(missing).toEqual({ status: 'failure', message: 'Resource not found or expired.' });
    });
  });

  describe('GET /fetch', () => {
    it('reads a URL id without encoding it into the path (200), and answers 404 for one not cached', async () => {
      const url = 'https://api.example.com/users/1';
      await ok(
        client.PUT('/resources/{id}', { params: { path: { id: url } }, body: { data: { n: 1 } } }),
        201,
      );
      const read = await ok(client.GET('/fetch', { params: { query: { url } } }), 200);
      expect(read).toMatchObject({ id: url, data: { n: 1 } });
      const absent = await failed(
        client.GET('/fetch', { params: { query: { url: 'https://api.example.com/none' } } }),
        404,
      );
      expect(absent.statusCode).toBe(404);
    });
  });

  describe('limits and keys', () => {
    it('answers 401 without a key or with a wrong one, and serves the right one', async () => {
      const keyed = await boot({ API_KEYS: 'alpha-key', AUTH_READS: 'true' });
      const anonymous = clientOf(keyed);
      const missing = await failed(
        anonymous.PUT('/resources/{id}', { ...path('k'), body: { data: 1 } }),
        401,
      );
      expect(same<typeof missing, ErrorBody>(true)).toBe(true);
      expect(missing.message).toBe(MISSING_KEY);
      const read = await failed(anonymous.GET('/resources/{id}', path('k')), 401);
      expect(read.message).toBe(MISSING_KEY);

      const wrong = await failed(clientOf(keyed, { apiKey: 'beta-key' }).GET('/stats'), 401);
      expect(wrong.message).toBe(INVALID_KEY);

      const right = clientOf(keyed, { apiKey: 'alpha-key' });
      await ok(right.PUT('/resources/{id}', { ...path('k'), body: { data: 1 } }), 201);
      expect((await ok(right.GET('/resources/{id}', path('k')), 200)).data).toBe(1);
      // Probes never need a key.
      await ok(anonymous.GET('/health'), 200);
    });

    it("answers 413 to a body over BODY_LIMIT, in each route family's own body", async () => {
      const small = clientOf(await boot({ BODY_LIMIT: '1kb' }));
      const big = 'x'.repeat(2048);
      const error = await failed(
        small.PUT('/resources/{id}', { ...path('big'), body: { data: big } }),
        413,
      );
      expect(same<typeof error, ErrorBody>(true)).toBe(true);
      expect(error.statusCode).toBe(413);

      // The original route answers its own failure body, and the type says so.
      const original = await failed(
        small.POST('/track_interaction', { body: { id: 'big', data: big } }),
        413,
      );
      expect(same<typeof original, ErrorBody | Schemas['CompatFailureDto']>(true)).toBe(true);
      expect(original).toEqual({ status: 'failure', message: 'Invalid data provided.' });
    });

    it('answers 415 to a compressed body', async () => {
      const error = await failed(
        client.POST('/interactions', {
          body: { resourceId: 'post' },
          headers: { 'Content-Encoding': 'gzip' },
        }),
        415,
      );
      expect(error.statusCode).toBe(415);
    });

    it('answers 409 to a type beyond TRACKING_MAX_TYPES', async () => {
      const bounded = clientOf(await boot({ TRACKING_MAX_TYPES: '1' }));
      await ok(bounded.POST('/interactions', { body: { resourceId: 'r' } }), 201);
      const error = await failed(
        bounded.POST('/interactions', { body: { resourceId: 'r', type: 'like' } }),
        409,
      );
      expect(same<typeof error, ErrorBody>(true)).toBe(true);
      expect(error.error).toBe('Conflict');
    });

    it('answers 429 with Retry-After once THROTTLE_LIMIT is spent', async () => {
      const throttled = clientOf(await boot({ THROTTLE_LIMIT: '1', THROTTLE_TTL: '30' }));
      await ok(throttled.GET('/stats'), 200);
      const { error, response } = await throttled.GET('/stats');
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(error?.error).toBe('Too Many Requests');
    });
  });

  it('called every operation of openapi.json, and got only documented statuses', () => {
    const called = new Set([...answered].map((line) => line.replace(/ \d+$/, '')));
    expect([...DOCUMENTED.keys()].filter((operation) => !called.has(operation))).toEqual([]);
    const undocumented = [...answered].filter((line) => {
      const [method, route, status] = line.split(' ');
      return !DOCUMENTED.get(`${method} ${route}`)?.includes(status);
    });
    expect(undocumented).toEqual([]);
  });
});

describe("The README's example", () => {
  it('is the code compiled above', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const example = /```ts\nimport \{ createLapseClient \} from '@lapse\/client';\n([^`]*)```/.exec(
      readme,
    )?.[1];
    const source = readFileSync(__filename, 'utf8');
    expect(
      example
        ?.trim()
        .split('\n')
        .filter((line) => !source.includes(line)),
    ).toEqual([]);
  });
});
