import { Agent } from 'node:http';
import { RedisKeyspace } from '../src/redis/redis-keyspace';
import { storeTargets } from './helpers/stores';
import { useTestApp } from './helpers/test-app';
import { sleep } from './helpers/time';
import { namesField } from './helpers/messages';

const isoString = (value: unknown): boolean =>
  typeof value === 'string' && new Date(value).toISOString() === value;

interface TopRow {
  resourceId: string;
  total: number;
  lastAt: string;
}

/** The resource ids of a `GET /interactions` answer, in order. */
const idsOf = (body: unknown): string[] => (body as TopRow[]).map((row) => row.resourceId);

describe.each(storeTargets)('interactions ($name store)', ({ name, env }) => {
  /** Unique ids, so that tests sharing an app (or a store) never see each other's data. */
  const run = Math.random().toString(36).slice(2, 8);
  let counter = 0;
  const uniqueId = (label: string): string => `${label}-${run}-${++counter}`;
  const uniqueIdAnywhere = uniqueId;

  describe('POST /interactions and GET /interactions/:resourceId', () => {
    const { http } = useTestApp(() => ({ ...env(), CACHE_TTL: '120' }));
    const stats = async (): Promise<Record<string, unknown>> =>
      (await http().get('/stats').expect(200)).body as Record<string, unknown>;

    it('records a "view" by default and answers exactly {resourceId, type, total}', async () => {
      const id = uniqueId('default-type');
      const res = await http().post('/interactions').send({ resourceId: id }).expect(201);
      expect(res.body).toStrictEqual({ resourceId: id, type: 'view', total: 1 });

      const summary = await http()
        .get(`/interactions/${encodeURIComponent(id)}`)
        .expect(200);
      expect(summary.body.byType).toStrictEqual({ view: 1 });
    });

    it('records custom types and increments the total on each interaction', async () => {
      const id = uniqueId('custom-types');
      const types = ['click', 'share', 'view', 'click', 'a.b_c-9', 'x'.repeat(64)];
      for (const [index, type] of types.entries()) {
        const res = await http().post('/interactions').send({ resourceId: id, type }).expect(201);
        expect(res.body).toStrictEqual({ resourceId: id, type, total: index + 1 });
      }
      const summary = await http()
        .get(`/interactions/${encodeURIComponent(id)}`)
        .expect(200);
      expect(summary.body.total).toBe(types.length);
      expect(summary.body.byType).toStrictEqual({
        click: 2,
        share: 1,
        view: 1,
        'a.b_c-9': 1,
        ['x'.repeat(64)]: 1,
      });
    });

    it('caches nothing when the interaction carries no data', async () => {
      const id = uniqueId('no-data');
      const before = await stats();
      await http().post('/interactions').send({ resourceId: id, type: 'click' }).expect(201);
      const after = await stats();
      expect(after.sets).toBe(before.sets);
      expect(after.entries).toBe(before.entries);
      await http()
        .get(`/resources/${encodeURIComponent(id)}`)
        .expect(404);
    });

    it('caches data exactly as PUT would, for the default TTL (CACHE_TTL)', async () => {
      const data = { title: 'Hello', nested: { list: [1, 'two', null, true] }, n: 1.5 };
      const tracked = uniqueId('with-data');
      const put = uniqueId('put');

      await http().post('/interactions').send({ resourceId: tracked, data }).expect(201);
      await http()
        .put(`/resources/${encodeURIComponent(put)}`)
        .send({ data })
        .expect(201);

      const fromInteraction = (
        await http()
          .get(`/resources/${encodeURIComponent(tracked)}`)
          .expect(200)
      ).body;
      const fromPut = (
        await http()
          .get(`/resources/${encodeURIComponent(put)}`)
          .expect(200)
      ).body;

      expect(fromInteraction.id).toBe(tracked);
      expect(fromInteraction.data).toStrictEqual(data);
      expect(fromInteraction.tags).toStrictEqual([]);
      expect(fromInteraction.ttl).toBe(120);
      expect(Date.parse(fromInteraction.expiresAt) - Date.parse(fromInteraction.createdAt)).toBe(
        120_000,
      );
      const comparable = ({ data: d, tags, ttl }: Record<string, unknown>) => ({ d, tags, ttl });
      expect(comparable(fromInteraction)).toStrictEqual(comparable(fromPut));
      expect(Object.keys(fromInteraction).sort()).toStrictEqual(Object.keys(fromPut).sort());
    });

    it('caches data verbatim, keys such as __proto__ and constructor included', async () => {
      const id = uniqueId('verbatim');
      const raw =
        '{"__proto__":{"polluted":1},"constructor":{"prototype":2},"z":[{"__proto__":3}]}';
      await http()
        .post('/interactions')
        .set('content-type', 'application/json')
        .send(`{"resourceId":${JSON.stringify(id)},"data":${raw}}`)
        .expect(201);
      const res = await http()
        .get(`/resources/${encodeURIComponent(id)}`)
        .expect(200);
      // toStrictEqual would compare the own "constructor" keys as classes: compare the JSON.
      expect(JSON.stringify(res.body.data)).toBe(raw);
      expect(res.body.data).toEqual(JSON.parse(raw));
      expect(Object.hasOwn(res.body.data, '__proto__')).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('honours a custom ttl for the cached data', async () => {
      const id = uniqueId('custom-ttl');
      await http().post('/interactions').send({ resourceId: id, data: 'x', ttl: 7 }).expect(201);
      const res = await http()
        .get(`/resources/${encodeURIComponent(id)}`)
        .expect(200);
      expect(res.body.ttl).toBe(7);
      expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt)).toBe(7000);
    });

    it('lets data cached with ttl 1 expire after a second, although CACHE_TTL is 120', async () => {
      const id = uniqueId('short-ttl');
      await http()
        .post('/interactions')
        .send({ resourceId: id, data: { short: true }, ttl: 1 })
        .expect(201);
      await http()
        .get(`/resources/${encodeURIComponent(id)}`)
        .expect(200);
      await sleep(1100);
      await http()
        .get(`/resources/${encodeURIComponent(id)}`)
        .expect(404);
      // The interaction itself is still tracked.
      const summary = await http()
        .get(`/interactions/${encodeURIComponent(id)}`)
        .expect(200);
      expect(summary.body.total).toBe(1);
    });

    it('replaces a cached entry and resets its tags to [] as PUT without tags would', async () => {
      const id = uniqueId('tags-reset');
      await http()
        .put(`/resources/${encodeURIComponent(id)}`)
        .send({ data: { v: 1 }, tags: ['a', 'b'], ttl: 5 })
        .expect(201);
      const before = await http()
        .get(`/resources/${encodeURIComponent(id)}`)
        .expect(200);
      expect(before.body.tags).toStrictEqual(['a', 'b']);

      await http()
        .post('/interactions')
        .send({ resourceId: id, data: { v: 2 } })
        .expect(201);
      const after = await http()
        .get(`/resources/${encodeURIComponent(id)}`)
        .expect(200);
      expect(after.body.data).toStrictEqual({ v: 2 });
      expect(after.body.tags).toStrictEqual([]);
      expect(after.body.ttl).toBe(120);
    });

    it.each([
      ['0', 0],
      ['false', false],
      ['""', ''],
      ['[]', []],
      ['{}', {}],
    ])('caches falsy data %s', async (_label, data) => {
      const id = uniqueId('falsy');
      const res = await http().post('/interactions').send({ resourceId: id, data }).expect(201);
      expect(res.body).toStrictEqual({ resourceId: id, type: 'view', total: 1 });
      const cached = await http()
        .get(`/resources/${encodeURIComponent(id)}`)
        .expect(200);
      expect(cached.body.data).toStrictEqual(data);
    });

    it('accepts a 1024-character resource id', async () => {
      const id = `${run}-`.padEnd(1024, 'k');
      expect(id).toHaveLength(1024);
      const res = await http()
        .post('/interactions')
        .send({ resourceId: id, data: { long: true } })
        .expect(201);
      expect(res.body).toStrictEqual({ resourceId: id, type: 'view', total: 1 });
      const summary = await http()
        .get(`/interactions/${encodeURIComponent(id)}`)
        .expect(200);
      expect(summary.body.resourceId).toBe(id);
      const cached = await http()
        .get(`/resources/${encodeURIComponent(id)}`)
        .expect(200);
      expect(cached.body.data).toStrictEqual({ long: true });
    });

    describe('rejects invalid input with 400, recording and caching nothing', () => {
      const data = { title: 'would be cached' };
      const valid = (): string => uniqueId('rejected');
      type Case = [string, (id: string) => Record<string, unknown>, string, boolean];
      // [description, body from a fresh valid id, field the message names, whether the id is usable]
      const cases: Case[] = [
        ['missing resourceId', () => ({ data }), 'resourceId', false],
        ['empty resourceId', () => ({ resourceId: '', data }), 'resourceId', false],
        [
          '1025-character resourceId',
          (id) => ({ resourceId: id.padEnd(1025, 'x'), data }),
          'resourceId',
          false,
        ],
        [
          'resourceId with a control character',
          (id) => ({ resourceId: `${id}\u0007`, data }),
          'resourceId',
          false,
        ],
        ['resourceId as a number', () => ({ resourceId: 42, data }), 'resourceId', false],
        ['type "View"', (id) => ({ resourceId: id, type: 'View', data }), 'type', true],
        ['type "a b"', (id) => ({ resourceId: id, type: 'a b', data }), 'type', true],
        [
          'type of 65 characters',
          (id) => ({ resourceId: id, type: 'a'.repeat(65), data }),
          'type',
          true,
        ],
        ['type as a number', (id) => ({ resourceId: id, type: 7, data }), 'type', true],
        ['data null', (id) => ({ resourceId: id, data: null }), 'data', true],
        ['ttl "5"', (id) => ({ resourceId: id, data, ttl: '5' }), 'ttl', true],
        ['ttl 1.5', (id) => ({ resourceId: id, data, ttl: 1.5 }), 'ttl', true],
        ['ttl 0', (id) => ({ resourceId: id, data, ttl: 0 }), 'ttl', true],
        ['ttl -1', (id) => ({ resourceId: id, data, ttl: -1 }), 'ttl', true],
        ['ttl 31536001', (id) => ({ resourceId: id, data, ttl: 31_536_001 }), 'ttl', true],
        ['an unknown field', (id) => ({ resourceId: id, data, extra: 1 }), 'extra', true],
      ];

      it.each(cases)('%s', async (_description, makeBody, field, idUsable) => {
        const id = valid();
        const body = makeBody(id);
        const before = await stats();

        const res = await http().post('/interactions').send(body).expect(400);
        expect(namesField(res.body, field)).toBe(true);

        const after = await stats();
        expect(after.interactions).toBe(before.interactions);
        expect(after.sets).toBe(before.sets);
        expect(after.entries).toBe(before.entries);
        if (idUsable) {
          await http()
            .get(`/interactions/${encodeURIComponent(id)}`)
            .expect(404);
          await http()
            .get(`/resources/${encodeURIComponent(id)}`)
            .expect(404);
        }
        const top = await http().get('/interactions?limit=1000').expect(200);
        expect(idsOf(top.body)).not.toContain(body.resourceId);
      });

      it('malformed JSON', async () => {
        const id = valid();
        const before = await stats();
        await http()
          .post('/interactions')
          .set('content-type', 'application/json')
          .send(`{"resourceId":${JSON.stringify(id)},"data":{"a":1}`)
          .expect(400);
        const after = await stats();
        expect(after.interactions).toBe(before.interactions);
        expect(after.sets).toBe(before.sets);
        await http()
          .get(`/interactions/${encodeURIComponent(id)}`)
          .expect(404);
        await http()
          .get(`/resources/${encodeURIComponent(id)}`)
          .expect(404);
      });
    });

    it('summarises a resource as {resourceId, total, byType, firstAt, lastAt}', async () => {
      const id = uniqueId('summary');
      const start = Date.now();
      await http().post('/interactions').send({ resourceId: id, type: 'click' }).expect(201);
      await sleep(25);
      await http().post('/interactions').send({ resourceId: id }).expect(201);
      await http().post('/interactions').send({ resourceId: id }).expect(201);
      const end = Date.now();

      const res = await http()
        .get(`/interactions/${encodeURIComponent(id)}`)
        .expect(200);
      expect(Object.keys(res.body).sort()).toStrictEqual(
        ['byType', 'firstAt', 'lastAt', 'resourceId', 'total'].sort(),
      );
      expect(res.body.resourceId).toBe(id);
      expect(res.body.total).toBe(3);
      expect(res.body.byType).toStrictEqual({ click: 1, view: 2 });
      expect(isoString(res.body.firstAt)).toBe(true);
      expect(isoString(res.body.lastAt)).toBe(true);
      const firstAt = Date.parse(res.body.firstAt);
      const lastAt = Date.parse(res.body.lastAt);
      expect(firstAt).toBeGreaterThanOrEqual(start);
      expect(lastAt).toBeLessThanOrEqual(end);
      expect(firstAt).toBeLessThanOrEqual(lastAt);
      // The first interaction came 25 ms before the last ones.
      expect(lastAt - firstAt).toBeGreaterThanOrEqual(20);
    });

    it('answers 404 for a resource never tracked, even when it is cached', async () => {
      await http()
        .get(`/interactions/${encodeURIComponent(uniqueId('never'))}`)
        .expect(404);
      const cachedOnly = uniqueId('cached-only');
      await http()
        .put(`/resources/${encodeURIComponent(cachedOnly)}`)
        .send({ data: 1 })
        .expect(201);
      await http()
        .get(`/interactions/${encodeURIComponent(cachedOnly)}`)
        .expect(404);
    });

    it('reads ids holding slashes and reserved characters when percent-encoded', async () => {
      const id = `https://example.com/${run}/a/b?c=d&e=f#g h%`;
      await http().post('/interactions').send({ resourceId: id, type: 'share' }).expect(201);
      const res = await http()
        .get(`/interactions/${encodeURIComponent(id)}`)
        .expect(200);
      expect(res.body.resourceId).toBe(id);
      expect(res.body.byType).toStrictEqual({ share: 1 });
    });

    describe.each(['__proto__', 'constructor', 'toString'])('the id %s', (id) => {
      it('is tracked, summarised and cached as an ordinary id', async () => {
        // Prototype members must not pass for tracked resources.
        await http().get(`/interactions/${id}`).expect(404);

        const first = await http().post('/interactions').send({ resourceId: id }).expect(201);
        expect(first.body).toStrictEqual({ resourceId: id, type: 'view', total: 1 });
        const second = await http()
          .post('/interactions')
          .send({ resourceId: id, type: 'click', data: { of: id } })
          .expect(201);
        expect(second.body).toStrictEqual({ resourceId: id, type: 'click', total: 2 });

        const summary = await http().get(`/interactions/${id}`).expect(200);
        expect(summary.body.resourceId).toBe(id);
        expect(summary.body.total).toBe(2);
        expect(summary.body.byType).toStrictEqual({ view: 1, click: 1 });

        const cached = await http().get(`/resources/${id}`).expect(200);
        expect(cached.body.id).toBe(id);
        expect(cached.body.data).toStrictEqual({ of: id });
      });
    });

    it('reports the type __proto__ as an own key of byType', async () => {
      const id = uniqueId('proto-type');
      for (const type of ['__proto__', '__proto__', 'constructor', 'view']) {
        await http().post('/interactions').send({ resourceId: id, type }).expect(201);
      }
      const res = await http()
        .get(`/interactions/${encodeURIComponent(id)}`)
        .expect(200);
      expect(res.text).toContain('"__proto__":2');
      expect(Object.hasOwn(res.body.byType, '__proto__')).toBe(true);
      expect(res.body.byType['__proto__']).toBe(2);
      expect(res.body.byType).toStrictEqual(JSON.parse('{"__proto__":2,"constructor":1,"view":1}'));
      expect(res.body.total).toBe(4);
    });
  });

  describe('GET /interactions (most interacted)', () => {
    const { http } = useTestApp(() => ({ ...env() }), { perTest: true });
    const track = async (resourceId: string, times: number): Promise<void> => {
      for (let i = 0; i < times; i++) {
        await http().post('/interactions').send({ resourceId }).expect(201);
      }
    };

    it('lists the resources highest total first, as {resourceId, total, lastAt}', async () => {
      const [low, high, middle] = [uniqueId('low'), uniqueId('high'), uniqueId('middle')];
      await track(low, 1);
      await track(high, 3);
      await track(middle, 2);

      const res = await http().get('/interactions').expect(200);
      expect(res.body).toHaveLength(3);
      expect(idsOf(res.body)).toStrictEqual([high, middle, low]);
      expect((res.body as TopRow[]).map((row) => row.total)).toStrictEqual([3, 2, 1]);
      for (const row of res.body as Record<string, unknown>[]) {
        expect(Object.keys(row).sort()).toStrictEqual(['lastAt', 'resourceId', 'total']);
        expect(isoString(row.lastAt)).toBe(true);
        const summary = await http()
          .get(`/interactions/${encodeURIComponent(row.resourceId as string)}`)
          .expect(200);
        expect(row.lastAt).toBe(summary.body.lastAt);
        expect(row.total).toBe(summary.body.total);
      }
    });

    it('lists 10 by default and respects ?limit', async () => {
      const ids = Array.from({ length: 12 }, (_, i) => uniqueId(`ranked-${i + 1}`));
      // ids[i] gets i + 1 interactions, so the ranking is ids reversed.
      for (const [i, id] of ids.entries()) await track(id, i + 1);
      const ranking = [...ids].reverse();
      const listed = async (query: string): Promise<string[]> =>
        idsOf((await http().get(`/interactions${query}`).expect(200)).body);

      expect(await listed('')).toStrictEqual(ranking.slice(0, 10));
      expect(await listed('?limit=1')).toStrictEqual(ranking.slice(0, 1));
      expect(await listed('?limit=3')).toStrictEqual(ranking.slice(0, 3));
      expect(await listed('?limit=11')).toStrictEqual(ranking.slice(0, 11));
      expect(await listed('?limit=1000')).toStrictEqual(ranking);
    });

    it.each(['0', '1001', 'abc', '1.5'])('rejects limit=%p with 400 naming limit', async (l) => {
      const res = await http().get(`/interactions?limit=${l}`).expect(400);
      expect(namesField(res.body, 'limit')).toBe(true);
    });

    it('rejects an unknown query parameter with 400 naming it', async () => {
      const res = await http().get('/interactions?limit=2&sort=asc').expect(400);
      expect(namesField(res.body, 'sort')).toBe(true);
    });
  });

  describe('counting under concurrency', () => {
    // Registered first, so that the agent's connections are gone before the app closes.
    let agent: Agent;
    beforeAll(() => {
      agent = new Agent({ keepAlive: true, maxSockets: 64 });
    });
    afterAll(() => {
      agent.destroy();
    });
    // A listening server, so that keep-alive connections are reused across batches.
    const { http } = useTestApp(() => ({ ...env() }), { listen: true });

    it('counts 1000 concurrent interactions exactly', async () => {
      const id = uniqueId('concurrent');
      const before = (await http().get('/stats').expect(200)).body;

      const totals: number[] = [];
      for (let batch = 0; batch < 4; batch++) {
        const responses = await Promise.all(
          Array.from({ length: 250 }, (_, i) =>
            http()
              .post('/interactions')
              .agent(agent)
              .send({ resourceId: id, type: i % 2 === 0 ? 'view' : 'click' }),
          ),
        );
        for (const res of responses) {
          expect(res.status).toBe(201);
          totals.push(res.body.total);
        }
      }
      // Every interaction saw a distinct total: 1, 2, ..., 1000.
      expect([...totals].sort((a, b) => a - b)).toStrictEqual(
        Array.from({ length: 1000 }, (_, i) => i + 1),
      );

      const summary = await http()
        .get(`/interactions/${encodeURIComponent(id)}`)
        .expect(200);
      expect(summary.body.total).toBe(1000);
      expect(summary.body.byType).toStrictEqual({ view: 500, click: 500 });

      const after = (await http().get('/stats').expect(200)).body;
      expect(after.interactions - before.interactions).toBe(1000);
    });
  });

  // On a cluster, each shard keeps ceil(TRACKING_MAX_RESOURCES / REDIS_SHARDS) resources:
  // there the tests track ids of one shard, which keeps 3 as one Redis keeps 3 in all.
  const shards = name === 'redis-cluster' ? 4 : 1;
  const bound = { TRACKING_MAX_RESOURCES: String(3 * shards) };
  const sharding: Record<string, string> = shards > 1 ? { REDIS_SHARDS: String(shards) } : {};
  describe(`bounded tracking (${Object.entries({ ...bound, ...sharding })
    .map(([variable, value]) => `${variable}=${value}`)
    .join(', ')})`, () => {
    const { http } = useTestApp(() => ({ ...env(), ...bound, ...sharding }), {
      perTest: true,
    });
    const keyspace = RedisKeyspace.cluster('any', shards);
    /** A unique id of shard 0 (the only shard with one Redis or memory). */
    const uniqueId = (label: string): string => {
      for (;;) {
        const id = uniqueIdAnywhere(label);
        if (keyspace.shardOf(id) === 0) return id;
      }
    };
    const track = (resourceId: string) =>
      http().post('/interactions').send({ resourceId }).expect(201);
    const listed = async (): Promise<string[]> =>
      idsOf((await http().get('/interactions?limit=1000').expect(200)).body);

    it('drops the least recently active resource when a fourth is tracked', async () => {
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(uniqueId);
      for (const id of [a, b, c]) await track(id);
      expect((await listed()).sort()).toStrictEqual([a, b, c].sort());

      await track(d);
      await http()
        .get(`/interactions/${encodeURIComponent(a)}`)
        .expect(404);
      for (const id of [b, c, d]) {
        await http()
          .get(`/interactions/${encodeURIComponent(id)}`)
          .expect(200);
      }
      expect((await listed()).sort()).toStrictEqual([b, c, d].sort());
      // Interactions of a dropped resource still count.
      expect((await http().get('/stats').expect(200)).body.interactions).toBe(4);
    });

    it('keeps a resource tracked again recently and drops the next least recent', async () => {
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(uniqueId);
      for (const id of [a, b, a, c, d]) await track(id);

      await http()
        .get(`/interactions/${encodeURIComponent(b)}`)
        .expect(404);
      const summaryOfA = await http()
        .get(`/interactions/${encodeURIComponent(a)}`)
        .expect(200);
      expect(summaryOfA.body.total).toBe(2);
      for (const id of [c, d]) {
        await http()
          .get(`/interactions/${encodeURIComponent(id)}`)
          .expect(200);
      }
      const top = await listed();
      expect(top).toHaveLength(3);
      expect(top[0]).toBe(a);
      expect([...top].sort()).toStrictEqual([a, c, d].sort());
    });
  });
});
