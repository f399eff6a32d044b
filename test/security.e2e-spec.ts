import type { Response, Test } from 'supertest';
import { storeTargets } from './helpers/stores';
import { useTestApp, useTestApps } from './helpers/test-app';
import type { Http, TestApp } from './helpers/test-app';
import { sleep } from './helpers/time';

const ALPHA = 'alpha-key';
const BETA = 'beta-key';
const API_KEYS = `${ALPHA},${BETA}`;

type Client = ReturnType<Http>;
type Headers = Record<string, string>;

const bearer = (key: string): Headers => ({ Authorization: `Bearer ${key}` });
const xApiKey = (key: string): Headers => ({ 'X-API-Key': key });

/** The resource the API-key suites guard, as written before each test. */
const GUARDED = 'guarded';
const GUARDED_DATA = { v: 1 };
const GUARDED_TAGS = ['kept'];

interface Route {
  route: string;
  send: (client: Client) => Test;
  /** The status of a successful call (on the state written before each test). */
  ok: number;
}

/** Every route that changes state, each aimed at the guarded resource. */
const WRITES: Route[] = [
  {
    route: 'PUT /resources/:id',
    send: (c) => c.put(`/resources/${GUARDED}`).send({ data: { v: 2 }, tags: ['changed'] }),
    ok: 200,
  },
  { route: 'DELETE /resources/:id', send: (c) => c.delete(`/resources/${GUARDED}`), ok: 204 },
  {
    route: 'POST /resources/:id/touch',
    send: (c) => c.post(`/resources/${GUARDED}/touch`).send({ ttl: 9999 }),
    ok: 200,
  },
  {
    route: 'POST /interactions',
    send: (c) =>
      c.post('/interactions').send({ resourceId: GUARDED, type: 'click', data: { v: 3 } }),
    ok: 201,
  },
  {
    route: 'POST /track_interaction',
    send: (c) => c.post('/track_interaction').send({ id: GUARDED, data: { v: 4 } }),
    ok: 200,
  },
  {
    route: 'POST /resources/_mset',
    send: (c) =>
      c.post('/resources/_mset').send({
        items: [
          { id: GUARDED, data: 5 },
          { id: 'guarded-new', data: 6 },
        ],
      }),
    ok: 200,
  },
  {
    route: 'DELETE /resources?prefix=',
    send: (c) => c.delete('/resources').query({ prefix: 'guard' }),
    ok: 200,
  },
  {
    route: 'DELETE /resources?tag=',
    send: (c) => c.delete('/resources').query({ tag: 'kept' }),
    ok: 200,
  },
  {
    route: 'DELETE /resources?all=true',
    send: (c) => c.delete('/resources').query({ all: 'true' }),
    ok: 200,
  },
];

/** Every read (routes that change nothing), each aimed at the guarded resource. */
const READS: Route[] = [
  { route: 'GET /resources/:id', send: (c) => c.get(`/resources/${GUARDED}`), ok: 200 },
  { route: 'HEAD /resources/:id', send: (c) => c.head(`/resources/${GUARDED}`), ok: 200 },
  { route: 'GET /resources', send: (c) => c.get('/resources').query({ prefix: 'g' }), ok: 200 },
  {
    route: 'POST /resources/_mget',
    send: (c) => c.post('/resources/_mget').send({ ids: [GUARDED, 'absent'] }),
    ok: 200,
  },
  { route: 'GET /interactions', send: (c) => c.get('/interactions'), ok: 200 },
  { route: 'GET /interactions/:id', send: (c) => c.get(`/interactions/${GUARDED}`), ok: 200 },
  { route: 'GET /stats', send: (c) => c.get('/stats'), ok: 200 },
  {
    route: 'GET /get_cached_resource',
    send: (c) => c.get('/get_cached_resource').query({ id: GUARDED }),
    ok: 200,
  },
  { route: 'GET /metrics', send: (c) => c.get('/metrics'), ok: 200 },
];

/** Probes that never need a key. */
const PROBES = ['/health', '/health/ready'];

/** A JSON error body with the status and a message, and no stack trace. */
function expectErrorBody(res: Response, status: number): void {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toMatchObject({ statusCode: status, message: expect.any(String) });
  expect(res.body).not.toHaveProperty('stack');
  expect(res.text).not.toMatch(/\n\s+at .+:\d+/);
  expect(res.text).not.toContain('node_modules');
}

