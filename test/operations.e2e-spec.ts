import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { RedisServer, findRedisServer } from './helpers/redis-server';
import {
  freePort,
  isRunning,
  listeningLine,
  serverProcessSuite,
  within,
} from './helpers/server-process';
import type { ServerProcess } from './helpers/server-process';
import { parseScrape } from './helpers/prometheus';
import type { Scrape } from './helpers/prometheus';
import { storeTargets } from './helpers/stores';
import { startTestApp, useTestApp } from './helpers/test-app';
import type { Http, TestApp } from './helpers/test-app';
import { eventually, sleep } from './helpers/time';

// Whole processes are started and stopped: more than Jest's default 5 s per test.
jest.setTimeout(30_000);

// The readiness suite owns a redis-server of its own, to kill and restart it.
const describeWithRedis = findRedisServer() ? describe : () => undefined;

describe.each(storeTargets)('health probes ($name store)', ({ env }) => {
  const { http } = useTestApp(env);

  it('GET /health: alive, as JSON', async () => {
    const res = await http().get('/health').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ status: 'ok' });
  });

  it('GET /health/ready: ready while the store answers', async () => {
    const res = await http().get('/health/ready').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toMatchObject({ status: 'ok', info: { store: { status: 'up' } } });
  });
});

describeWithRedis('health probes when Redis fails', () => {
  let server: RedisServer;
  let app: TestApp;
  const http = () => app.http();
  const NOT_READY = {
    status: 'error',
    error: { store: { status: 'down', message: expect.any(String) } },
  };

  beforeAll(async () => {
    server = await RedisServer.start();
    app = await startTestApp({
      CACHE_STORE: 'redis',
      REDIS_URL: server.url,
      CACHE_NAMESPACE: 'health',
      REDIS_TIMEOUT_MS: '500',
    });
  });
  afterAll(async () => {
    server.resume();
    await app.close();
    await server.stop();
  });

  it('is not ready while Redis is down, stays alive, and is ready again once Redis is back', async () => {
    await http().get('/health/ready').expect(200);

    await server.kill();
    await eventually(async () => {
      const res = await http().get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject(NOT_READY);
    }, 3000);
    // Liveness does not depend on the store: restarting the process would not help.
    const started = Date.now();
    const live = await http().get('/health').expect(200);
    expect(live.body).toMatchObject({ status: 'ok' });
    expect(Date.now() - started).toBeLessThan(1000);

    await server.restart();
    const tookMs = await eventually(async () => {
      await http().get('/health/ready').expect(200);
    }, 10_000);
    expect(tookMs).toBeLessThan(10_000);
    const ready = await http().get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok', info: { store: { status: 'up' } } });
  });

  it('answers readiness within REDIS_TIMEOUT_MS while Redis hangs', async () => {
    await http().get('/health/ready').expect(200);
    server.pause();
    try {
      const started = Date.now();
      const res = await http().get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject(NOT_READY);
      expect(Date.now() - started).toBeLessThan(2000);
      await http().get('/health').expect(200);
    } finally {
      server.resume();
    }
    await eventually(async () => {
      await http().get('/health/ready').expect(200);
    }, 10_000);
  });
});

/** The value of the one sample named `name` whose labels include `labels`; 0 when there is none. */
function valueOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  const matching = scrape.samples.filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
  );
  if (matching.length > 1) throw new Error(`${matching.length} samples match ${name}`);
  return matching[0]?.value ?? 0;
}

/** Each cache counter metric and the `GET /stats` field it mirrors. */
const COUNTERS = [
  ['lapse_cache_hits_total', 'hits'],
  ['lapse_cache_misses_total', 'misses'],
  ['lapse_cache_sets_total', 'sets'],
  ['lapse_cache_deletes_total', 'deletes'],
  ['lapse_cache_expired_total', 'expired'],
  ['lapse_cache_evicted_total', 'evicted'],
  ['lapse_interactions_total', 'interactions'],
] as const;

type CounterField = (typeof COUNTERS)[number][1];
type Stats = Record<CounterField | 'entries', number>;

