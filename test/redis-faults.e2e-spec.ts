import { RedisServer, findRedisServer } from './helpers/redis-server';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { eventually } from './helpers/time';

// These suites own a redis-server of their own, to kill and restart it.
const describeWithRedis = findRedisServer() ? describe : () => undefined;

const UNAVAILABLE = {
  statusCode: 503,
  message: 'Cache store unavailable',
  error: 'Service Unavailable',
};

describeWithRedis('when Redis fails', () => {
  let server: RedisServer;
  let app: TestApp;
  const http = () => app.http();

  beforeAll(async () => {
    server = await RedisServer.start();
    app = await startTestApp({
      CACHE_STORE: 'redis',
      REDIS_URL: server.url,
      CACHE_NAMESPACE: 'faults',
      REDIS_TIMEOUT_MS: '500',
    });
  });
  afterAll(async () => {
    await app.close();
    await server.stop();
  });

  it('answers 503 quickly while Redis is down, and recovers with its data once it is back', async () => {
    await http()
      .put('/resources/survivor')
      .send({ data: { kept: true }, ttl: 600 })
      .expect(201);
    await http().post('/interactions').send({ resourceId: 'survivor' }).expect(201);

    await server.kill();

    const routes = [
      () => http().get('/resources/survivor'),
      () => http().put('/resources/during-outage').send({ data: 1 }),
      () => http().delete('/resources/survivor'),
      () => http().post('/resources/survivor/touch'),
      () => http().post('/interactions').send({ resourceId: 'survivor' }),
      () => http().get('/interactions/survivor'),
      () => http().get('/interactions'),
      () => http().get('/stats'),
    ];
    for (const route of routes) {
      const started = Date.now();
      const res = await route();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.status).toBe(503);
      expect(res.body).toEqual(UNAVAILABLE);
    }
    // The seed routes keep their own bodies for client errors, but a dead store is a 503 too.
    const seedWrite = await http()
      .post('/track_interaction')
      .send({ id: 'during-outage', data: 1 });
    expect(seedWrite.status).toBe(503);
    expect((await http().get('/get_cached_resource?id=survivor')).status).toBe(503);

    await server.restart();
    const tookMs = await eventually(async () => {
      await http().get('/resources/survivor').expect(200);
    }, 5000);
    expect(tookMs).toBeLessThan(5000);

    const survivor = await http().get('/resources/survivor').expect(200);
    expect(survivor.body.data).toEqual({ kept: true });
    // No acknowledged write was lost, and no refused write slipped through.
    await http().get('/resources/during-outage').expect(404);
    const summary = await http().get('/interactions/survivor').expect(200);
    expect(summary.body.total).toBe(1);
  });
});

describeWithRedis('when Redis hangs', () => {
  let server: RedisServer;
  let app: TestApp;
  const http = () => app.http();

  beforeAll(async () => {
    server = await RedisServer.start();
    app = await startTestApp({
      CACHE_STORE: 'redis',
      REDIS_URL: server.url,
      CACHE_NAMESPACE: 'hang',
      REDIS_TIMEOUT_MS: '300',
    });
  });
  afterAll(async () => {
    server.resume();
    await app.close();
    await server.stop();
  });

  it('fails calls that do not answer within REDIS_TIMEOUT_MS with 503, then recovers', async () => {
    await http().put('/resources/frozen').send({ data: 'ice' }).expect(201);
    server.pause();
    for (const route of [
      () => http().get('/resources/frozen'),
      () => http().put('/resources/frozen').send({ data: 'water' }),
    ]) {
      const started = Date.now();
      const res = await route();
      const tookMs = Date.now() - started;
      expect(res.status).toBe(503);
      expect(res.body).toEqual(UNAVAILABLE);
      expect(tookMs).toBeGreaterThanOrEqual(250);
      expect(tookMs).toBeLessThan(2000);
    }
    server.resume();
    await eventually(async () => {
      await http().get('/resources/frozen').expect(200);
    }, 5000);
  });
});

describeWithRedis('when Redis is unreachable at start-up', () => {
  let server: RedisServer;
  let app: TestApp | undefined;

  afterAll(async () => {
    await app?.close();
    await server.stop();
  });

  it('starts anyway, answers 503, and serves once Redis comes up', async () => {
    server = await RedisServer.start();
    await server.kill();
    const started = Date.now();
    app = await startTestApp({
      CACHE_STORE: 'redis',
      REDIS_URL: server.url,
      CACHE_NAMESPACE: 'late',
      REDIS_TIMEOUT_MS: '500',
    });
    expect(Date.now() - started).toBeLessThan(5000);
    const http = app.http;
    await http().put('/resources/late').send({ data: 1 }).expect(503, UNAVAILABLE);

    await server.restart();
    await eventually(async () => {
      await http().put('/resources/late').send({ data: 1 }).expect(201);
    }, 5000);
    await http().get('/resources/late').expect(200);
  });
});