/** A 401 for a missing key (`invalid: false`) or a wrong one (`invalid: true`). */
function expectUnauthorized(res: Response, invalid: boolean): void {
  expect(res.status).toBe(401);
  const challenge = res.headers['www-authenticate'] as string | undefined;
  expect(challenge).toMatch(/^Bearer\b/);
  if (invalid) expect(challenge).toContain('error="invalid_token"');
  else expect(challenge).not.toContain('invalid_token');
}

describe.each(storeTargets)('API keys ($name store)', ({ env }) => {
  describe('with API_KEYS set: writes need a key, reads do not', () => {
    const { http } = useTestApp(() => ({ ...env(), API_KEYS }));
    let guardedExpiresAt: string;

    beforeAll(async () => {
      await http()
        .post('/interactions')
        .set(bearer(ALPHA))
        .send({ resourceId: GUARDED, type: 'view' })
        .expect(201);
    });
    beforeEach(async () => {
      const put = await http()
        .put(`/resources/${GUARDED}`)
        .set(bearer(ALPHA))
        .send({ data: GUARDED_DATA, tags: GUARDED_TAGS, ttl: 600 });
      expect([200, 201]).toContain(put.status);
      guardedExpiresAt = put.body.expiresAt as string;
      const cleanup = await http().delete('/resources/guarded-new').set(bearer(ALPHA));
      expect([204, 404]).toContain(cleanup.status);
    });

    /** Everything a write could change, read through the API without changing anything. */
    const snapshot = async () => {
      const stats = { ...(await http().get('/stats').expect(200)).body };
      delete stats.uptimeSeconds;
      const list = (await http().get('/resources').query({ limit: 1000 }).expect(200)).body;
      const top = (await http().get('/interactions').query({ limit: 1000 }).expect(200)).body;
      return {
        stats,
        // `ttl` counts down with the clock; `expiresAt` is what a write would move.
        resources: (list.items as Record<string, unknown>[]).map(({ id, tags, expiresAt }) => ({
          id,
          tags,
          expiresAt,
        })),
        top,
      };
    };

    /** The guarded resource still holds what was written before the test. */
    const expectGuardedUnchanged = async (interactionsBefore: unknown) => {
      const got = await http().get(`/resources/${GUARDED}`).expect(200);
      expect(got.body).toMatchObject({
        data: GUARDED_DATA,
        tags: GUARDED_TAGS,
        expiresAt: guardedExpiresAt,
      });
      await http().get('/resources/guarded-new').expect(404);
      const summary = await http().get(`/interactions/${GUARDED}`).expect(200);
      expect(summary.body).toEqual(interactionsBefore);
    };

    it.each(WRITES)(
      '$route without a key → 401 with a Bearer challenge and a JSON error, and nothing changes',
      async ({ send }) => {
        const interactions = (await http().get(`/interactions/${GUARDED}`).expect(200)).body;
        const before = await snapshot();
        const res = await send(http());
        expectUnauthorized(res, false);
        expectErrorBody(res, 401);
        expect(await snapshot()).toEqual(before);
        await expectGuardedUnchanged(interactions);
      },
    );

    it.each(
      WRITES.flatMap((write) => [
        { ...write, form: 'Authorization: Bearer', headers: bearer('wrong-key') },
        { ...write, form: 'X-API-Key', headers: xApiKey('wrong-key') },
      ]),
    )(
      '$route with a wrong key ($form) → 401 invalid_token, and nothing changes',
      async ({ send, headers }) => {
        const interactions = (await http().get(`/interactions/${GUARDED}`).expect(200)).body;
        const before = await snapshot();
        const res = await send(http()).set(headers);
        expectUnauthorized(res, true);
        expectErrorBody(res, 401);
        expect(await snapshot()).toEqual(before);
        await expectGuardedUnchanged(interactions);
      },
    );

    it.each([
      'alpha-ke',
      'alpha-keyx',
      'ALPHA-KEY',
      API_KEYS,
      `${ALPHA} ${BETA}`,
      'beta',
      'Bearer alpha-key',
    ])('rejects the near-miss key %p in either header (401), and nothing changes', async (key) => {
      const before = await snapshot();
      for (const headers of [{ Authorization: `Bearer ${key}` }, xApiKey(key)]) {
        const res = await http()
          .put(`/resources/${GUARDED}`)
          .set(headers)
          .send({ data: 'hijacked' });
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
      }
      expect(await snapshot()).toEqual(before);
    });

    it.each([
      ['no scheme', ALPHA],
      ['the Basic scheme', `Basic ${Buffer.from(`${ALPHA}:`).toString('base64')}`],
      ['Bearer without a token', 'Bearer '],
      ['the key as a Token scheme', `Token ${ALPHA}`],
    ])('does not read a key from an Authorization header with %s (401)', async (_case, value) => {
      const res = await http()
        .put(`/resources/${GUARDED}`)
        .set('Authorization', value)
        .send({ data: 'hijacked' });
      expectUnauthorized(res, false);
      const got = await http().get(`/resources/${GUARDED}`).expect(200);
      expect(got.body.data).toEqual(GUARDED_DATA);
    });

    it.each(WRITES.map((write, i) => ({ ...write, key: i % 2 === 0 ? ALPHA : BETA })))(
      '$route with a valid key ($key) → $ok',
      async ({ send, ok, key }) => {
        const res = await send(http()).set(xApiKey(key));
        expect(res.status).toBe(ok);
        expect(res.headers['www-authenticate']).toBeUndefined();
      },
    );

    it('the seed write with a valid key caches the data and records a view', async () => {
      const before = (await http().get(`/interactions/${GUARDED}`).expect(200)).body;
      await http()
        .post('/track_interaction')
        .set(bearer(BETA))
        .send({ id: GUARDED, data: { seeded: true } })
        .expect(200, { status: 'success', message: 'Resource cached successfully.' });
      const got = await http().get('/get_cached_resource').query({ id: GUARDED }).expect(200);
      expect(got.body).toEqual({ status: 'success', data: { seeded: true } });
      const after = (await http().get(`/interactions/${GUARDED}`).expect(200)).body;
      expect(after.total).toBe(before.total + 1);
    });

    it.each(
      [ALPHA, BETA].flatMap((key) => [
        { key, form: 'Authorization: Bearer', headers: { Authorization: `Bearer ${key}` } },
        { key, form: 'Authorization: bearer', headers: { Authorization: `bearer ${key}` } },
        { key, form: 'Authorization: BEARER', headers: { Authorization: `BEARER ${key}` } },
        { key, form: 'Authorization: BeArEr', headers: { Authorization: `BeArEr ${key}` } },
        { key, form: 'x-api-key', headers: { 'x-api-key': key } },
        { key, form: 'X-API-KEY', headers: { 'X-API-KEY': key } },
      ]),
    )('accepts $key through $form', async ({ key, form, headers }) => {
      const id = `accepted-${key}-${form.replace(/\W+/g, '-')}`;
      await http().put(`/resources/${id}`).set(headers).send({ data: { key } }).expect(201);
      const got = await http().get(`/resources/${id}`).expect(200);
      expect(got.body.data).toEqual({ key });
    });

    it.each(READS)('$route needs no key → $ok', async ({ send, ok }) => {
      const res = await send(http());
      expect(res.status).toBe(ok);
    });

    it.each(PROBES)('%s needs no key → 200', async (path) => {
      await http().get(path).expect(200);
    });

    it('serves the data written with a key to a keyless read', async () => {
      const got = await http().get('/get_cached_resource').query({ id: GUARDED }).expect(200);
      expect(got.body).toEqual({ status: 'success', data: GUARDED_DATA });
      const mget = await http()
        .post('/resources/_mget')
        .send({ ids: [GUARDED] })
        .expect(200);
      expect(mget.body.items).toEqual([
        expect.objectContaining({ id: GUARDED, data: GUARDED_DATA }),
      ]);
    });
  });

  describe('with API_KEYS and AUTH_READS=true: reads need a key too', () => {
    const { http } = useTestApp(() => ({ ...env(), API_KEYS, AUTH_READS: 'true' }));

    beforeAll(async () => {
      await http()
        .put(`/resources/${GUARDED}`)
        .set(bearer(ALPHA))
        .send({ data: GUARDED_DATA, tags: GUARDED_TAGS })
        .expect(201);
      await http()
        .post('/interactions')
        .set(bearer(ALPHA))
        .send({ resourceId: GUARDED })
        .expect(201);
    });

    it.each(READS)(
      '$route without a key → 401 with a Bearer challenge',
      async ({ route, send }) => {
        const res = await send(http());
        expectUnauthorized(res, false);
        if (!route.startsWith('HEAD')) expectErrorBody(res, 401);
      },
    );

    it.each(READS)('$route with a wrong key → 401 invalid_token', async ({ send }) => {
      expectUnauthorized(await send(http()).set(xApiKey('wrong-key')), true);
    });

    it.each(READS.map((read, i) => ({ ...read, key: i % 2 === 0 ? ALPHA : BETA })))(
      '$route with a valid key ($key) → $ok',
      async ({ send, ok, key }) => {
        expect((await send(http()).set(bearer(key))).status).toBe(ok);
      },
    );

    it('a keyless read leaks no data and counts no hit or miss', async () => {
      const before = (await http().get('/stats').set(bearer(ALPHA)).expect(200)).body;
      const res = await http().get(`/resources/${GUARDED}`).expect(401);
      expect(res.text).not.toContain('"v"');
      expect(res.headers.etag).toBeUndefined();
      await http().get('/resources/absent').expect(401);
      const after = (await http().get('/stats').set(bearer(ALPHA)).expect(200)).body;
      expect(after.hits).toBe(before.hits);
      expect(after.misses).toBe(before.misses);
    });

    it.each(PROBES)('%s still needs no key (and ignores a wrong one) → 200', async (path) => {
      await http().get(path).expect(200);
      await http().get(path).set(bearer('wrong-key')).expect(200);
    });

    it.each(WRITES)('$route still needs a key → 401', async ({ send }) => {
      expectUnauthorized(await send(http()), false);
    });
  });

  describe('without API_KEYS: nothing needs a key', () => {
    // AUTH_READS only applies with API_KEYS: on its own it must not lock anything.
    const { http } = useTestApp(() => ({ ...env(), AUTH_READS: 'true' }));

    beforeAll(async () => {
      await http().post('/interactions').send({ resourceId: GUARDED }).expect(201);
    });
    beforeEach(async () => {
      const put = await http()
        .put(`/resources/${GUARDED}`)
        .send({ data: GUARDED_DATA, tags: GUARDED_TAGS });
      expect([200, 201]).toContain(put.status);
    });

    it.each(WRITES)('$route without a key → $ok', async ({ send, ok }) => {
      const res = await send(http());
      expect(res.status).toBe(ok);
      expect(res.headers['www-authenticate']).toBeUndefined();
    });

    it.each(READS)('$route without a key → $ok', async ({ send, ok }) => {
      expect((await send(http())).status).toBe(ok);
    });

    it('ignores any key sent (even one that was never configured)', async () => {
      await http().put('/resources/any-key').set(bearer('whatever')).send({ data: 1 }).expect(201);
    });
  });
});

