import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createClient } from '@redis/client';
import type { Response } from 'supertest';
import type { NearCacheActivity } from '../src/cache/cache-store';
import { RedisServer, findRedisServer } from './helpers/redis-server';
import { TcpProxy } from './helpers/tcp-proxy';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { eventually, sleep } from './helpers/time';

/**
 * The near cache (NEAR_CACHE_MAX_ENTRIES) on instances sharing one Redis:
 * reads served in process, yet every change seen by every instance as soon
 * as Redis's invalidation message crosses its tracking connection. Each
 * describe owns its redis-server, so that commands can be counted and
 * connections killed.
 */

const describeWithRedis = findRedisServer() ? describe : describe.skip;

jest.setTimeout(60_000);

const NAMESPACE = 'near';
const VALUE_PREFIX = `${NAMESPACE}:cache:`;
/** The tracking connection's name in CLIENT LIST. */
const TRACKING_NAME = `lapse-near-cache:${NAMESPACE}`;
/**
 * Longest time an instance may serve an old value after another instance
 * answered the change (docs/near-cache.md): Redis's message on the way.
 */
const INVALIDATION_LIMIT_MS = 100;
/** Write/read pairs between two instances: thousands, as the coherence claim is about the worst case. */
const PAIRS = 2000;
/** The interval at which near hits are added to Redis's counters, and some slack. */
const FLUSHED_MS = 200 + 300;

/** What `GET /stats` says of the near cache: the store's own report. */
type NearCacheStats = NearCacheActivity;

type Observer = ReturnType<typeof createClient>;

/** Runs the `redis-cli` program against `redis`; resolves what it printed. */
async function redisCli(redis: RedisServer, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('redis-cli', ['-p', String(redis.port), ...args]);
  return stdout.trim();
}

function nearEnv(redis: RedisServer): Record<string, string> {
  return {
    CACHE_STORE: 'redis',
    REDIS_URL: redis.url,
    CACHE_NAMESPACE: NAMESPACE,
    NEAR_CACHE_MAX_ENTRIES: '1000',
  };
}

async function statsOf(app: TestApp): Promise<Record<string, unknown> & { hits: number }> {
  return (await app.http().get('/stats').expect(200)).body as Record<string, unknown> & {
    hits: number;
  };
}

async function nearOf(app: TestApp): Promise<NearCacheStats> {
  return (await statsOf(app)).nearCache as NearCacheStats;
}

/** Waits until the app's near cache serves (tracking is on). */
async function untilActive(app: TestApp): Promise<void> {
  await eventually(async () => expect((await nearOf(app)).active).toBe(true), 5000);
}

/** Reads `id` on `app` until a read is served near: from then on it is held there. */
async function heldNear(app: TestApp, id: string): Promise<void> {
  const before = (await nearOf(app)).hits;
  await eventually(async () => {
    await app.http().get(`/resources/${id}`).expect(200);
    expect((await nearOf(app)).hits).toBeGreaterThan(before);
  }, 1000);
}

/** How late a change was seen: reads that still gave the old answer, and for how long. */
interface Lateness {
  oldReads: number;
  /** From the change's answer to the start of the first read that gave the new one. */
  delayMs: number;
}

/** Reads until `accept` holds, failing past INVALIDATION_LIMIT_MS; resolves how late it was. */
async function seenWithin(
  read: () => Promise<Response>,
  accept: (res: Response) => boolean,
): Promise<Lateness> {
  const changed = performance.now();
  for (let oldReads = 0; ; oldReads += 1) {
    const started = performance.now();
    const res = await read();
    if (accept(res)) return { oldReads, delayMs: oldReads === 0 ? 0 : started - changed };
    const waited = performance.now() - changed;
    if (waited > INVALIDATION_LIMIT_MS) {
      throw new Error(
        `still ${res.status} ${JSON.stringify(res.body)} ${Math.round(waited)} ms after the change`,
      );
    }
    await sleep(1);
  }
}

/** Commands Redis has run (those of scripts included), but the observer's own INFO calls. */
async function commandsRun(observer: Observer): Promise<number> {
  const stats = await observer.info('commandstats');
  let calls = 0;
  for (const [, command, count] of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (command !== 'info') calls += Number(count);
  }
  return calls;
}

