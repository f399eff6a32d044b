import { createClient } from '@redis/client';
import { RedisServer, findRedisServer } from './helpers/redis-server';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { eventually, sleep } from './helpers/time';

/**
 * An instance with nothing to do leaves Redis alone: expired entries are
 * swept when they are due, not on a fixed beat, so many idle instances on one
 * Redis cost it next to nothing. Each test owns its Redis, to count every
 * command it receives.
 */

const describeWithRedis = findRedisServer() ? describe : describe.skip;

jest.setTimeout(60_000);

describeWithRedis('an idle instance on Redis', () => {
  let redis: RedisServer;
  let app: TestApp;
  let observer: ReturnType<typeof createClient>;

  /** Commands Redis has run, but the observer's own INFO calls. */
  async function commandsRun(): Promise<number> {
    const stats = await observer.info('commandstats');
    let calls = 0;
    for (const [, command, count] of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      if (command !== 'info') calls += Number(count);
    }
    return calls;
  }

  beforeAll(async () => {
    redis = await RedisServer.start({ durable: false });
    observer = createClient({ url: redis.url });
    await observer.connect();
    app = await startTestApp({
      CACHE_STORE: 'redis',
      REDIS_URL: redis.url,
      // Before, a sweep (a script and an INFO) ran at this interval whatever happened.
      CACHE_SWEEP_INTERVAL_MS: '200',
    });
  });
  afterAll(async () => {
    await app?.close();
    await observer?.quit();
    await redis?.stop();
  });

  it('sends Redis no command for seconds when nothing happens', async () => {
    await sleep(1500); // the first sweep, one interval after start
    const before = await commandsRun();

    await sleep(3000);

    expect((await commandsRun()) - before).toBe(0);
  });

  it('still counts an entry as expired soon after its time-to-live', async () => {
    await app.http().put('/resources/short').send({ data: 1, ttl: 1 }).expect(201);

    await eventually(async () => {
      const { body } = await app.http().get('/stats').expect(200);
      expect(body).toMatchObject({ expired: 1, entries: 0 });
    }, 5000);
    const series = await app.http().get('/stats/series?from=-2m').expect(200);
    const expired = (series.body as { points: { expired: number }[] }).points.reduce(
      (sum, point) => sum + point.expired,
      0,
    );
    expect(expired).toBe(1);
  });
});