/** The parts of an OpenAPI 3 document these tests read. */
interface OpenApiDocument {
  security?: Record<string, string[]>[];
  components?: { securitySchemes?: Record<string, Record<string, unknown>> };
  paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
}

describe('API documentation of the security schemes', () => {
  // Documentation does not depend on the store (docs.e2e-spec checks every configuration's locks).
  const { http } = useTestApp(() => ({ API_KEYS, AUTH_READS: 'true' }));
  let doc: OpenApiDocument;

  beforeAll(async () => {
    doc = (await http().get('/docs-json').expect(200)).body;
  });

  it('declares an http bearer scheme and an apiKey scheme in the X-API-Key header', () => {
    const schemes = doc.components?.securitySchemes ?? {};
    expect(schemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(schemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
  });

  it.each([
    ['/resources/{id}', 'put'],
    ['/resources/{id}', 'delete'],
    ['/resources/{id}/touch', 'post'],
    ['/resources/_mset', 'post'],
    ['/resources', 'delete'],
    ['/interactions', 'post'],
    ['/track_interaction', 'post'],
  ])('lists either scheme as a security requirement of %s %s', (path, method) => {
    const operation = doc.paths[path]?.[method];
    expect(operation).toBeDefined();
    // An operation's own `security` replaces the document's; either applies here.
    const requirements = operation.security ?? doc.security ?? [];
    expect(requirements).toEqual(expect.arrayContaining([{ bearer: [] }, { apiKey: [] }]));
  });

  it.each(['/health', '/health/ready'])(
    'documents %s as open to requests without a key',
    (path) => {
      const operation = doc.paths[path]?.get;
      expect(operation).toBeDefined();
      // No requirement at all: no credentials needed, and no lock in Swagger UI.
      expect(operation.security).toEqual([]);
    },
  );

  it('serves Swagger UI at /docs without a key, even with AUTH_READS', async () => {
    const res = await http().get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/swagger-ui/i);
  });
});

describe.each(storeTargets)('rate limiting ($name store)', ({ store, env }) => {
  const boot = useTestApps();

  /** `count` GET /stats in a row, each expected to succeed. */
  const spend = async (app: TestApp, count: number, headers: Headers = {}) => {
    for (let i = 0; i < count; i++) {
      await app.http().get('/stats').set(headers).expect(200);
    }
  };
  const expectThrottled = (res: Response, ttlSeconds: number) => {
    expect(res.status).toBe(429);
    const retryAfter = res.headers['retry-after'] as string | undefined;
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(ttlSeconds);
  };

  it('answers 429 with Retry-After (1..TTL s) and a JSON error once THROTTLE_LIMIT is spent', async () => {
    const app = await boot({ ...env(), THROTTLE_LIMIT: '3', THROTTLE_TTL: '5' });
    await spend(app, 3);
    const res = await app.http().get('/stats');
    expectThrottled(res, 5);
    expectErrorBody(res, 429);
    expect(res.body.message).toBe(
      'Too many requests: at most 3 per 5 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)',
    );
    // Every route shares the one budget.
    expectThrottled(await app.http().get('/resources/any'), 5);
    expectThrottled(
      await app
        .http()
        .post('/resources/_mget')
        .send({ ids: ['a'] }),
      5,
    );
  });

  it('a throttled write changes nothing (any write route)', async () => {
    const app = await boot({ ...env(), API_KEYS, THROTTLE_LIMIT: '10', THROTTLE_TTL: '30' });
    const { http } = app;
    // ALPHA spends its whole budget on setting up the state...
    const put = await http()
      .put(`/resources/${GUARDED}`)
      .set(bearer(ALPHA))
      .send({ data: GUARDED_DATA, tags: GUARDED_TAGS, ttl: 600 })
      .expect(201);
    await http().post('/interactions').set(bearer(ALPHA)).send({ resourceId: GUARDED }).expect(201);
    await spend(app, 8, bearer(ALPHA));
    // ...and BETA reads the state with a budget of its own.
    const snapshot = async () => {
      const stats = { ...(await http().get('/stats').set(bearer(BETA)).expect(200)).body };
      delete stats.uptimeSeconds;
      const list = await http().get('/resources').set(bearer(BETA)).expect(200);
      const summary = await http().get(`/interactions/${GUARDED}`).set(bearer(BETA)).expect(200);
      return {
        stats,
        // `ttl` counts down with the clock; `expiresAt` is what a write would move.
        list: (list.body.items as Record<string, unknown>[]).map(({ id, tags, expiresAt }) => ({
          id,
          tags,
          expiresAt,
        })),
        summary: summary.body,
      };
    };
    const before = await snapshot();
    for (const { send } of WRITES) {
      const res = await send(http()).set(bearer(ALPHA));
      expectThrottled(res, 30);
      // The seed route too answers the standard JSON error, not its own failure body.
      expectErrorBody(res, 429);
    }
    expect(await snapshot()).toEqual(before);
    const got = await http().get(`/resources/${GUARDED}`).set(bearer(BETA)).expect(200);
    expect(got.body).toMatchObject({ data: GUARDED_DATA, expiresAt: put.body.expiresAt });
  });

  it('gives each API key its own budget (both header forms share it), and keyless requests the IP’s', async () => {
    const app = await boot({ ...env(), API_KEYS, THROTTLE_LIMIT: '2', THROTTLE_TTL: '30' });
    const get = (headers: Headers = {}) => app.http().get('/stats').set(headers);
    await get(bearer(ALPHA)).expect(200);
    await get(xApiKey(ALPHA)).expect(200);
    expectThrottled(await get(bearer(ALPHA)), 30);
    expectThrottled(await get(xApiKey(ALPHA)), 30);
    await get(xApiKey(BETA)).expect(200);
    await get(bearer(BETA)).expect(200);
    expectThrottled(await get(bearer(BETA)), 30);
    await get().expect(200);
    await get().expect(200);
    expectThrottled(await get(), 30);
  });

  it('keys nobody configured get no budget of their own: they count against the IP (API_KEYS unset)', async () => {
    const app = await boot({ ...env(), THROTTLE_LIMIT: '2', THROTTLE_TTL: '30' });
    const get = (headers: Headers = {}) => app.http().get('/stats').set(headers);
    await get(xApiKey('made-up-1')).expect(200);
    await get(bearer('made-up-2')).expect(200);
    expectThrottled(await get(xApiKey('made-up-3')), 30);
    expectThrottled(await get(), 30);
  });

  it('keys nobody configured get no budget of their own: they count against the IP (API_KEYS set)', async () => {
    const app = await boot({ ...env(), API_KEYS, THROTTLE_LIMIT: '3', THROTTLE_TTL: '30' });
    const { http } = app;
    // Reads are open, so an invented key would otherwise buy unlimited reads.
    await http().get('/stats').set(xApiKey('made-up-1')).expect(200);
    await http().get('/stats').set(bearer('made-up-2')).expect(200);
    // A write with an invented key is refused, and counted against the IP too.
    await http().put('/resources/x').set(xApiKey('made-up-3')).send({ data: 1 }).expect(401);
    expectThrottled(await http().get('/stats').set(xApiKey('made-up-4')), 30);
    expectThrottled(
      await http().put('/resources/x').set(xApiKey('made-up-5')).send({ data: 1 }),
      30,
    );
    expectThrottled(await http().get('/stats'), 30);
    // A real key still has its budget.
    await http().get('/stats').set(xApiKey(ALPHA)).expect(200);
  });

  it('counts requests refused for a missing key: a keyless flood is throttled too', async () => {
    const app = await boot({ ...env(), API_KEYS, THROTTLE_LIMIT: '2', THROTTLE_TTL: '30' });
    const put = () => app.http().put('/resources/x').send({ data: 1 });
    await put().expect(401);
    await put().expect(401);
    expectThrottled(await put(), 30);
  });

  it('is off with THROTTLE_LIMIT=0: 50 fast requests all succeed, without rate-limit headers', async () => {
    const app = await boot({ ...env(), THROTTLE_LIMIT: '0', THROTTLE_TTL: '1' });
    const responses = await Promise.all(Array.from({ length: 50 }, () => app.http().get('/stats')));
    expect(responses.map((res) => res.status)).toEqual(Array(50).fill(200));
    expect(responses[49].headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('is off by default (THROTTLE_LIMIT unset): 50 fast requests all succeed', async () => {
    const app = await boot(env());
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        app.http().put(`/resources/unlimited-${i}`).send({ data: i }),
      ),
    );
    expect(responses.map((res) => res.status)).toEqual(Array(50).fill(201));
  });

  it('lets requests through again once the window has passed (THROTTLE_TTL=1, real time)', async () => {
    const app = await boot({ ...env(), THROTTLE_LIMIT: '2', THROTTLE_TTL: '1' });
    await spend(app, 2);
    const throttled = await app.http().get('/stats');
    expectThrottled(throttled, 1);
    await sleep(1100);
    await spend(app, 2);
    expectThrottled(await app.http().get('/stats'), 1);
  });

  it('never throttles /health and /health/ready, nor counts them', async () => {
    const app = await boot({ ...env(), THROTTLE_LIMIT: '2', THROTTLE_TTL: '30' });
    for (let i = 0; i < 5; i++) {
      for (const path of PROBES) await app.http().get(path).expect(200);
    }
    await spend(app, 2);
    expectThrottled(await app.http().get('/stats'), 30);
    for (const path of PROBES) await app.http().get(path).expect(200);
  });

  if (store === 'redis') {
    it('two instances on the same Redis and namespace share one budget', async () => {
      const shared = env();
      const settings = { THROTTLE_LIMIT: '4', THROTTLE_TTL: '30' };
      const a = await boot({ ...shared, ...settings });
      const b = await boot({ ...shared, ...settings });
      await spend(a, 2);
      await spend(b, 2);
      expectThrottled(await a.http().get('/stats'), 30);
      expectThrottled(await b.http().get('/stats'), 30);
    });

    it('instances on different namespaces of one Redis keep separate budgets', async () => {
      const settings = { THROTTLE_LIMIT: '2', THROTTLE_TTL: '30' };
      const a = await boot({ ...env(), ...settings });
      const b = await boot({ ...env(), ...settings });
      await spend(a, 2);
      expectThrottled(await a.http().get('/stats'), 30);
      await spend(b, 2);
    });
  } else {
    it('two instances with the memory store each count on their own (nothing is shared)', async () => {
      const shared = env();
      const settings = { THROTTLE_LIMIT: '2', THROTTLE_TTL: '30' };
      const a = await boot({ ...shared, ...settings });
      const b = await boot({ ...shared, ...settings });
      await spend(a, 2);
      expectThrottled(await a.http().get('/stats'), 30);
      await spend(b, 2);
      expectThrottled(await b.http().get('/stats'), 30);
    });
  }
});

describe.each(storeTargets)('TRUST_PROXY and per-IP budgets ($name store)', ({ env }) => {
  const boot = useTestApps();
  const throttled = { THROTTLE_LIMIT: '1', THROTTLE_TTL: '30' };
  const from = (app: TestApp, forwardedFor?: string) => {
    const req = app.http().get('/stats');
    return forwardedFor === undefined ? req : req.set('X-Forwarded-For', forwardedFor);
  };

  it.each([
    ['unset (default false)', {}],
    ['false', { TRUST_PROXY: 'false' }],
    ['0 (no hop trusted)', { TRUST_PROXY: '0' }],
  ])(
    'with TRUST_PROXY %s, X-Forwarded-For is ignored: one budget for the connection',
    async (_case, setting) => {
      const app = await boot({ ...env(), ...throttled, ...setting });
      await from(app, '203.0.113.1').expect(200);
      expect((await from(app, '203.0.113.2')).status).toBe(429);
      expect((await from(app)).status).toBe(429);
    },
  );

  it.each(['true', '1', 'loopback'])(
    'with TRUST_PROXY=%s, each X-Forwarded-For client gets its own budget',
    async (value) => {
      const app = await boot({ ...env(), ...throttled, TRUST_PROXY: value });
      await from(app, '203.0.113.1').expect(200);
      expect((await from(app, '203.0.113.1')).status).toBe(429);
      await from(app, '203.0.113.2').expect(200);
      await from(app, '2001:db8::7').expect(200);
      expect((await from(app, '203.0.113.2')).status).toBe(429);
      // The proxy's own address (the connection) is a client of its own.
      await from(app).expect(200);
    },
  );

  it('with TRUST_PROXY=1 (one hop), only the address the proxy appended counts, not what the client wrote', async () => {
    const app = await boot({ ...env(), ...throttled, TRUST_PROXY: '1' });
    await from(app, '198.51.100.7, 203.0.113.9').expect(200);
    expect((await from(app, '198.51.100.8, 203.0.113.9')).status).toBe(429);
    await from(app, '198.51.100.7, 203.0.113.10').expect(200);
  });
});

describe.each(storeTargets)('security headers ($name store)', ({ env }) => {
  const { http } = useTestApp(() => ({ ...env(), API_KEYS }));

  it.each([
    ['a read (200)', () => http().get('/stats'), 200],
    ['a missing resource (404)', () => http().get('/resources/absent'), 404],
    ['a refused write (401)', () => http().put('/resources/x').send({ data: 1 }), 401],
    ['an unknown route (404)', () => http().get('/no-such-route'), 404],
    ['the Swagger UI (200)', () => http().get('/docs'), 200],
    ['a health probe (200)', () => http().get('/health'), 200],
  ])('sets helmet’s headers and no X-Powered-By on %s', async (_case, send, status) => {
    const res = await send();
    expect(res.status).toBe(status);
    const headers = res.headers as Record<string, string | undefined>;
    expect(headers['x-powered-by']).toBeUndefined();
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(headers['strict-transport-security']).toMatch(/^max-age=\d+; includeSubDomains/);
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(headers['x-dns-prefetch-control']).toBe('off');
    expect(headers['x-permitted-cross-domain-policies']).toBe('none');
    const csp = headers['content-security-policy'] ?? '';
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "object-src 'none'",
      "frame-ancestors 'self'",
      "base-uri 'self'",
    ]) {
      expect(csp).toContain(directive);
    }
  });
});

