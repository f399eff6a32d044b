import { storeTargets } from './helpers/stores';
import { useTestApp } from './helpers/test-app';
import { sleep } from './helpers/time';

// The original service's bodies, byte for byte.
const CACHED = '{"status":"success","message":"Resource cached successfully."}';
const INVALID = '{"status":"failure","message":"Invalid data provided."}';
const NOT_FOUND = '{"status":"failure","message":"Resource not found or expired."}';

describe.each(storeTargets)('seed-compatible routes ($name store)', ({ env }) => {
  const { http } = useTestApp(() => ({ ...env(), CACHE_TTL: '1' }));
  const track = (body: string) =>
    http().post('/track_interaction').set('content-type', 'application/json').send(body);
  const lookup = (id: string) => http().get('/get_cached_resource').query({ id });

  it('caches data and serves it back, byte for byte', async () => {
    const stored = await track('{"id":"seed-a","data":{"title":"Hello","n":[1,2]}}').expect(200);
    expect(stored.headers['content-type']).toMatch(/^application\/json/);
    expect(stored.text).toBe(CACHED);
    const found = await lookup('seed-a').expect(200);
    expect(found.headers['content-type']).toMatch(/^application\/json/);
    expect(found.text).toBe('{"status":"success","data":{"title":"Hello","n":[1,2]}}');
  });

  it('keeps data for the default TTL (CACHE_TTL), then reports it expired', async () => {
    await track('{"id":"seed-ttl","data":"short"}').expect(200, CACHED);
    const rest = await http().get('/resources/seed-ttl').expect(200);
    expect(rest.body.ttl).toBe(1);
    await sleep(1100);
    expect((await lookup('seed-ttl').expect(200)).text).toBe(NOT_FOUND);
  });

  it.each(['0', 'false', '""', '[]', '{}'])('accepts falsy but valid data %s', async (data) => {
    const id = `seed-falsy-${data}`;
    const res = await track(`{"id":${JSON.stringify(id)},"data":${data}}`).expect(200);
    expect(res.text).toBe(CACHED);
    expect((await lookup(id).expect(200)).text).toBe(`{"status":"success","data":${data}}`);
  });

  it('reports an unknown, missing or empty id as not found', async () => {
    expect((await lookup('seed-never').expect(200)).text).toBe(NOT_FOUND);
    expect((await http().get('/get_cached_resource').expect(200)).text).toBe(NOT_FOUND);
    expect((await http().get('/get_cached_resource?id=').expect(200)).text).toBe(NOT_FOUND);
    expect((await http().get('/get_cached_resource?id=a&id=b').expect(200)).text).toBe(NOT_FOUND);
  });

  it('ignores fields it does not know, as the original did', async () => {
    await track('{"id":"seed-extra","data":1,"user":"u1"}').expect(200, CACHED);
  });

  it('records a view interaction for the id', async () => {
    await track('{"id":"seed-views","data":1}').expect(200);
    await track('{"id":"seed-views","data":2}').expect(200);
    const res = await http().get('/interactions/seed-views').expect(200);
    expect(res.body).toMatchObject({ resourceId: 'seed-views', total: 2, byType: { view: 2 } });
  });

  it('shares one cache with the REST API', async () => {
    await http()
      .put('/resources/seed-shared')
      .send({ data: { from: 'rest' }, ttl: 60 })
      .expect(201);
    expect((await lookup('seed-shared').expect(200)).text).toBe(
      '{"status":"success","data":{"from":"rest"}}',
    );
    await track('{"id":"seed-shared","data":{"from":"seed"}}').expect(200);
    expect((await http().get('/resources/seed-shared').expect(200)).body.data).toEqual({
      from: 'seed',
    });
  });

  it('looks up URL ids given percent-encoded in the query', async () => {
    const id = 'https://example.com/a/b?c=d&e=f';
    await track(JSON.stringify({ id, data: 'page' })).expect(200, CACHED);
    const res = await http()
      .get(`/get_cached_resource?id=${encodeURIComponent(id)}`)
      .expect(200);
    expect(res.text).toBe('{"status":"success","data":"page"}');
  });

  describe('invalid input: the failure body, and nothing stored or counted', () => {
    const invalid: Array<[string, string]> = [
      ['missing id', '{"data":1}'],
      ['empty id', '{"id":"","data":1}'],
      ['id not a string', '{"id":5,"data":1}'],
      ['id with a control character', '{"id":"a\\u0000b","data":1}'],
      ['missing data', '{"id":"seed-bad"}'],
      ['null data', '{"id":"seed-bad","data":null}'],
      ['an array body', '[{"id":"seed-bad","data":1}]'],
      ['an empty object', '{}'],
    ];

    it.each(invalid)('%s → 200 failure', async (_case, body) => {
      const before = (await http().get('/stats').expect(200)).body;
      expect((await track(body).expect(200)).text).toBe(INVALID);
      expect((await lookup('seed-bad').expect(200)).text).toBe(NOT_FOUND);
      await http().get('/interactions/seed-bad').expect(404);
      const after = (await http().get('/stats').expect(200)).body;
      expect(after.sets).toBe(before.sets);
      expect(after.interactions).toBe(before.interactions);
    });

    it('an over-long id → 200 failure', async () => {
      const res = await track(JSON.stringify({ id: 'x'.repeat(1025), data: 1 })).expect(200);
      expect(res.text).toBe(INVALID);
    });

    it('malformed JSON → 400 with the same failure body', async () => {
      const res = await track('{"id":"seed-bad","data":').expect(400);
      expect(res.text).toBe(INVALID);
      await http().get('/interactions/seed-bad').expect(404);
    });

    it('a JSON body that is not an object → 400 with the same failure body', async () => {
      expect((await track('"seed-bad"').expect(400)).text).toBe(INVALID);
    });
  });
});