describeWithRedis('a near cache on two instances sharing one Redis', () => {
  let redis: RedisServer;
  let observer: Observer;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redis = await RedisServer.start({ durable: false });
    observer = createClient({ url: redis.url });
    await observer.connect();
    a = await startTestApp(nearEnv(redis));
    b = await startTestApp(nearEnv(redis));
    await Promise.all([untilActive(a), untilActive(b)]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await observer?.quit();
    await redis?.stop();
  });

  const getOnB = (id: string) => () => b.http().get(`/resources/${id}`);

  it(`serves on B each of ${PAIRS} writes made through A as soon as A has answered it`, async () => {
    await a.http().put('/resources/hot').send({ data: -1 }).expect(201);
    await b.http().get('/resources/hot').expect(200);
    const nearHitsBefore = (await nearOf(b)).hits;
    const seen: Lateness[] = [];

    for (let i = 0; i < PAIRS; i += 1) {
      await a.http().put('/resources/hot').send({ data: i }).expect(200);
      seen.push(await seenWithin(getOnB('hot'), (res) => res.body.data === i));
      // Once more: from the near cache, until the next write.
      expect((await getOnB('hot')()).body.data).toBe(i);
    }

    const late = seen.filter(({ oldReads }) => oldReads > 0).length;
    const worst = Math.max(...seen.map(({ delayMs }) => delayMs));
    process.stdout.write(
      `\nNear cache: ${late} of ${PAIRS} first reads on B after a write answered on A gave the old ` +
        `value; worst delay ${worst.toFixed(1)} ms.\n`,
    );
    expect((await nearOf(b)).hits - nearHitsBefore).toBeGreaterThanOrEqual(PAIRS / 2);
  }, 180_000);

  it('forgets on B what A deleted, touched or purged by tag', async () => {
    await a.http().put('/resources/gone').send({ data: 1 }).expect(201);
    await heldNear(b, 'gone');
    await a.http().delete('/resources/gone').expect(204);
    await seenWithin(getOnB('gone'), (res) => res.status === 404);

    await a.http().put('/resources/touched').send({ data: 1, ttl: 60 }).expect(201);
    await heldNear(b, 'touched');
    const touched = await a.http().post('/resources/touched/touch').send({ ttl: 600 }).expect(200);
    await seenWithin(getOnB('touched'), (res) => res.body.expiresAt === touched.body.expiresAt);

    for (const id of ['tagged-1', 'tagged-2']) {
      await a
        .http()
        .put(`/resources/${id}`)
        .send({ data: id, tags: ['group'] })
        .expect(201);
      await heldNear(b, id);
    }
    await a.http().delete('/resources?tag=group').expect(200, { deleted: 2 });
    for (const id of ['tagged-1', 'tagged-2']) {
      await seenWithin(getOnB(id), (res) => res.status === 404);
    }
  });

  it('sees at once on A what A itself changed, before Redis says so', async () => {
    await a.http().put('/resources/own').send({ data: 'old' }).expect(201);
    await heldNear(a, 'own');

    await a.http().put('/resources/own').send({ data: 'new' }).expect(200);
    expect((await a.http().get('/resources/own').expect(200)).body.data).toBe('new');
    await a.http().delete('/resources/own').expect(204);
    await a.http().get('/resources/own').expect(404);
  });

  it('hears changes made in Redis by anyone else (redis-cli SET, DEL on the key)', async () => {
    await a.http().put('/resources/direct').send({ data: 'lapse' }).expect(201);
    await heldNear(b, 'direct');
    const key = `${VALUE_PREFIX}direct`;
    const stored = JSON.parse((await observer.get(key))!) as { value: { value: unknown } };
    stored.value.value = 'edited';

    // Written by the redis-cli program, as an operator would.
    await redisCli(redis, 'SET', key, JSON.stringify(stored), 'PX', '60000');
    await seenWithin(getOnB('direct'), (res) => res.body.data === 'edited');
    await redisCli(redis, 'DEL', key);
    await seenWithin(getOnB('direct'), (res) => res.status === 404);
  });

  it('sends Redis next to no command for repeated reads of an entry held near', async () => {
    await a.http().put('/resources/quiet').send({ data: 'q' }).expect(201);
    await heldNear(b, 'quiet');
    const nearBefore = await nearOf(b);
    const before = await commandsRun(observer);

    for (let i = 0; i < 1000; i += 1) await b.http().get('/resources/quiet').expect(200);

    const commands = (await commandsRun(observer)) - before;
    const nearAfter = await nearOf(b);
    process.stdout.write(
      `\nNear cache: ${commands} Redis command(s) for 1000 reads of one entry held near.\n`,
    );
    expect(nearAfter.hits - nearBefore.hits).toBe(1000);
    // Only the batched hit counts (one script of ~6 commands per flush), at
    // most every 200 ms; without the near cache it would be ~7000.
    expect(commands).toBeLessThanOrEqual(20 * (nearAfter.flushes - nearBefore.flushes + 1));
  });

  it('never serves a near copy at or after its expiry, on either instance (1 s TTL)', async () => {
    const put = await a.http().put('/resources/brief').send({ data: 1, ttl: 1 }).expect(201);
    for (const app of [a, b]) {
      await app.http().get('/resources/brief').expect(200);
    }
    // B serves it near (not from Redis, which would judge expiry itself).
    await heldNear(b, 'brief');

    const expiresAt = Date.parse(put.body.expiresAt);
    while (Date.now() < expiresAt) await sleep(Math.max(1, expiresAt - Date.now()));

    await Promise.all([
      a.http().get('/resources/brief').expect(404),
      b.http().get('/resources/brief').expect(404),
    ]);
  });

  it('counts hits served near on A and B exactly in /stats, /stats/series and /metrics once flushed', async () => {
    await a.http().put('/resources/counted').send({ data: 1 }).expect(201);
    await sleep(FLUSHED_MS);
    const before = await statsOf(a);
    const seriesHits = async (): Promise<number> => {
      const { body } = await a.http().get('/stats/series?from=-2h&interval=hour').expect(200);
      return (body as { points: { hits: number }[] }).points.reduce((sum, p) => sum + p.hits, 0);
    };
    const seriesBefore = await seriesHits();

    for (let i = 0; i < 60; i += 1) {
      await (i % 2 === 0 ? a : b).http().get('/resources/counted').expect(200);
    }
    await b.http().get('/resources/not-there').expect(404);
    await sleep(FLUSHED_MS);

    const [afterA, afterB] = await Promise.all([statsOf(a), statsOf(b)]);
    expect(afterA.hits - before.hits).toBe(60);
    expect(afterB.hits - before.hits).toBe(60);
    expect((afterA.misses as number) - (before.misses as number)).toBe(1);
    expect((await seriesHits()) - seriesBefore).toBe(60);
    const nearB = afterB.nearCache as NearCacheStats;
    expect(nearB).toMatchObject({ enabled: true, active: true });
    expect(nearB.hits).toBeGreaterThan(0);
    expect(nearB.flushes).toBeGreaterThan(0);
    expect(nearB.invalidations).toBeGreaterThan(0);
    const metrics = (await b.http().get('/metrics').expect(200)).text;
    expect(metrics).toContain(`lapse_near_cache_hits_total ${nearB.hits}\n`);
    expect(metrics).toMatch(/^lapse_near_cache_invalidations_total \d+$/m);
    expect(metrics).toMatch(/^lapse_near_cache_flushes_total \d+$/m);
  });
});