describe.each(storeTargets)('CORS ($name store)', ({ env }) => {
  const preflight = (client: Client, origin: string) =>
    client
      .options(`/resources/${GUARDED}`)
      .set('Origin', origin)
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'content-type, authorization, x-api-key');

  describe('off by default (CORS_ORIGINS unset)', () => {
    const { http } = useTestApp(env);

    it('grants no origin on a cross-origin request', async () => {
      const res = await http().get('/stats').set('Origin', 'https://a.example').expect(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-expose-headers']).toBeUndefined();
    });

    it('grants nothing on a preflight', async () => {
      const res = await preflight(http(), 'https://a.example');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-methods']).toBeUndefined();
      expect(res.headers['access-control-allow-headers']).toBeUndefined();
    });
  });

  describe('with CORS_ORIGINS=https://a.example,https://b.example', () => {
    const { http } = useTestApp(() => ({
      ...env(),
      API_KEYS,
      CORS_ORIGINS: 'https://a.example,https://b.example',
    }));

    beforeAll(async () => {
      await http()
        .put(`/resources/${GUARDED}`)
        .set(bearer(ALPHA))
        .send({ data: GUARDED_DATA })
        .expect(201);
    });

    it.each(['https://a.example', 'https://b.example'])(
      'allows %s and exposes ETag, X-Request-Id and the other caching and auth headers',
      async (origin) => {
        const res = await http().get(`/resources/${GUARDED}`).set('Origin', origin).expect(200);
        expect(res.headers['access-control-allow-origin']).toBe(origin);
        expect(res.headers.vary).toMatch(/\bOrigin\b/);
        expect(res.headers.etag).toBeDefined();
        const exposed = res.headers['access-control-expose-headers']
          .split(',')
          .map((header) => header.trim().toLowerCase());
        expect(exposed).toEqual(
          expect.arrayContaining([
            'etag',
            'x-request-id',
            'last-modified',
            'retry-after',
            'www-authenticate',
            'expires',
            'cache-status',
            'cache-tag',
            'surrogate-key',
          ]),
        );
        // Lapse sends no Age (see HttpCacheHeaders).
        expect(exposed).not.toContain('age');
        expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      },
    );

    it('allows a preflight for PUT with content-type, authorization and x-api-key (no key needed)', async () => {
      const res = await preflight(http(), 'https://a.example');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe('https://a.example');
      expect(res.headers['access-control-allow-methods']).toMatch(/\bPUT\b/);
      const allowed = res.headers['access-control-allow-headers']
        .split(',')
        .map((header) => header.trim().toLowerCase());
      expect(allowed).toEqual(
        expect.arrayContaining(['content-type', 'authorization', 'x-api-key']),
      );
      expect(res.headers['access-control-max-age']).toBe('600');
    });

    it('lets the allowed origin make the write with a key, and read the 401 challenge without one', async () => {
      const refused = await http()
        .put(`/resources/${GUARDED}`)
        .set('Origin', 'https://b.example')
        .send({ data: 2 })
        .expect(401);
      expect(refused.headers['access-control-allow-origin']).toBe('https://b.example');
      expect(refused.headers['www-authenticate']).toMatch(/^Bearer\b/);
      const written = await http()
        .put(`/resources/${GUARDED}`)
        .set('Origin', 'https://b.example')
        .set(xApiKey(BETA))
        .send({ data: GUARDED_DATA })
        .expect(200);
      expect(written.headers['access-control-allow-origin']).toBe('https://b.example');
    });

    it.each(['https://c.example', 'http://a.example', 'https://a.example.evil.test', 'null'])(
      'grants nothing to the unlisted origin %s',
      async (origin) => {
        const res = await http().get('/stats').set('Origin', origin).expect(200);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        const pre = await preflight(http(), origin);
        expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      },
    );
  });
});
