import { Agent } from 'node:http';
import type { Response } from 'supertest';
import { storeTargets } from './helpers/stores';
import { startTestApp, useTestApp } from './helpers/test-app';
import { sleep } from './helpers/time';

// Real 1 s expiries: more than Jest's default 5 s for some tests.
jest.setTimeout(30_000);

const HTTP_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const STRONG_ETAG = /^"[\x21\x23-\x7e]+"$/;

/** The counters a write moves (`entries` is left out: expiries elsewhere move it). */
interface Counters {
  sets: number;
  deletes: number;
}

/** How many responses had each status, e.g. `{ 200: 1, 412: 19 }`. */
function statusCounts(responses: Response[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const res of responses) counts[res.status] = (counts[res.status] ?? 0) + 1;
  return counts;
}

describe.each(storeTargets)('conditional writes ($name store)', ({ store, env }) => {
  // Registered first, so that the agent's connections are gone before the app closes.
  let agent: Agent;
  beforeAll(() => {
    agent = new Agent({ keepAlive: true, maxSockets: 64 });
  });
  afterAll(() => {
    agent.destroy();
  });
  // A listening server, so that concurrent requests really arrive together.
  const { http } = useTestApp(() => ({ ...env(), CACHE_TTL: '60' }), { listen: true });
  const path = (id: string) => `/resources/${encodeURIComponent(id)}`;
  const put = (id: string, body: object) => http().put(path(id)).agent(agent).send(body);
  const get = (id: string) => http().get(path(id)).agent(agent);
  const del = (id: string) => http().delete(path(id)).agent(agent);
  const counters = async (): Promise<Counters> => {
    const { sets, deletes } = (await http().get('/stats').expect(200)).body as Counters;
    return { sets, deletes };
  };

  /** Reads the entry and its ETag, as a client would before a conditional write. */
  const current = async (id: string): Promise<{ etag: string; data: unknown; body: object }> => {
    const res = await get(id).expect(200);
    return { etag: res.headers.etag, data: res.body.data, body: res.body };
  };

  /** Expects a 412 that left the entry exactly as it was (same data, same ETag). */
  const expectUnchanged = async (id: string, before: { etag: string; body: object }) => {
    const after = await get(id).expect(200);
    expect(after.headers.etag).toBe(before.etag);
    expect(after.body).toMatchObject({ ...before.body, ttl: expect.any(Number) });
  };

  describe('validators in PUT responses', () => {
    it('201 and 200 carry the new ETag and Last-Modified, the ones GET then sends', async () => {
      const created = await put('v-put', { data: { v: 1 } }).expect(201);
      expect(created.headers.etag).toMatch(STRONG_ETAG);
      expect(created.headers['last-modified']).toMatch(HTTP_DATE);
      expect(created.headers['last-modified']).toBe(new Date(created.body.createdAt).toUTCString());
      const read1 = await get('v-put').expect(200);
      expect(read1.headers.etag).toBe(created.headers.etag);
      expect(read1.headers['last-modified']).toBe(created.headers['last-modified']);

      const replaced = await put('v-put', { data: { v: 2 } }).expect(200);
      expect(replaced.headers.etag).toMatch(STRONG_ETAG);
      expect(replaced.headers.etag).not.toBe(created.headers.etag);
      expect(replaced.headers['last-modified']).toBe(
        new Date(replaced.body.createdAt).toUTCString(),
      );
      const read2 = await get('v-put').expect(200);
      expect(read2.headers.etag).toBe(replaced.headers.etag);
      expect(read2.headers['last-modified']).toBe(replaced.headers['last-modified']);
    });
  });

  describe('If-Match on PUT', () => {
    it('with the current ETag: 200, the data replaced, a new ETag', async () => {
      await put('im-ok', { data: 'v1' }).expect(201);
      const before = await current('im-ok');
      const res = await put('im-ok', { data: 'v2' }).set('If-Match', before.etag).expect(200);
      expect(res.body.data).toBe('v2');
      expect(res.headers.etag).not.toBe(before.etag);
      const after = await current('im-ok');
      expect(after.data).toBe('v2');
      expect(after.etag).toBe(res.headers.etag);
    });

    it('with a list holding the current ETag: 200', async () => {
      await put('im-list', { data: 1 }).expect(201);
      const { etag } = await current('im-list');
      await put('im-list', { data: 2 }).set('If-Match', `"nope", ${etag}`).expect(200);
      expect((await current('im-list')).data).toBe(2);
    });

    it('with a stale ETag: 412, nothing changed, sets unchanged', async () => {
      await put('im-stale', { data: 'old', tags: ['t1'] }).expect(201);
      const old = await current('im-stale');
      await put('im-stale', { data: 'mid', tags: ['t2'] }).expect(200);
      const before = await current('im-stale');
      const stats = await counters();
      const res = await put('im-stale', { data: 'lost', tags: ['t3'], ttl: 5 })
        .set('If-Match', old.etag)
        .expect(412);
      expect(res.body).toMatchObject({ statusCode: 412 });
      expect(res.headers.etag).toBeUndefined();
      await expectUnchanged('im-stale', before);
      expect((await current('im-stale')).data).toBe('mid');
      expect(await counters()).toEqual(stats);
    });

    it('with the current ETag marked weak (W/): 412, a weak tag never matches', async () => {
      await put('im-weak', { data: 'w' }).expect(201);
      const before = await current('im-weak');
      const stats = await counters();
      await put('im-weak', { data: 'x' }).set('If-Match', `W/${before.etag}`).expect(412);
      await put('im-weak', { data: 'x' }).set('If-Match', `"nope", W/${before.etag}`).expect(412);
      await expectUnchanged('im-weak', before);
      expect(await counters()).toEqual(stats);
    });

    it('* on an existing entry: 200; on a missing one: 412 and still missing', async () => {
      await put('im-star', { data: 1 }).expect(201);
      await put('im-star', { data: 2 }).set('If-Match', '*').expect(200);
      expect((await current('im-star')).data).toBe(2);
      const stats = await counters();
      await put('im-star-absent', { data: 1 }).set('If-Match', '*').expect(412);
      await put('im-star-absent', { data: 1 }).set('If-Match', '"any"').expect(412);
      await get('im-star-absent').expect(404);
      expect(await counters()).toEqual(stats);
    });

    it('on an expired entry: 412 (it no longer exists), even with its last ETag', async () => {
      await put('im-expired', { data: 'short', ttl: 1 }).expect(201);
      const { etag } = await current('im-expired');
      await sleep(1100);
      await put('im-expired', { data: 'again' }).set('If-Match', etag).expect(412);
      await put('im-expired', { data: 'again' }).set('If-Match', '*').expect(412);
      await get('im-expired').expect(404);
    });
  });

  describe('If-None-Match: * on PUT (create only)', () => {
    it('201 when absent; 412 when it exists, nothing changed, sets unchanged', async () => {
      const created = await put('inm-create', { data: 'first', tags: ['a'] })
        .set('If-None-Match', '*')
        .expect(201);
      expect(created.headers.etag).toMatch(STRONG_ETAG);
      const before = await current('inm-create');
      expect(before.etag).toBe(created.headers.etag);
      const stats = await counters();
      await put('inm-create', { data: 'second' }).set('If-None-Match', '*').expect(412);
      await expectUnchanged('inm-create', before);
      expect((await current('inm-create')).data).toBe('first');
      expect(await counters()).toEqual(stats);
    });

    it('creates again (201) once the entry has expired', async () => {
      await put('inm-expired', { data: 'old', ttl: 1 }).set('If-None-Match', '*').expect(201);
      await put('inm-expired', { data: 'x' }).set('If-None-Match', '*').expect(412);
      await sleep(1100);
      await put('inm-expired', { data: 'new' }).set('If-None-Match', '*').expect(201);
      expect((await current('inm-expired')).data).toBe('new');
    });

    it('creates again (201) after a delete', async () => {
      await put('inm-deleted', { data: 1 }).set('If-None-Match', '*').expect(201);
      await del('inm-deleted').expect(204);
      await put('inm-deleted', { data: 2 }).set('If-None-Match', '*').expect(201);
      expect((await current('inm-deleted')).data).toBe(2);
    });
  });

  describe('If-Match on DELETE', () => {
    it('with a stale ETag: 412, the entry still there and unchanged, deletes unchanged', async () => {
      await put('del-stale', { data: 'a' }).expect(201);
      const old = await current('del-stale');
      await put('del-stale', { data: 'b' }).expect(200);
      const before = await current('del-stale');
      const stats = await counters();
      await del('del-stale').set('If-Match', old.etag).expect(412);
      await del('del-stale').set('If-Match', '"made-up", "other"').expect(412);
      await expectUnchanged('del-stale', before);
      expect(await counters()).toEqual(stats);
    });

    it('with the current ETag marked weak: 412, still there', async () => {
      await put('del-weak', { data: 'w' }).expect(201);
      const before = await current('del-weak');
      await del('del-weak').set('If-Match', `W/${before.etag}`).expect(412);
      await expectUnchanged('del-weak', before);
    });

    it('with the current ETag (alone or in a list): 204, then gone', async () => {
      await put('del-ok', { data: 'x' }).expect(201);
      const { etag } = await current('del-ok');
      const stats = await counters();
      await del('del-ok').set('If-Match', `"other", ${etag}`).expect(204);
      await get('del-ok').expect(404);
      expect(await counters()).toEqual({ ...stats, deletes: stats.deletes + 1 });
    });

    it('with *: 204 on an existing entry', async () => {
      await put('del-star', { data: 'x' }).expect(201);
      await del('del-star').set('If-Match', '*').expect(204);
      await get('del-star').expect(404);
    });

    it('an absent id is 404 whatever the preconditions', async () => {
      const stats = await counters();
      for (const [name, value] of [
        ['If-Match', '*'],
        ['If-Match', '"some-etag"'],
        ['If-Match', 'W/"some-etag"'],
        ['If-None-Match', '*'],
        ['If-None-Match', '"some-etag"'],
      ]) {
        const res = await del('del-absent').set(name, value);
        expect({ [name]: value, status: res.status }).toEqual({ [name]: value, status: 404 });
      }
      await put('del-expired', { data: 1, ttl: 1 }).expect(201);
      const { etag } = await current('del-expired');
      await sleep(1100);
      await del('del-expired').set('If-Match', etag).expect(404);
      await del('del-expired').set('If-Match', '"wrong"').expect(404);
      expect((await counters()).deletes).toBe(stats.deletes);
    });
  });

  describe('races between conditional writers', () => {
    const RACERS = 20;

    it('20 PUTs with If-Match: <current ETag>: exactly one 200, the rest 412, the winner kept (5 rounds)', async () => {
      const id = 'race-if-match';
      await put(id, { data: { round: 0 } }).expect(201);
      let etag = (await current(id)).etag;
      for (let round = 1; round <= 5; round++) {
        const stats = await counters();
        const responses = await Promise.all(
          Array.from({ length: RACERS }, (_, racer) =>
            put(id, { data: { round, racer } }).set('If-Match', etag),
          ),
        );
        expect(statusCounts(responses)).toEqual({ 200: 1, 412: RACERS - 1 });
        const winner = responses.find((res) => res.status === 200)!;
        expect(winner.body.data.round).toBe(round);
        const now = await current(id);
        expect(now.data).toEqual(winner.body.data);
        expect(now.etag).toBe(winner.headers.etag);
        expect(now.etag).not.toBe(etag);
        expect((await counters()).sets).toBe(stats.sets + 1);
        etag = now.etag;
      }
    });

    it('20 PUTs with If-None-Match: * on a fresh id: exactly one 201, the rest 412 (5 ids)', async () => {
      for (let round = 1; round <= 5; round++) {
        const id = `race-create-${round}`;
        const stats = await counters();
        const responses = await Promise.all(
          Array.from({ length: RACERS }, (_, racer) =>
            put(id, { data: { racer } }).set('If-None-Match', '*'),
          ),
        );
        expect(statusCounts(responses)).toEqual({ 201: 1, 412: RACERS - 1 });
        const winner = responses.find((res) => res.status === 201)!;
        const now = await current(id);
        expect(now.data).toEqual(winner.body.data);
        expect(now.etag).toBe(winner.headers.etag);
        expect((await counters()).sets).toBe(stats.sets + 1);
      }
    });

    it('20 unconditional PUTs on a fresh id: exactly one 201, the rest 200, 20 sets (5 ids)', async () => {
      for (let round = 1; round <= 5; round++) {
        const id = `race-put-${round}`;
        const stats = await counters();
        const responses = await Promise.all(
          Array.from({ length: RACERS }, (_, racer) => put(id, { data: { racer } })),
        );
        expect(statusCounts(responses)).toEqual({ 201: 1, 200: RACERS - 1 });
        const now = await current(id);
        expect(responses.some((res) => res.headers.etag === now.etag)).toBe(true);
        expect((await counters()).sets).toBe(stats.sets + RACERS);
      }
    });

    it('20 DELETEs with If-Match: <current ETag>: exactly one 204, the rest 404', async () => {
      for (let round = 1; round <= 3; round++) {
        const id = `race-delete-${round}`;
        await put(id, { data: round }).expect(201);
        const { etag } = await current(id);
        const stats = await counters();
        const responses = await Promise.all(
          Array.from({ length: RACERS }, () => del(id).set('If-Match', etag)),
        );
        expect(statusCounts(responses)).toEqual({ 204: 1, 404: RACERS - 1 });
        await get(id).expect(404);
        expect((await counters()).deletes).toBe(stats.deletes + 1);
      }
    });

    it('PUTs and DELETEs racing with the same If-Match: exactly one of them succeeds', async () => {
      for (let round = 1; round <= 3; round++) {
        const id = `race-mixed-${round}`;
        await put(id, { data: 'start' }).expect(201);
        const { etag } = await current(id);
        const responses = await Promise.all(
          Array.from({ length: RACERS }, (_, racer) =>
            racer % 2 === 0
              ? put(id, { data: { racer } }).set('If-Match', etag)
              : del(id).set('If-Match', etag),
          ),
        );
        const successes = responses.filter((res) => res.status === 200 || res.status === 204);
        expect(successes).toHaveLength(1);
        for (const res of responses) expect([200, 204, 404, 412]).toContain(res.status);
        const [winner] = successes;
        if (winner.status === 200) {
          const now = await current(id);
          expect(now.data).toEqual(winner.body.data);
          expect(now.etag).toBe(winner.headers.etag);
        } else {
          await get(id).expect(404);
        }
      }
    });

    if (store === 'redis') {
      it('two instances sharing one Redis namespace: still exactly one winner per round', async () => {
        // A second app on the same namespace: the check-and-write must be atomic in Redis itself.
        const shared = { ...env() };
        const [a, b] = [await startTestApp(shared), await startTestApp(shared)];
        try {
          const on = (i: number) => (i % 2 === 0 ? a : b).http();
          const id = 'race-two-instances';
          await on(0).put(`/resources/${id}`).send({ data: 0 }).expect(201);
          let etag = (await on(1).get(`/resources/${id}`).expect(200)).headers.etag;
          for (let round = 1; round <= 3; round++) {
            const responses = await Promise.all(
              Array.from({ length: RACERS }, (_, racer) =>
                on(racer)
                  .put(`/resources/${id}`)
                  .send({ data: { round, racer } })
                  .set('If-Match', etag),
              ),
            );
            expect(statusCounts(responses)).toEqual({ 200: 1, 412: RACERS - 1 });
            const winner = responses.find((res) => res.status === 200)!;
            for (const i of [0, 1]) {
              const now = await on(i).get(`/resources/${id}`).expect(200);
              expect(now.body.data).toEqual(winner.body.data);
              expect(now.headers.etag).toBe(winner.headers.etag);
            }
            etag = winner.headers.etag;
          }
          const creators = await Promise.all(
            Array.from({ length: RACERS }, (_, racer) =>
              on(racer)
                .put('/resources/race-two-create')
                .send({ data: racer })
                .set('If-None-Match', '*'),
            ),
          );
          expect(statusCounts(creators)).toEqual({ 201: 1, 412: RACERS - 1 });
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      });
    }
  });
});