describeWithRedis('a near cache whose tracking connection drops', () => {
  let redis: RedisServer;
  let observer: Observer;
  let app: TestApp;

  beforeAll(async () => {
    redis = await RedisServer.start({ durable: false });
    observer = createClient({ url: redis.url });
    await observer.connect();
    app = await startTestApp(nearEnv(redis));
    await untilActive(app);
  });
  afterAll(async () => {
    await app?.close();
    await observer?.quit();
    await redis?.stop();
  });

  /** The ids of the tracking connections, found by their name. */
  async function trackingConnections(): Promise<string[]> {
    const list = await observer.clientList();
    return list
      .filter((client) => client.name === TRACKING_NAME)
      .map((client) => String(client.id));
  }

  it('forgets everything when it drops, reads what changed meanwhile, and serves near again once back', async () => {
    await app.http().put('/resources/k').send({ data: 'before' }).expect(201);
    await heldNear(app, 'k');
    const [killed] = await trackingConnections();
    expect(killed).toBeDefined();
    const key = `${VALUE_PREFIX}k`;
    const stored = JSON.parse((await observer.get(key))!) as { value: { value: unknown } };
    stored.value.value = 'unheard';

    await observer.sendCommand(['CLIENT', 'KILL', 'ID', killed]);
    // At once, long before the connection is back (50 ms at the soonest):
    // Redis tells nobody of this change, and the near copy says `before`.
    await observer.set(key, JSON.stringify(stored), { expiration: 'KEEPTTL' });
    const unheard = await seenWithin(
      () => app.http().get('/resources/k'),
      (res) => res.body.data === 'unheard',
    );
    // The very first read: the drop was heard before it, the reconnection comes later.
    expect(unheard.oldReads).toBe(0);

    await eventually(async () => {
      expect((await nearOf(app)).active).toBe(true);
      const [reconnected] = await trackingConnections();
      expect(reconnected).toBeDefined();
      expect(reconnected).not.toBe(killed);
    }, 5000);
    await heldNear(app, 'k');
    stored.value.value = 'heard';
    await observer.set(key, JSON.stringify(stored), { expiration: 'KEEPTTL' });
    await seenWithin(
      () => app.http().get('/resources/k'),
      (res) => res.body.data === 'heard',
    );
  });
});

