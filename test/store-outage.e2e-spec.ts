import request from 'supertest';
import { parseScrape, sampleOf } from './helpers/prometheus';
import type { Scrape } from './helpers/prometheus';
import { RedisServer, findRedisServer } from './helpers/redis-server';
import { freePort, isRunning, serverProcessSuite, within } from './helpers/server-process';
import type { ServerProcess } from './helpers/server-process';
import { startTestApp } from './helpers/test-app';
import type { Http, TestApp } from './helpers/test-app';
import { eventually, sleep } from './helpers/time';

// Processes and a redis-server are started, killed and restarted.
jest.setTimeout(60_000);

// These suites own a redis-server of their own, to kill, freeze and restart it.
const describeWithRedis = findRedisServer() ? describe : () => undefined;

/** Metrics read from the store: absent while it does not answer. */
const FROM_STORE = [
  'lapse_cache_entries',
  'lapse_cache_expired_total',
  'lapse_cache_evicted_total',
];
/** Metrics that never need the store. */
const ALWAYS = [
  'lapse_store_up',
  'lapse_store_errors_total',
  'lapse_cache_hits_total',
  'lapse_interactions_total',
  'lapse_http_request_duration_seconds_count',
  'process_cpu_user_seconds_total',
  'nodejs_heap_size_used_bytes',
];

const names = (scrape: Scrape): Set<string> => new Set(scrape.samples.map(({ name }) => name));

describe('GET /metrics with the memory store', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('says the store is up and has never failed', async () => {
    const scrape = parseScrape((await app.http().get('/metrics').expect(200)).text);
    expect(sampleOf(scrape, 'lapse_store_up')).toBe(1);
    expect(sampleOf(scrape, 'lapse_store_errors_total')).toBe(0);
    expect(scrape.types.get('lapse_store_up')).toBe('gauge');
    expect(scrape.types.get('lapse_store_errors_total')).toBe('counter');
  });
});

describeWithRedis('GET /metrics while Redis is down', () => {
  let server: RedisServer;
  let app: TestApp;
  const scrape = async (): Promise<Scrape> =>
    parseScrape((await app.http().get('/metrics').expect(200)).text);

  beforeAll(async () => {
    server = await RedisServer.start();
    app = await startTestApp({
      CACHE_STORE: 'redis',
      REDIS_URL: server.url,
      CACHE_NAMESPACE: 'metrics-outage',
      REDIS_TIMEOUT_MS: '500',
    });
  });
  afterAll(async () => {
    server.resume();
    await app.close();
    await server.stop();
  });

  it('serves the process and HTTP metrics, with lapse_store_up 0, and the store metrics again once it is back', async () => {
    await app.http().put('/resources/kept').send({ data: 1 }).expect(201);
    const before = await scrape();
    expect(sampleOf(before, 'lapse_store_up')).toBe(1);
    expect(sampleOf(before, 'lapse_cache_entries')).toBe(1);
    for (const name of [...ALWAYS, ...FROM_STORE]) expect(names(before)).toContain(name);
    const errorsBefore = sampleOf(before, 'lapse_store_errors_total') ?? NaN;

    await server.kill();
    for (let i = 0; i < 5; i += 1) await app.http().get('/resources/kept').expect(503);

    const started = Date.now();
    const during = await scrape();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(sampleOf(during, 'lapse_store_up')).toBe(0);
    for (const name of ALWAYS) expect(names(during)).toContain(name);
    for (const name of FROM_STORE) expect(names(during)).not.toContain(name);
    expect(sampleOf(during, 'lapse_store_errors_total')).toBeGreaterThanOrEqual(errorsBefore + 5);
    // The failed reads are counted by route and status like any request.
    expect(
      during.samples.find(
        ({ name, labels }) =>
          name === 'lapse_http_request_duration_seconds_count' &&
          labels.route === '/resources/:id' &&
          labels.status_code === '503',
      )?.value,
    ).toBe(5);

    await server.restart();
    await eventually(async () => {
      expect(sampleOf(await scrape(), 'lapse_store_up')).toBe(1);
    }, 10_000);
    const after = await scrape();
    expect(sampleOf(after, 'lapse_cache_entries')).toBe(1);
    for (const name of [...ALWAYS, ...FROM_STORE]) expect(names(after)).toContain(name);
  });

  it('answers within about one Redis timeout while Redis hangs, with lapse_store_up 0', async () => {
    await eventually(async () => {
      expect(sampleOf(await scrape(), 'lapse_store_up')).toBe(1);
    }, 10_000);
    server.pause();
    try {
      const started = Date.now();
      const during = await scrape();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(sampleOf(during, 'lapse_store_up')).toBe(0);
      for (const name of ALWAYS) expect(names(during)).toContain(name);
    } finally {
      server.resume();
    }
    await eventually(async () => {
      expect(sampleOf(await scrape(), 'lapse_store_up')).toBe(1);
    }, 10_000);
  });
});

