import { storeTargets } from './helpers/stores';
import { useTestApps } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { sleep } from './helpers/time';

interface Stats {
  store: string;
  entries: number;
  maxEntries: number | null;
  defaultTtl: number;
  hits: number;
  misses: number;
  hitRatio: number;
  sets: number;
  deletes: number;
  expired: number;
  evicted: number;
  interactions: number;
  uptimeSeconds: number;
  origin: Record<string, number>;
  nearCache: Record<string, number | boolean>;
}

const STATS_KEYS = [
  'store',
  'entries',
  'maxEntries',
  'defaultTtl',
  'hits',
  'misses',
  'hitRatio',
  'sets',
  'deletes',
  'expired',
  'evicted',
  'interactions',
  'uptimeSeconds',
  'origin',
  'nearCache',
];

/** The read-through counters under `origin`. */
const ORIGIN_KEYS = ['fetches', 'revalidations', 'staleServed', 'errors', 'joined'];

/** Counters a request moves; everything `GET /stats` reports but the uptime. */
type Counters = Omit<Stats, 'uptimeSeconds'>;

describe.each(storeTargets)('GET /stats ($name store)', ({ store, env }) => {
  /** Boots an app that is closed after the test. */
  const boot = useTestApps(env);

  const statsOf = async ({ http }: TestApp): Promise<Stats> =>
    (await http().get('/stats').expect(200)).body as Stats;
  const countersOf = async (app: TestApp): Promise<Counters> => {
    const counters: Partial<Stats> = await statsOf(app);
    delete counters.uptimeSeconds;
    return counters as Counters;
  };

  it('reports exactly the documented keys, with the store name and CACHE_TTL', async () => {
    const app = await boot({ CACHE_TTL: '45' });
    const stats = await statsOf(app);
    expect(Object.keys(stats).sort()).toStrictEqual([...STATS_KEYS].sort());
    expect(stats.store).toBe(store);
    expect(stats.defaultTtl).toBe(45);
    for (const key of STATS_KEYS.filter(
      (k) => !['store', 'maxEntries', 'hitRatio', 'origin', 'nearCache'].includes(k),
    )) {
      expect(Number.isInteger(stats[key as keyof Stats])).toBe(true);
      expect(stats[key as keyof Stats]).toBeGreaterThanOrEqual(0);
    }
    // Read-through is off without ORIGINS: its counters are there, at zero.
    expect(stats.origin).toStrictEqual(Object.fromEntries(ORIGIN_KEYS.map((key) => [key, 0])));
    // The near cache is off by default (NEAR_CACHE_MAX_ENTRIES=0): there, at zero.
    expect(stats.nearCache).toStrictEqual({
      enabled: false,
      active: false,
      entries: 0,
      hits: 0,
      invalidations: 0,
      flushes: 0,
    });
    expect(stats.maxEntries === null || Number.isInteger(stats.maxEntries)).toBe(true);
    expect(typeof stats.hitRatio).toBe('number');
  });

  it('reports another CACHE_TTL as defaultTtl', async () => {
    const app = await boot({ CACHE_TTL: '1' });
    expect((await statsOf(app)).defaultTtl).toBe(1);
  });

  it('reports a hitRatio of 0 on a fresh app, before any read', async () => {
    const app = await boot();
    await app.http().put('/resources/written-not-read').send({ data: 1 }).expect(201);
    const stats = await statsOf(app);
    expect(stats.hits).toBe(0);
    expect(stats.misses).toBe(0);
    expect(stats.hitRatio).toBe(0);
  });

  it('counts a hit and a miss of GET /resources/:id by exactly one each', async () => {
    const app = await boot();
    const { http } = app;
    await http()
      .put('/resources/present')
      .send({ data: { a: 1 } })
      .expect(201);

    const s0 = await countersOf(app);
    await http().get('/resources/present').expect(200);
    const s1 = await countersOf(app);
    expect(s1.hits).toBe(s0.hits + 1);
    expect(s1.misses).toBe(s0.misses);

    await http().get('/resources/absent').expect(404);
    const s2 = await countersOf(app);
    expect(s2.hits).toBe(s1.hits);
    expect(s2.misses).toBe(s1.misses + 1);
  });

  it('counts a hit and a miss of GET /get_cached_resource?id= by exactly one each', async () => {
    const app = await boot();
    const { http } = app;
    await http()
      .put('/resources/present')
      .send({ data: { a: 1 } })
      .expect(201);

    const s0 = await countersOf(app);
    const hit = await http().get('/get_cached_resource').query({ id: 'present' }).expect(200);
    expect(hit.body).toStrictEqual({ status: 'success', data: { a: 1 } });
    const s1 = await countersOf(app);
    expect(s1.hits).toBe(s0.hits + 1);
    expect(s1.misses).toBe(s0.misses);

    const miss = await http().get('/get_cached_resource').query({ id: 'absent' }).expect(200);
    expect(miss.body.status).toBe('failure');
    const s2 = await countersOf(app);
    expect(s2.hits).toBe(s1.hits);
    expect(s2.misses).toBe(s1.misses + 1);
  });

  it('counts a read of an expired entry as a miss', async () => {
    const app = await boot();
    const { http } = app;
    await http().put('/resources/short').send({ data: 1, ttl: 1 }).expect(201);
    await sleep(1100);
    const s0 = await countersOf(app);
    await http().get('/resources/short').expect(404);
    const s1 = await countersOf(app);
    expect(s1.hits).toBe(s0.hits);
    expect(s1.misses).toBe(s0.misses + 1);
  });

  it('reports hitRatio = hits / (hits + misses)', async () => {
    const app = await boot();
    const { http } = app;
    await http().put('/resources/r').send({ data: 'x' }).expect(201);
    await http().get('/resources/r').expect(200);
    await http().get('/resources/r').expect(200);
    await http().get('/get_cached_resource?id=r').expect(200);
    await http().get('/resources/missing').expect(404);

    const stats = await statsOf(app);
    expect(stats.hits).toBe(3);
    expect(stats.misses).toBe(1);
    expect(stats.hitRatio).toBeCloseTo(stats.hits / (stats.hits + stats.misses), 12);
    expect(stats.hitRatio).toBeCloseTo(0.75, 12);
  });

  it('counts writes in sets: PUT, POST /track_interaction and POST /interactions with data', async () => {
    const app = await boot();
    const { http } = app;
    const s0 = await countersOf(app);

    await http().put('/resources/one').send({ data: 1 }).expect(201);
    const s1 = await countersOf(app);
    expect(s1.sets).toBe(s0.sets + 1);
    expect(s1.entries).toBe(s0.entries + 1);

    await http().put('/resources/one').send({ data: 2 }).expect(200);
    const s2 = await countersOf(app);
    expect(s2.sets).toBe(s1.sets + 1);
    expect(s2.entries).toBe(s1.entries);

    const seed = await http()
      .post('/track_interaction')
      .send({ id: 'two', data: { b: 2 } })
      .expect(200);
    expect(seed.body.status).toBe('success');
    const s3 = await countersOf(app);
    expect(s3.sets).toBe(s2.sets + 1);
    expect(s3.entries).toBe(s2.entries + 1);
    expect(s3.interactions).toBe(s2.interactions + 1);

    await http()
      .post('/interactions')
      .send({ resourceId: 'three', data: [3] })
      .expect(201);
    const s4 = await countersOf(app);
    expect(s4.sets).toBe(s3.sets + 1);
    expect(s4.entries).toBe(s3.entries + 1);
    expect(s4.interactions).toBe(s3.interactions + 1);

    await http().post('/interactions').send({ resourceId: 'four' }).expect(201);
    const s5 = await countersOf(app);
    expect(s5.sets).toBe(s4.sets);
    expect(s5.entries).toBe(s4.entries);
    expect(s5.interactions).toBe(s4.interactions + 1);

    // Writes are not reads.
    expect(s5.hits).toBe(s0.hits);
    expect(s5.misses).toBe(s0.misses);
  });

  it('counts a DELETE in deletes, but not a DELETE answered 404', async () => {
    const app = await boot();
    const { http } = app;
    await http().put('/resources/doomed').send({ data: true }).expect(201);

    const s0 = await countersOf(app);
    await http().delete('/resources/doomed').expect(204);
    const s1 = await countersOf(app);
    expect(s1.deletes).toBe(s0.deletes + 1);
    expect(s1.entries).toBe(s0.entries - 1);

    await http().delete('/resources/doomed').expect(404);
    await http().delete('/resources/never-there').expect(404);
    const s2 = await countersOf(app);
    expect(s2.deletes).toBe(s1.deletes);
    expect(s2).toStrictEqual(s1);
  });

  it('counts an entry whose 1 s TTL ran out in expired, reclaimed without a read', async () => {
    const app = await boot({ CACHE_SWEEP_INTERVAL_MS: '100' });
    const { http } = app;
    await http().put('/resources/lasting').send({ data: 1, ttl: 600 }).expect(201);
    await http().put('/resources/fleeting').send({ data: 2, ttl: 1 }).expect(201);
    const s0 = await countersOf(app);

    // The entry dies after 1 s; the sweep reclaims it within about 2 s more.
    let s1 = s0;
    const deadline = Date.now() + 6000;
    while (s1.expired === s0.expired && Date.now() < deadline) {
      await sleep(200);
      s1 = await countersOf(app);
    }
    expect(s1.expired).toBe(s0.expired + 1);
    expect(s1.entries).toBe(s0.entries - 1);
    expect(s1.hits).toBe(s0.hits);
    expect(s1.misses).toBe(s0.misses);
    expect(s1.deletes).toBe(s0.deletes);
    expect(s1.evicted).toBe(s0.evicted);
    await http().get('/resources/lasting').expect(200);
  });

  if (store === 'memory') {
    it('counts an eviction when a third PUT exceeds CACHE_MAX_ENTRIES=2 (memory store only)', async () => {
      const app = await boot({ CACHE_MAX_ENTRIES: '2' });
      const { http } = app;
      expect((await statsOf(app)).maxEntries).toBe(2);

      await http().put('/resources/first').send({ data: 1 }).expect(201);
      await http().put('/resources/second').send({ data: 2 }).expect(201);
      const s0 = await countersOf(app);
      expect(s0.entries).toBe(2);

      await http().put('/resources/third').send({ data: 3 }).expect(201);
      const s1 = await countersOf(app);
      expect(s1.evicted).toBe(s0.evicted + 1);
      expect(s1.expired).toBe(s0.expired);
      expect(s1.entries).toBe(2);
      expect(s1.sets).toBe(s0.sets + 1);

      // The least recently used entry went.
      await http().get('/resources/first').expect(404);
      await http().get('/resources/second').expect(200);
      await http().get('/resources/third').expect(200);
    });
  }

  it('changes no counter when a request is rejected with 400', async () => {
    const app = await boot();
    const { http } = app;
    await http().put('/resources/kept').send({ data: 1 }).expect(201);
    await http().post('/interactions').send({ resourceId: 'kept' }).expect(201);
    const before = await countersOf(app);

    const longId = 'x'.repeat(1025);
    await http().put('/resources/kept').send({}).expect(400);
    await http().put('/resources/kept').send({ data: null }).expect(400);
    await http().put('/resources/kept').send({ data: 2, ttl: 0 }).expect(400);
    await http().put('/resources/kept').send({ data: 2, extra: true }).expect(400);
    await http()
      .put('/resources/kept')
      .set('content-type', 'application/json')
      .send('{"data":')
      .expect(400);
    await http().put(`/resources/${longId}`).send({ data: 2 }).expect(400);
    await http().get(`/resources/${longId}`).expect(400);
    await http().delete(`/resources/${longId}`).expect(400);
    await http().post('/resources/kept/touch').send({ ttl: 1.5 }).expect(400);
    await http()
      .post('/interactions')
      .send({ resourceId: 'kept', type: 'Bad Type', data: 3 })
      .expect(400);
    await http().post('/interactions').send({ resourceId: '', data: 3 }).expect(400);
    await http().post('/interactions').send({ resourceId: 'kept', data: 3, ttl: '5' }).expect(400);
    await http().get('/interactions?limit=0').expect(400);
    await http().get(`/interactions/${longId}`).expect(400);

    expect(await countersOf(app)).toStrictEqual(before);
  });
});