describe.each(storeTargets)('GET /metrics ($name store)', ({ env }) => {
  // A quick sweep, so that the Redis store counts an expired entry soon after it expires.
  const { http } = useTestApp(() => ({ ...env(), CACHE_SWEEP_INTERVAL_MS: '100' }));
  const scrape = async (): Promise<Scrape> => {
    const res = await http().get('/metrics').expect(200);
    return parseScrape(res.text);
  };
  const stats = async (): Promise<Stats> => (await http().get('/stats').expect(200)).body as Stats;

  it('serves the Prometheus text format with Lapse metrics and Node process metrics', async () => {
    const res = await http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.headers['content-type']).toContain('version=0.0.4');
    expect(res.headers['cache-control']).toBe('no-store');

    const { types, samples } = parseScrape(res.text);
    expect(types.get('lapse_http_request_duration_seconds')).toBe('histogram');
    for (const [metric] of COUNTERS) expect(types.get(metric)).toBe('counter');
    expect(types.get('lapse_cache_entries')).toBe('gauge');
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter');
    expect(types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    const names = new Set(samples.map((sample) => sample.name));
    for (const metric of [
      ...COUNTERS.map(([name]) => name),
      'lapse_cache_entries',
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(names).toContain(metric);
    }
  });

  it('counts what this instance did, as GET /stats does, with requests timed by route template', async () => {
    const p = `m-${randomUUID()}`;
    const put = (id: string, body: object) => http().put(`/resources/${p}-${id}`).send(body);
    const get = (id: string) => http().get(`/resources/${p}-${id}`);
    const interact = (body: object) => http().post('/interactions').send(body);
    const before = { metrics: await scrape(), stats: await stats() };

    await put('a', { data: 1 }).expect(201);
    await put('b', { data: 2 }).expect(201);
    await put('c', { data: 3 }).expect(201);
    await put('a', { data: 4 }).expect(200); // replaced: a set too
    await put('short', { data: 5, ttl: 1 }).expect(201);
    const shortWrittenAt = Date.now();
    await get('a').expect(200);
    await get('b').expect(200);
    await get('missing-1').expect(404);
    await get('missing-2').expect(404);
    await http().delete(`/resources/${p}-c`).expect(204);
    await http().delete(`/resources/${p}-c`).expect(404); // nothing deleted
    await get('c').expect(404);
    await interact({ resourceId: `${p}-a` }).expect(201);
    await interact({ resourceId: `${p}-a` }).expect(201);
    await interact({ resourceId: `${p}-z` }).expect(201);
    await interact({ resourceId: `${p}-d`, data: { x: 1 } }).expect(201); // caches d: a set
    await sleep(Math.max(0, shortWrittenAt + 1200 - Date.now()));
    await get('short').expect(404); // expired
    // The Redis store counts an expiry when its sweep sees it.
    await eventually(async () => {
      expect((await stats()).expired - before.stats.expired).toBe(1);
    }, 5000);

    const after = { metrics: await scrape(), stats: await stats() };
    const done: Record<CounterField, number> = {
      hits: 2,
      misses: 4,
      sets: 6,
      deletes: 1,
      expired: 1,
      evicted: 0,
      interactions: 4,
    };
    for (const [metric, field] of COUNTERS) {
      const metricChange = valueOf(after.metrics, metric) - valueOf(before.metrics, metric);
      const statsChange = after.stats[field] - before.stats[field];
      expect({ metric, change: metricChange }).toEqual({ metric, change: statsChange });
      expect({ metric, change: metricChange }).toEqual({ metric, change: done[field] });
    }
    expect(valueOf(after.metrics, 'lapse_cache_entries')).toBe(after.stats.entries);
    expect(after.stats.entries - before.stats.entries).toBe(3); // a, b and d

    // Request durations: one observation per request, labelled by the route template.
    const count = (method: string, route: string, status: number): number =>
      valueOf(after.metrics, 'lapse_http_request_duration_seconds_count', {
        method,
        route,
        status_code: String(status),
      }) -
      valueOf(before.metrics, 'lapse_http_request_duration_seconds_count', {
        method,
        route,
        status_code: String(status),
      });
    expect(count('PUT', '/resources/:id', 201)).toBe(4);
    expect(count('PUT', '/resources/:id', 200)).toBe(1);
    expect(count('GET', '/resources/:id', 200)).toBe(2);
    expect(count('GET', '/resources/:id', 404)).toBe(4);
    expect(count('DELETE', '/resources/:id', 204)).toBe(1);
    expect(count('DELETE', '/resources/:id', 404)).toBe(1);
    expect(count('POST', '/interactions', 201)).toBe(4);
    const putBuckets = after.metrics.samples.filter(
      (sample) =>
        sample.name === 'lapse_http_request_duration_seconds_bucket' &&
        sample.labels.method === 'PUT' &&
        sample.labels.route === '/resources/:id' &&
        sample.labels.status_code === '201',
    );
    expect(putBuckets.length).toBeGreaterThan(1);
    expect(putBuckets.find((bucket) => bucket.labels.le === '+Inf')?.value).toBe(
      valueOf(after.metrics, 'lapse_http_request_duration_seconds_count', {
        method: 'PUT',
        route: '/resources/:id',
        status_code: '201',
      }),
    );
  });

  it('labels requests by route template, never by raw URL', async () => {
    const id = `raw-${randomUUID()}`;
    await http().put(`/resources/${id}`).send({ data: 1 }).expect(201);
    await http().get(`/resources/${id}`).expect(200);
    await http().post(`/resources/${id}/touch`).send({}).expect(200);
    await http().get(`/interactions/${id}`).expect(404);
    await http().get(`/no-such-route/${id}`).expect(404);

    const res = await http().get('/metrics').expect(200);
    expect(res.text).not.toContain(id);
    const routes = new Set(
      parseScrape(res.text)
        .samples.filter(({ name }) => name.startsWith('lapse_http_request_duration_seconds'))
        .map(({ labels }) => labels.route),
    );
    for (const route of [
      '/resources/:id',
      '/resources/:id/touch',
      '/interactions/:resourceId',
      'unmatched',
    ]) {
      expect(routes).toContain(route);
    }
  });
});

/** A log line of the JSON format, as pino writes it. */
interface LogLine {
  level: number;
  msg?: string;
  context?: string;
  req?: { id?: string; method?: string; url?: string };
  res?: { statusCode?: number };
  route?: string;
  responseTime?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OPEN_WRITES_WARNING = 'API_KEYS is not set: anyone who can reach this server can write to it';

describe('logs of the server process', () => {
  const processes = serverProcessSuite('logs');

  /** Starts `node dist/main.js` (memory store) and waits until it answers. */
  async function start(overrides: Record<string, string>): Promise<{
    server: ServerProcess;
    http: Http;
  }> {
    const port = await freePort();
    const server = processes.start({ PORT: String(port), HOST: '127.0.0.1', ...overrides });
    const url = `http://127.0.0.1:${port}`;
    // Polls rather than waiting for the listening line, which LOG_LEVEL=warn leaves out.
    await eventually(async () => {
      if (!isRunning(server)) throw new Error(`Exited:\n${server.output()}`);
      await request(url).get('/health').expect(200);
    }, 20_000);
    return { server, http: () => request(url) };
  }

  /** Stops the process (all it wrote is then in its output). */
  async function stop(server: ServerProcess): Promise<void> {
    server.child.kill('SIGTERM');
    const exit = await within(server.exited, 5000, () => `No exit:\n${server.output()}`);
    expect(exit).toStrictEqual({ code: 0, signal: null });
  }

  const jsonLines = (server: ServerProcess): LogLine[] =>
    server
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);

  const requestLines = (server: ServerProcess, id: string): LogLine[] =>
    jsonLines(server).filter((line) => line.req?.id === id);

  /** Waits until the request `id` has been logged, and returns its one line. */
  async function logLineOf(server: ServerProcess, id: string): Promise<LogLine> {
    await eventually(() => {
      expect(requestLines(server, id).length).toBeGreaterThan(0);
    }, 5000);
    await sleep(50); // a second line, if any, would follow at once
    const lines = requestLines(server, id);
    expect(lines).toHaveLength(1);
    return lines[0];
  }

  it('writes one JSON line per request: method, route template, status, duration and request id', async () => {
    const { server, http } = await start({ LOG_FORMAT: 'json', LOG_LEVEL: 'info' });
    const id = `log-${randomUUID()}`;

    const put = await http()
      .put(`/resources/${id}`)
      .set('X-Request-Id', 'client-request-1')
      .send({ data: 1 })
      .expect(201);
    expect(put.headers['x-request-id']).toBe('client-request-1');
    const missing = await http().get(`/resources/${id}-absent`).expect(404);
    const generated = missing.headers['x-request-id'];
    expect(generated).toMatch(UUID);
    const unmatched = await http()
      .get(`/no-such-route/${id}`)
      .set('X-Request-Id', 'client-request-2')
      .expect(404);
    expect(unmatched.headers['x-request-id']).toBe('client-request-2');
    // An id that cannot be logged safely (spaces, too long) is replaced by a generated one.
    const unusable = await http().get('/stats').set('X-Request-Id', 'not usable id').expect(200);
    expect(unusable.headers['x-request-id']).toMatch(UUID);

    expect(await logLineOf(server, 'client-request-1')).toMatchObject({
      level: 30,
      req: { id: 'client-request-1', method: 'PUT' },
      route: '/resources/:id',
      res: { statusCode: 201 },
      responseTime: expect.any(Number),
      msg: expect.stringMatching(/^PUT \/resources\/:id 201 \d+ms$/),
    });
    expect(await logLineOf(server, generated)).toMatchObject({
      req: { id: generated, method: 'GET' },
      route: '/resources/:id',
      res: { statusCode: 404 },
      responseTime: expect.any(Number),
    });
    expect(await logLineOf(server, 'client-request-2')).toMatchObject({
      req: { id: 'client-request-2', method: 'GET' },
      route: 'unmatched',
      res: { statusCode: 404 },
    });
    expect(await logLineOf(server, unusable.headers['x-request-id'])).toMatchObject({
      route: '/stats',
      res: { statusCode: 200 },
    });
    expect(requestLines(server, 'not usable id')).toEqual([]);

    await stop(server);
    // Every line of the output is one JSON object, start-up and shutdown included.
    const lines = jsonLines(server);
    expect(lines.some((line) => /Listening on/.test(line.msg ?? ''))).toBe(true);
    expect(lines.some((line) => /SIGTERM received/.test(line.msg ?? ''))).toBe(true);
  });

  it('logs, times and guards a request whose body is rejected, like any other', async () => {
    const { server, http } = await start({
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      BODY_LIMIT: '1kb',
    });

    const malformed = await http()
      .put('/resources/rejected-body')
      .set('X-Request-Id', 'malformed-body-1')
      .set('Content-Type', 'application/json')
      .send('{"data": ')
      .expect(400);
    const tooLarge = await http()
      .put('/resources/rejected-body')
      .set('X-Request-Id', 'large-body-1')
      .send({ data: 'x'.repeat(4096) })
      .expect(413);
    for (const res of [malformed, tooLarge]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
    expect(malformed.headers['x-request-id']).toBe('malformed-body-1');
    expect(tooLarge.headers['x-request-id']).toBe('large-body-1');

    expect(await logLineOf(server, 'malformed-body-1')).toMatchObject({
      req: { method: 'PUT' },
      route: '/resources/:id',
      res: { statusCode: 400 },
    });
    expect(await logLineOf(server, 'large-body-1')).toMatchObject({
      route: '/resources/:id',
      res: { statusCode: 413 },
    });
    const metrics = await http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /lapse_http_request_duration_seconds_count\{method="PUT",route="\/resources\/:id",status_code="400"\} 1/,
    );
    expect(metrics.text).toMatch(
      /lapse_http_request_duration_seconds_count\{method="PUT",route="\/resources\/:id",status_code="413"\} 1/,
    );
    await stop(server);
  });

  it('warns at start-up that writes are open when API_KEYS is not set', async () => {
    const { server } = await start({ LOG_FORMAT: 'json', LOG_LEVEL: 'info' });
    await stop(server);
    const warning = jsonLines(server).find((line) => line.msg === OPEN_WRITES_WARNING);
    expect(warning).toMatchObject({ level: 40, context: 'Security' });
  });

  it('never logs request bodies, cached data, header values or API keys', async () => {
    const KEY = 'some-secret-key-123';
    const WRONG_KEY = 'wrong-key-456';
    const MARKER = 'payload-marker-xyz';
    const HEADER_MARKER = 'header-marker-abc';
    const { server, http } = await start({
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      API_KEYS: KEY,
    });
    const id = `secret-${randomUUID()}`;
    const body = { data: { secret: MARKER }, tags: [MARKER] };
    const sent: string[] = [];
    const next = (): string => {
      sent.push(`secret-request-${sent.length}`);
      return sent[sent.length - 1];
    };

    await http()
      .put(`/resources/${id}`)
      .set('X-Request-Id', next())
      .set('X-API-Key', KEY)
      .set('X-Custom', HEADER_MARKER)
      .set('Cookie', `session=${HEADER_MARKER}`)
      .send(body)
      .expect(201);
    await http()
      .put(`/resources/${id}`)
      .set('X-Request-Id', next())
      .set('Authorization', `Bearer ${KEY}`)
      .send(body)
      .expect(200);
    const read = await http().get(`/resources/${id}`).set('X-Request-Id', next()).expect(200);
    expect(JSON.stringify(read.body)).toContain(MARKER);
    await http()
      .post('/interactions')
      .set('X-Request-Id', next())
      .set('X-API-Key', KEY)
      .send({ resourceId: id, data: { secret: MARKER } })
      .expect(201);
    await http()
      .post('/resources/_mset')
      .set('X-Request-Id', next())
      .set('X-API-Key', KEY)
      .send({ items: [{ id: `${id}-2`, data: MARKER }] })
      .expect(200);
    await http()
      .put(`/resources/${id}`)
      .set('X-Request-Id', next())
      .set('X-API-Key', WRONG_KEY)
      .send(body)
      .expect(401);
    await http()
      .put(`/resources/${id}`)
      .set('X-Request-Id', next())
      .set('Authorization', `Bearer ${WRONG_KEY}`)
      .send(body)
      .expect(401);
    // Rejected by the JSON parser, which runs before the request logger: no line to wait for.
    await http()
      .put(`/resources/${id}`)
      .set('X-API-Key', KEY)
      .set('Content-Type', 'application/json')
      .send(`{"data": "${MARKER}`) // malformed
      .expect(400);
    await http()
      .put(`/resources/${id}`)
      .set('X-Request-Id', next())
      .set('X-API-Key', KEY)
      .send({ data: MARKER, ttl: MARKER }) // invalid
      .expect(400);

    // Every request was logged, so the check below looks at real request lines.
    for (const requestId of sent) await logLineOf(server, requestId);
    await stop(server);
    const output = server.output();
    expect(output).toContain('API keys required for writes (1 configured)');
    expect(output).not.toContain(KEY);
    expect(output).not.toContain(WRONG_KEY);
    expect(output).not.toContain(MARKER);
    expect(output).not.toContain(HEADER_MARKER);
  });

  it('LOG_LEVEL=warn leaves out the per-request lines', async () => {
    const { server, http } = await start({ LOG_FORMAT: 'json', LOG_LEVEL: 'warn' });
    await http().put('/resources/quiet').set('X-Request-Id', 'quiet-1').send({ data: 1 });
    await http().get('/resources/quiet').set('X-Request-Id', 'quiet-2').expect(200);
    await http().get('/resources/absent').set('X-Request-Id', 'quiet-3').expect(404);
    await stop(server);

    const lines = jsonLines(server);
    // Warnings still come through...
    expect(lines.some((line) => line.msg === OPEN_WRITES_WARNING)).toBe(true);
    // ...but nothing below warn, so no request line.
    expect(lines.filter((line) => line.req !== undefined)).toEqual([]);
    expect(lines.filter((line) => line.level < 40)).toEqual([]);
  });

  it('LOG_FORMAT=pretty writes human-readable lines, not JSON', async () => {
    const { server, http } = await start({ LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' });
    const listening = await listeningLine(server, 5000);
    expect(() => JSON.parse(listening) as unknown).toThrow();
    await http().get('/stats').expect(200);
    await eventually(() => {
      expect(server.output()).toMatch(/GET \/stats 200 \d+ms/);
    }, 5000);
    const line = server
      .output()
      .split('\n')
      .find((candidate) => /GET \/stats 200/.test(candidate)) as string;
    expect(line.trim().startsWith('{')).toBe(false);
    expect(line).toMatch(/INFO/);
  });
});