describeWithRedis('a near cache cut off from Redis without a reset', () => {
  /** NEAR_CACHE_LEASE_MS: the longest a copy is served without Redis confirming it heard everything. */
  const LEASE_MS = 1000;
  let redis: RedisServer;
  let proxy: TcpProxy;
  let observer: Observer;
  let app: TestApp;

  beforeAll(async () => {
    redis = await RedisServer.start({ durable: false });
    proxy = await TcpProxy.start(redis.port);
    observer = createClient({ url: redis.url });
    await observer.connect();
    app = await startTestApp({ ...nearEnv(redis), REDIS_URL: proxy.url, REDIS_TIMEOUT_MS: '1000' });
    await untilActive(app);
  });
  afterAll(async () => {
    proxy?.thaw();
    await app?.close();
    await observer?.quit();
    await proxy?.close();
    await redis?.stop();
  });

  it('stops serving its near copies within the lease, and serves the change once the network is back', async () => {
    await app.http().put('/resources/cut').send({ data: 'before' }).expect(201);
    await heldNear(app, 'cut');
    const key = `${VALUE_PREFIX}cut`;
    const stored = JSON.parse((await observer.get(key))!) as { value: { value: unknown } };

    // Neither of the instance's connections passes a byte, and neither is closed.
    proxy.freeze();
    const frozenAt = performance.now();
    stored.value.value = 'unheard';
    await observer.set(key, JSON.stringify(stored), { expiration: 'KEEPTTL' });
    await sleep(LEASE_MS + 100 - (performance.now() - frozenAt));

    // Past the lease the old copy is not served: the read goes to Redis and times out.
    const cut = await app.http().get('/resources/cut');
    expect({ status: cut.status, data: (cut.body as { data?: unknown }).data }).toStrictEqual({
      status: 503,
      data: undefined,
    });

    proxy.thaw();
    await eventually(async () => {
      const res = await app.http().get('/resources/cut').expect(200);
      expect(res.body.data).toBe('unheard');
    }, 5000);
    await untilActive(app);
  });
});

describeWithRedis('a near cache at shutdown', () => {
  let redis: RedisServer;
  let observer: Observer;

  beforeAll(async () => {
    redis = await RedisServer.start({ durable: false });
    observer = createClient({ url: redis.url });
    await observer.connect();
  });
  afterAll(async () => {
    await observer?.quit();
    await redis?.stop();
  });

  it('adds its last hits to Redis before its connections close', async () => {
    const app = await startTestApp(nearEnv(redis));
    await untilActive(app);
    await app.http().put('/resources/last').send({ data: 1 }).expect(201);

    for (let i = 0; i < 50; i += 1) await app.http().get('/resources/last').expect(200);
    const near = await nearOf(app);
    await app.close();

    expect(near.hits).toBeGreaterThan(40);
    expect(Number(await observer.hGet(`${NAMESPACE}:stats`, 'hits'))).toBe(50);
    // The tracking connection is closed too: only the observer is left.
    await eventually(async () => expect(await observer.clientList()).toHaveLength(1), 2000);
  });
});