/** A log line of the JSON format, as pino writes it. */
interface LogLine {
  level: number;
  msg?: string;
  context?: string;
  stack?: string;
  err?: unknown;
  req?: { id?: string };
  res?: { statusCode?: number };
}

describeWithRedis('logs of a server process while Redis is away', () => {
  const processes = serverProcessSuite('outage-logs');
  let redis: RedisServer;
  /** Requests made while Redis is away. */
  const FAILED = 30;

  beforeEach(async () => {
    redis = await RedisServer.start();
  });
  afterEach(async () => {
    redis.resume();
    await redis.stop();
  });

  async function start(): Promise<{ server: ServerProcess; http: Http }> {
    const port = await freePort();
    const server = processes.start({
      PORT: String(port),
      HOST: '127.0.0.1',
      CACHE_STORE: 'redis',
      REDIS_URL: redis.url,
      REDIS_TIMEOUT_MS: '300',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    });
    const url = `http://127.0.0.1:${port}`;
    await eventually(async () => {
      if (!isRunning(server)) throw new Error(`Exited:\n${server.output()}`);
      await request(url).put('/resources/up').send({ data: 1 }).expect(201);
    }, 20_000);
    return { server, http: () => request(url) };
  }

  const linesOf = (text: string): LogLine[] =>
    text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);

  /** Requests that all need Redis, each answered 503, with its request id. */
  async function failRequests(http: Http): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < FAILED; i += 1) {
      const id = `outage-${i}`;
      ids.push(id);
      const call =
        i % 3 === 0
          ? http().get('/resources/up')
          : i % 3 === 1
            ? http().put('/resources/up').send({ data: i })
            : http().post('/interactions').send({ resourceId: 'up' });
      await call.set('X-Request-Id', id).expect(503);
    }
    return ids;
  }

  /**
   * What the process logged while Redis was away and until it answered again:
   * one line per request (at info) and the store's two transitions, nothing more.
   */
  function expectTransitionsOnly(window: LogLine[], ids: string[], down: RegExp, up: RegExp): void {
    const requestLines = window.filter((line) => line.req !== undefined);
    const failed = requestLines.filter((line) => ids.includes(line.req?.id ?? ''));
    expect(failed).toHaveLength(FAILED);
    for (const line of failed) {
      expect(line).toMatchObject({ level: 30, res: { statusCode: 503 } });
    }
    const others = window.filter((line) => line.req === undefined);
    expect(others.map(({ level, msg }) => ({ level, msg }))).toEqual([
      { level: expect.any(Number), msg: expect.stringMatching(down) },
      { level: 30, msg: expect.stringMatching(up) },
    ]);
    expect(others[0].level).toBeGreaterThanOrEqual(40);
    expect(window.filter((line) => line.level >= 40)).toHaveLength(1);
    expect(window.filter((line) => line.stack !== undefined || line.err !== undefined)).toEqual([]);
  }

  async function stop(server: ServerProcess): Promise<void> {
    server.child.kill('SIGTERM');
    await within(server.exited, 5000, () => `No exit:\n${server.output()}`);
  }

  it('logs one line when Redis goes down and one when it is back, however many requests fail', async () => {
    const { server, http } = await start();
    const mark = server.output().length;

    await redis.kill();
    const ids = await failRequests(http);
    await http().get('/health/ready').expect(503);
    await http().get('/metrics').expect(200);
    await redis.restart();
    await eventually(async () => {
      await http().get('/resources/up').expect(200);
    }, 10_000);
    await sleep(200);

    const window = linesOf(server.output().slice(mark));
    await stop(server);
    expectTransitionsOnly(window, ids, /^Redis at .* is unreachable/, /^Connected to Redis at /);
  });

  it('logs one line when Redis stops answering and one when it answers again, however many requests time out', async () => {
    const { server, http } = await start();
    const mark = server.output().length;

    redis.pause();
    const ids = await failRequests(http);
    redis.resume();
    await eventually(async () => {
      await http().get('/resources/up').expect(200);
    }, 10_000);
    await sleep(200);

    const window = linesOf(server.output().slice(mark));
    await stop(server);
    expectTransitionsOnly(
      window,
      ids,
      /^Redis at .* is unreachable \(no answer within 300 ms\)/,
      /^Redis at .* answers again/,
    );
  });
});
