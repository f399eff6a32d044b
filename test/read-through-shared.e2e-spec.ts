import { createClient } from '@redis/client';
import type { Response } from 'supertest';
import { json, startOrigin } from './helpers/origin-server';
import { RedisServer, findRedisServer } from './helpers/redis-server';
import type { TestOrigin } from './helpers/origin-server';
import { storeTargets } from './helpers/stores';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const redis = storeTargets.find((target) => target.name === 'redis');

// Runs only where the test run has a redis-server (see global-setup.ts, which
// prints a notice when it has none and fails under CI).
const describeWithRedis = redis ? describe : () => undefined;

/** How long the test origin takes to answer. */
const ORIGIN_DELAY_MS = 300;

describeWithRedis('read-through on two instances sharing one Redis', () => {
  let origin: TestOrigin;
  let a: TestApp;
  let b: TestApp;
  let namespace: string;
  let tests = 0;
  const redisClient = createClient({ url: process.env.LAPSE_TEST_REDIS_URL });

  beforeAll(async () => {
    origin = await startOrigin({
      '/slow': json({ slow: true }, { 'cache-control': 'max-age=60' }, ORIGIN_DELAY_MS),
    });
    // One env() call: both instances get the same namespace.
    const env: Record<string, string> = {
      ...redis!.env(),
      ORIGINS: origin.origin,
      ORIGIN_TIMEOUT_MS: '5000',
    };
    namespace = env.CACHE_NAMESPACE;
    a = await startTestApp(env, { listen: true });
    b = await startTestApp(env, { listen: true });
    await redisClient.connect();
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await origin?.close();
    await redisClient.close();
  });

  /** A path of the origin no other test reads (the query makes it a new id). */
  const fresh = (path: string): string => `${path}?test=${++tests}`;
  const resourcePath = (path: string): string =>
    `/resources/${encodeURIComponent(origin.url(path))}`;

  /** `count` concurrent GETs of `path`, alternating between A and B. */
  const spread = (path: string, count: number): Promise<Response[]> =>
    Promise.all(
      Array.from({ length: count }, (_, i) => (i % 2 === 0 ? a : b).http().get(resourcePath(path))),
    );

  /** The read-through counters of one instance (`GET /stats`). */
  async function originStats(app: TestApp): Promise<{ fetches: number; joined: number }> {
    return (await app.http().get('/stats').expect(200)).body.origin as {
      fetches: number;
      joined: number;
    };
  }

  function expectIdentical(answers: Response[]): void {
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.data).toStrictEqual({ slow: true });
      expect(answer.body.createdAt).toBe(answers[0].body.createdAt);
      expect(answer.headers.etag).toBe(answers[0].headers.etag);
    }
  }

  it('answers 100 concurrent misses spread over both instances with one origin request', async () => {
    const path = fresh('/slow');

    const answers = await spread(path, 100);

    expect(origin.count(path)).toBe(1);
    expect(answers).toHaveLength(100);
    expectIdentical(answers);
    // Released once the answer was stored.
    expect(await redisClient.exists(`${namespace}:fill:${origin.url(path)}`)).toBe(0);
  });

  it('counts every read but the one that fetched as a hit or as joining a fetch, on either instance', async () => {
    const before = await Promise.all([originStats(a), originStats(b)]);
    const hitsBefore = (await a.http().get('/stats').expect(200)).body.hits as number;
    const path = fresh('/slow');

    await spread(path, 100);

    const after = await Promise.all([originStats(a), originStats(b)]);
    const hits = ((await a.http().get('/stats').expect(200)).body.hits as number) - hitsBefore;
    const fetches = after[0].fetches + after[1].fetches - before[0].fetches - before[1].fetches;
    const joined = after[0].joined + after[1].joined - before[0].joined - before[1].joined;
    expect(fetches).toBe(1);
    // A read is a hit (it came after the answer was stored), joined a fetch
    // under way (here or on the other instance: waiting for its lock), or
    // made the one fetch.
    expect(joined + hits).toBe(99);
    expect(joined).toBeGreaterThan(0);
  });

  it('waits for a lock whose holder died until it expires, then one instance fetches', async () => {
    const path = fresh('/slow');
    const lockMs = 1_500;
    // A holder that took the lock and died: nobody releases it.
    await redisClient.set(`${namespace}:fill:${origin.url(path)}`, 'dead-holder', {
      PX: lockMs,
    });
    const started = Date.now();

    const answers = await spread(path, 20);

    const took = Date.now() - started;
    expect(origin.count(path)).toBe(1);
    expectIdentical(answers);
    // Not before the lock expired, and not much after: a fetch and some slack.
    expect(took).toBeGreaterThanOrEqual(lockMs - 100);
    expect(took).toBeLessThan(lockMs + ORIGIN_DELAY_MS + 4_000);
  });
});

// This suite owns a redis-server of its own, to kill it.
const describeWithOwnRedis = findRedisServer() ? describe : () => undefined;

describeWithOwnRedis('read-through waiting for a lock when Redis goes away', () => {
  let server: RedisServer;
  let origin: TestOrigin;
  let app: TestApp;
  const redisClient = () => createClient({ url: server.url });

  beforeAll(async () => {
    server = await RedisServer.start({ durable: false });
    origin = await startOrigin({
      '/item': json({ item: true }, { 'cache-control': 'max-age=60' }),
    });
    app = await startTestApp({
      CACHE_STORE: 'redis',
      REDIS_URL: server.url,
      CACHE_NAMESPACE: 'lock-faults',
      REDIS_TIMEOUT_MS: '500',
      ORIGINS: origin.origin,
    });
  });

  afterAll(async () => {
    await app?.close();
    await origin?.close();
    await server?.stop();
  });

  it('answers 503 soon after Redis goes away, not when the lock would have expired', async () => {
    const id = origin.url('/item');
    const client = redisClient();
    await client.connect();
    // Another instance's lock, for 20 s.
    await client.set(`lock-faults:fill:${id}`, 'other-instance', { PX: 20_000 });
    await client.close();
    const started = Date.now();
    const answer = app.http().get(`/resources/${encodeURIComponent(id)}`);
    let answered = false;
    const settled = answer.then((res) => {
      answered = true;
      return { status: res.status, at: Date.now() };
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Waiting for the lock.
    expect(answered).toBe(false);
    const killedAt = Date.now();

    await server.kill();
    const { status, at } = await settled;

    expect(status).toBe(503);
    expect(killedAt - started).toBeGreaterThanOrEqual(400);
    expect(at - killedAt).toBeLessThan(3_000);
    expect(origin.count('/item')).toBe(0);
  });
});
