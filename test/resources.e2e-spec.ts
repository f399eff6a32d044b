import { storeTargets } from './helpers/stores';
import { useTestApp } from './helpers/test-app';
import { sleep } from './helpers/time';

const REPRESENTATION_KEYS = ['createdAt', 'data', 'expiresAt', 'id', 'tags', 'ttl'];

describe.each(storeTargets)('/resources ($name store)', ({ name, env }) => {
  const { http } = useTestApp(() => ({ ...env(), CACHE_TTL: '120', BODY_LIMIT: '2kb' }));

  const stats = async (): Promise<Record<string, number>> => {
    const res = await http().get('/stats').expect(200);
    return res.body as Record<string, number>;
  };

  describe('PUT /resources/:id', () => {
    it('creates an entry: 201 with the representation', async () => {
      const before = Date.now();
      const res = await http()
        .put('/resources/put-new')
        .send({ data: { title: 'Hello' }, tags: ['news'] })
        .expect(201);
      expect(Object.keys(res.body).sort()).toEqual(REPRESENTATION_KEYS);
      expect(res.body).toMatchObject({
        id: 'put-new',
        data: { title: 'Hello' },
        tags: ['news'],
        ttl: 120,
      });
      const createdAt = Date.parse(res.body.createdAt);
      expect(new Date(createdAt).toISOString()).toBe(res.body.createdAt);
      expect(createdAt).toBeGreaterThanOrEqual(before - 1);
      expect(Date.parse(res.body.expiresAt) - createdAt).toBe(120_000);
    });

    it('replaces an entry: 200, new data, tags and ttl', async () => {
      await http()
        .put('/resources/put-replace')
        .send({ data: 1, tags: ['a'] })
        .expect(201);
      const res = await http()
        .put('/resources/put-replace')
        .send({ data: [2], ttl: 30 })
        .expect(200);
      expect(res.body).toMatchObject({ id: 'put-replace', data: [2], tags: [], ttl: 30 });
      const got = await http().get('/resources/put-replace').expect(200);
      expect(got.body).toMatchObject({ data: [2], tags: [], ttl: 30 });
    });

    it('creates again (201) once the previous entry has expired', async () => {
      await http().put('/resources/put-expired').send({ data: 'old', ttl: 1 }).expect(201);
      await sleep(1100);
      await http().put('/resources/put-expired').send({ data: 'new' }).expect(201);
    });

    it('keeps each tag once, in the order given', async () => {
      const res = await http()
        .put('/resources/put-tags')
        .send({ data: true, tags: ['b', 'a', 'b'] })
        .expect(201);
      expect(res.body.tags).toEqual(['b', 'a']);
    });

    it.each([0, false, '', [], {}, 'text', 3.14])(
      'accepts falsy and plain JSON data: %p',
      async (data) => {
        const id = `put-data-${JSON.stringify(data)}`;
        await http()
          .put(`/resources/${encodeURIComponent(id)}`)
          .send({ data })
          .expect(201);
        const res = await http()
          .get(`/resources/${encodeURIComponent(id)}`)
          .expect(200);
        expect(res.body.data).toEqual(data);
      },
    );

    it('gives back data byte for byte, keys such as __proto__ and constructor included', async () => {
      const data =
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"prototype":[{"__proto__":null}],"n":-0.5,"s":"\\u00e9\\ud83d\\ude00"}';
      await http()
        .put('/resources/put-verbatim')
        .set('content-type', 'application/json')
        .send(`{"data":${data}}`)
        .expect(201);
      const res = await http().get('/resources/put-verbatim').expect(200);
      expect(JSON.stringify(res.body.data)).toBe(JSON.stringify(JSON.parse(data)));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('the representation', () => {
    // Fastify writes it with a serializer compiled from a schema, Express with
    // JSON.stringify: both must write the same bytes, fields in one order.
    const ORDER = ['id', 'data', 'tags', 'createdAt', 'expiresAt', 'ttl'];
    const canonical = (text: string): string => {
      const body = JSON.parse(text) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual(ORDER);
      return JSON.stringify(Object.fromEntries(ORDER.map((key) => [key, body[key]])));
    };

    it.each([
      ['an object', { title: 'Say "hi"\\n', n: -0.5, nested: [null, true, { é: '😀' }] }],
      ['a string', 'line\nbreak "quoted" \u2028'],
      ['an array', [1, 'two', [3]]],
      ['null-free scalars', 0],
    ])('is written field by field as JSON.stringify writes it: %s', async (_case, data) => {
      const id = 'repr "quoted" é/ü';
      const path = `/resources/${encodeURIComponent(id)}`;
      const put = await http()
        .put(path)
        .send({ data, tags: ['t"1', 'é'] })
        .expect((res) => expect([200, 201]).toContain(res.status));
      const get = await http().get(path).expect(200);
      const touch = await http().post(`${path}/touch`).send({}).expect(200);
      for (const res of [put, get, touch]) {
        expect(res.text).toBe(canonical(res.text));
        expect(res.body).toMatchObject({ id, data, tags: ['t"1', 'é'] });
        expect(Number.isInteger(res.body.ttl)).toBe(true);
      }
    });
  });

  describe('GET and HEAD /resources/:id', () => {
    it('serves the entry with the time left, rounded up', async () => {
      const put = await http()
        .put('/resources/get-me')
        .send({ data: { a: 1 }, ttl: 10 })
        .expect(201);
      await sleep(1100);
      const res = await http().get('/resources/get-me').expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toEqual({ ...put.body, ttl: 9 });
    });

    it('answers 404 with the standard error body when absent', async () => {
      const res = await http().get('/resources/never-written').expect(404);
      expect(res.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Resource "never-written" not found or expired',
      });
    });

    it('HEAD answers the same status without a body', async () => {
      await http().put('/resources/head-me').send({ data: 'x' }).expect(201);
      const hit = await http().head('/resources/head-me').expect(200);
      expect(hit.text ?? '').toBe('');
      const miss = await http().head('/resources/head-absent').expect(404);
      expect(miss.text ?? '').toBe('');
    });

    it('never serves an entry at or after its expiry (1 s TTL, real time)', async () => {
      const put = await http()
        .put('/resources/expire-me')
        .send({ data: 'soon', ttl: 1 })
        .expect(201);
      await http().get('/resources/expire-me').expect(200);
      await http().get('/get_cached_resource').query({ id: 'expire-me' }).expect(200, {
        status: 'success',
        data: 'soon',
      });
      const expiresAt = Date.parse(put.body.expiresAt);
      while (Date.now() < expiresAt) await sleep(Math.max(1, expiresAt - Date.now()));
      await http().get('/resources/expire-me').expect(404);
      await http().get('/get_cached_resource').query({ id: 'expire-me' }).expect(200, {
        status: 'failure',
        message: 'Resource not found or expired.',
      });
    });
  });

  describe('DELETE /resources/:id', () => {
    it('removes the entry: 204, then 404', async () => {
      await http().put('/resources/delete-me').send({ data: 1 }).expect(201);
      const res = await http().delete('/resources/delete-me').expect(204);
      expect(res.text).toBe('');
      await http().get('/resources/delete-me').expect(404);
      await http().delete('/resources/delete-me').expect(404);
    });

    it('answers 404 for an expired entry', async () => {
      await http().put('/resources/delete-expired').send({ data: 1, ttl: 1 }).expect(201);
      await sleep(1100);
      await http().delete('/resources/delete-expired').expect(404);
    });
  });

  describe('POST /resources/:id/touch', () => {
    it('restarts the time-to-live from now, default CACHE_TTL, keeping data and createdAt', async () => {
      const put = await http()
        .put('/resources/touch-me')
        .send({ data: { k: 'v' }, ttl: 5 })
        .expect(201);
      await sleep(50);
      const before = Date.now();
      const res = await http().post('/resources/touch-me/touch').expect(200);
      expect(res.body).toMatchObject({ data: { k: 'v' }, createdAt: put.body.createdAt, ttl: 120 });
      expect(Date.parse(res.body.expiresAt)).toBeGreaterThanOrEqual(before + 120_000);
      const got = await http().get('/resources/touch-me').expect(200);
      expect(got.body.expiresAt).toBe(res.body.expiresAt);
    });

    it('takes a ttl and keeps the entry alive past its original expiry', async () => {
      await http().put('/resources/touch-ttl').send({ data: 'x', ttl: 1 }).expect(201);
      const res = await http().post('/resources/touch-ttl/touch').send({ ttl: 3 }).expect(200);
      expect(res.body.ttl).toBe(3);
      await sleep(1200);
      await http().get('/resources/touch-ttl').expect(200);
    });

    it('answers 404 when absent or expired', async () => {
      await http().post('/resources/touch-absent/touch').expect(404);
      await http().put('/resources/touch-expired').send({ data: 1, ttl: 1 }).expect(201);
      await sleep(1100);
      await http().post('/resources/touch-expired/touch').send({ ttl: 60 }).expect(404);
      await http().get('/resources/touch-expired').expect(404);
    });

    it.each([
      ['0', 0],
      ['"5"', '5'],
      ['1.5', 1.5],
      ['null', null],
    ])('rejects ttl %s with 400', async (_label, ttl) => {
      await http().put('/resources/touch-bad').send({ data: 1, ttl: 50 }).expect([200, 201]);
      const res = await http().post('/resources/touch-bad/touch').send({ ttl }).expect(400);
      expect(JSON.stringify(res.body.message)).toContain('ttl');
      expect((await http().get('/resources/touch-bad').expect(200)).body.ttl).toBe(50);
    });
  });

  describe('ids', () => {
    it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype'])(
      'treats %s as an ordinary id',
      async (id) => {
        await http().get(`/resources/${id}`).expect(404);
        await http().put(`/resources/${id}`).send({ data: { id } }).expect(201);
        const res = await http().get(`/resources/${id}`).expect(200);
        expect(res.body).toMatchObject({ id, data: { id } });
        await http().delete(`/resources/${id}`).expect(204);
        await http().get(`/resources/${id}`).expect(404);
        expect(({} as Record<string, unknown>).id).toBeUndefined();
      },
    );

    it('takes URLs percent-encoded in the path (%2F)', async () => {
      const id = 'https://example.com/articles/42?lang=en#top';
      const path = `/resources/${encodeURIComponent(id)}`;
      expect(path).toContain('%2F');
      const put = await http().put(path).send({ data: 'page' }).expect(201);
      expect(put.body.id).toBe(id);
      await http().get(path).expect(200);
      await http()
        .get('/get_cached_resource')
        .query({ id })
        .expect(200, { status: 'success', data: 'page' });
      await http().post(`${path}/touch`).expect(200);
      await http().delete(path).expect(204);
    });

    it('accepts 1024 characters as JavaScript counts them, and rejects 1025', async () => {
      const longest = '😀'.repeat(512);
      expect(longest.length).toBe(1024);
      await http()
        .put(`/resources/${encodeURIComponent(longest)}`)
        .send({ data: 1 })
        .expect(201);
      const res = await http()
        .put(`/resources/${'x'.repeat(1025)}`)
        .send({ data: 1 })
        .expect(400);
      expect(res.body.message).toEqual(['id must be a string of 1 to 1024 characters']);
    });

    it('rejects control characters and an empty id with 400 naming id', async () => {
      const control = await http().put('/resources/a%07b').send({ data: 1 }).expect(400);
      expect(control.body.message).toEqual(['id must not contain control characters']);
      const empty = await http().put('/resources/').send({ data: 1 }).expect(400);
      expect(JSON.stringify(empty.body.message)).toContain('id');
      await http().get('/resources/a%07b').expect(400);
    });

    it('rejects a malformed percent-encoding with 400', async () => {
      const res = await http().get('/resources/%E0%A4%A').expect(400);
      expect(res.body.statusCode).toBe(400);
    });
  });

  describe('bad input changes nothing', () => {
    const badBodies: Array<[string, unknown, string]> = [
      ['missing data', { ttl: 5 }, 'data'],
      ['null data', { data: null }, 'data'],
      ['ttl as a string', { data: 1, ttl: '5' }, 'ttl'],
      ['ttl as a float', { data: 1, ttl: 1.5 }, 'ttl'],
      ['ttl 0', { data: 1, ttl: 0 }, 'ttl'],
      ['negative ttl', { data: 1, ttl: -5 }, 'ttl'],
      ['ttl over a year', { data: 1, ttl: 31_536_001 }, 'ttl'],
      ['huge ttl', { data: 1, ttl: 1e300 }, 'ttl'],
      ['null ttl', { data: 1, ttl: null }, 'ttl'],
      ['tags not an array', { data: 1, tags: 'a' }, 'tags'],
      ['33 tags', { data: 1, tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, 'tags'],
      ['an empty tag', { data: 1, tags: [''] }, 'tags'],
      ['a 129-character tag', { data: 1, tags: ['x'.repeat(129)] }, 'tags'],
      ['a tag that is not a string', { data: 1, tags: [1] }, 'tags'],
      ['an unknown field', { data: 1, colour: 'red' }, 'colour'],
    ];

    it.each(badBodies)('%s → 400 naming the field, entry unchanged', async (_case, body, field) => {
      const id = `bad-${field}`;
      await http()
        .put(`/resources/${id}`)
        .send({ data: 'original', ttl: 60, tags: ['keep'] })
        .expect([200, 201]);
      const setsBefore = (await stats()).sets;
      const res = await http()
        .put(`/resources/${id}`)
        .send(body as object)
        .expect(400);
      expect(res.body.statusCode).toBe(400);
      expect(res.body.error).toBe('Bad Request');
      expect(JSON.stringify(res.body.message)).toContain(field);
      expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at /);
      const got = await http().get(`/resources/${id}`).expect(200);
      expect(got.body).toMatchObject({ data: 'original', tags: ['keep'] });
      expect((await stats()).sets).toBe(setsBefore);
    });

    it('a rejected write of a new id stores nothing', async () => {
      await http().put('/resources/bad-new').send({ data: 1, ttl: 'soon' }).expect(400);
      await http().get('/resources/bad-new').expect(404);
    });

    it('malformed JSON → 400, nothing stored', async () => {
      const res = await http()
        .put('/resources/bad-json')
        .set('content-type', 'application/json')
        .send('{"data": 1,')
        .expect(400);
      expect(res.body.statusCode).toBe(400);
      expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at /);
      await http().get('/resources/bad-json').expect(404);
    });

    it('a body over BODY_LIMIT → 413, nothing stored', async () => {
      const res = await http()
        .put('/resources/too-big')
        .send({ data: 'x'.repeat(3000) })
        .expect(413);
      expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
      await http().get('/resources/too-big').expect(404);
      await http()
        .put('/resources/small-enough')
        .send({ data: 'x'.repeat(1500) })
        .expect(201);
    });
  });

  // Only the memory store has a fixed entry bound; Redis follows its own maxmemory policy.
  const describeMemoryOnly = name === 'memory' ? describe : () => undefined;
  describeMemoryOnly('LRU bound (memory store only)', () => {
    const small = useTestApp(() => ({ ...env(), CACHE_MAX_ENTRIES: '3' }));

    it('evicts the least recently used entry beyond CACHE_MAX_ENTRIES', async () => {
      const put = (id: string) => small.http().put(`/resources/${id}`).send({ data: id });
      const get = (id: string) => small.http().get(`/resources/${id}`);
      await put('a').expect(201);
      await put('b').expect(201);
      await put('c').expect(201);
      await get('a').expect(200); // a is now more recent than b
      await put('d').expect(201);
      await get('b').expect(404);
      await get('a').expect(200);
      await get('c').expect(200);
      await get('d').expect(200);
      const body = (await small.http().get('/stats').expect(200)).body;
      expect(body).toMatchObject({ entries: 3, maxEntries: 3, evicted: 1 });
    });
  });
});
