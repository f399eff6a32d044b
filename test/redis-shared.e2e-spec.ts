import { Agent } from 'node:http';
import { storeTargets } from './helpers/stores';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

// One Redis and the Redis Cluster, where the test run has them (see
// global-setup.ts, which prints a notice when it has none and fails under CI).
const redisTargets = storeTargets.filter((target) => target.store === 'redis');
const describeEachRedis =
  redisTargets.length > 0 ? describe.each(redisTargets) : () => () => undefined;

describeEachRedis('two instances sharing one Redis ($name)', (redis) => {
  let a: TestApp;
  let b: TestApp;
  let agent: Agent;

  beforeAll(async () => {
    // One env() call: both instances get the same namespace.
    const env = redis.env();
    a = await startTestApp(env);
    b = await startTestApp(env);
    agent = new Agent({ keepAlive: true, maxSockets: 50 });
  });
  afterAll(async () => {
    agent.destroy();
    await Promise.all([a.close(), b.close()]);
  });

  it('serves on B what was written through A, and forgets on A what B deleted', async () => {
    await a
      .http()
      .put('/resources/shared-1')
      .send({ data: { v: 1 }, tags: ['x'] })
      .expect(201);
    const onB = await b.http().get('/resources/shared-1').expect(200);
    expect(onB.body).toMatchObject({ id: 'shared-1', data: { v: 1 }, tags: ['x'] });
    await b.http().put('/resources/shared-1').send({ data: 2 }).expect(200);
    await b.http().delete('/resources/shared-1').expect(204);
    await a.http().get('/resources/shared-1').expect(404);
    await a.http().delete('/resources/shared-1').expect(404);
  });

  it('counts 500 concurrent interactions on A plus 500 on B as exactly 1000', async () => {
    const post = (app: TestApp) =>
      app
        .http()
        .post('/interactions')
        .agent(agent)
        .send({ resourceId: 'shared-hot', type: 'click' })
        .expect(201);
    const before = (await a.http().get('/stats').expect(200)).body;
    const responses = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => post(i % 2 === 0 ? a : b)),
    );
    const totals = responses.map((res) => res.body.total as number).sort((x, y) => x - y);
    expect(totals).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    for (const app of [a, b]) {
      const summary = await app.http().get('/interactions/shared-hot').expect(200);
      expect(summary.body).toMatchObject({ total: 1000, byType: { click: 1000 } });
    }
    const after = (await b.http().get('/stats').expect(200)).body;
    expect(after.interactions - before.interactions).toBe(1000);
  });

  it('reports the same stats and top list on both instances', async () => {
    await a.http().put('/resources/shared-stats').send({ data: 1 }).expect(201);
    await a.http().get('/resources/shared-stats').expect(200);
    await b.http().get('/resources/shared-absent').expect(404);
    await b.http().get('/get_cached_resource?id=shared-stats').expect(200);
    const body = async (app: TestApp, path: string): Promise<Record<string, unknown>> => {
      const res = await app.http().get(path).expect(200);
      return res.body as Record<string, unknown>;
    };
    const withoutUptime = ({ uptimeSeconds, ...rest }: Record<string, unknown>) => {
      expect(typeof uptimeSeconds).toBe('number');
      return rest;
    };
    const [statsA, statsB] = await Promise.all([body(a, '/stats'), body(b, '/stats')]);
    const sharedA = withoutUptime(statsA);
    expect(sharedA).toEqual(withoutUptime(statsB));
    expect(sharedA).toMatchObject({ store: 'redis', maxEntries: null });
    expect(sharedA.hits).toBeGreaterThanOrEqual(2);
    expect(sharedA.misses).toBeGreaterThanOrEqual(1);
    const [topA, topB] = await Promise.all([body(a, '/interactions'), body(b, '/interactions')]);
    expect(topA).toEqual(topB);
  });
});
