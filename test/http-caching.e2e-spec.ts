import type { Response } from 'supertest';
import { storeTargets } from './helpers/stores';
import { useTestApp, useTestApps } from './helpers/test-app';
import { sleep } from './helpers/time';

// Real 1 s expiries: more than Jest's default 5 s for some tests.
jest.setTimeout(30_000);

/** IMF-fixdate (RFC 9110 §5.6.7), the form every HTTP-date must be sent in. */
const HTTP_DATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
/** A strong entity tag: quoted, no `W/`. */
const STRONG_ETAG = /^"[\x21\x23-\x7e]+"$/;
const NOT_FOUND_BODY = '{"status":"failure","message":"Resource not found or expired."}';

/** The validators a 304 must repeat (RFC 9110 §15.4.5). */
const VALIDATORS = ['etag', 'last-modified', 'expires'] as const;

/** `Cache-Status` of a hit (RFC 9211), with the seconds left. */
const HIT_STATUS = /^Lapse; hit; ttl=\d+$/;
/** `Cache-Status` of a miss. */
const MISS_STATUS = 'Lapse; fwd=miss';

/** Reads `max-age` from a Cache-Control header such as `private, max-age=59`. */
function maxAgeOf(cacheControl: string | undefined): number {
  const match = /(?:^|,)\s*max-age=(\d+)\s*(?:,|$)/.exec(cacheControl ?? '');
  if (!match) throw new Error(`no max-age in Cache-Control ${JSON.stringify(cacheControl)}`);
  return Number(match[1]);
}

/**
 * `Cache-Control` of a hit in `scope`: public answers also carry `s-maxage`,
 * which ends whole-second shared caches' copies by the entry's expiry.
 */
const cacheControlOf = (scope: string): RegExp =>
  new RegExp(`^${scope}, max-age=\\d+${scope === 'public' ? ', s-maxage=\\d+' : ''}$`);

/** Reads `s-maxage` from a Cache-Control header. */
function sharedMaxAgeOf(cacheControl: string | undefined): number {
  const match = /(?:^|,)\s*s-maxage=(\d+)\s*(?:,|$)/.exec(cacheControl ?? '');
  if (!match) throw new Error(`no s-maxage in Cache-Control ${JSON.stringify(cacheControl)}`);
  return Number(match[1]);
}

/** The HTTP-date of an ISO-8601 instant, as a server must format it. */
const httpDate = (iso: string): string => new Date(iso).toUTCString();

/** A 304: no body, and the validators and freshness of the full answer `full`. */
function expectNotModified(res: Response, full: Response, scope = 'private'): void {
  expect(res.status).toBe(304);
  expect(res.text ?? '').toBe('');
  expect(res.headers['content-type']).toBeUndefined();
  for (const name of VALIDATORS) expect(res.headers[name]).toBe(full.headers[name]);
  expect(res.headers['cache-control']).toMatch(cacheControlOf(scope));
  expect(res.headers['cache-status']).toMatch(HIT_STATUS);
  expect(res.headers.age).toBeUndefined();
  expect(maxAgeOf(res.headers['cache-control'])).toBeLessThanOrEqual(
    maxAgeOf(full.headers['cache-control']),
  );
}

describe.each(storeTargets)('HTTP caching ($name store)', ({ env }) => {
  const { http } = useTestApp(() => ({ ...env(), CACHE_TTL: '60' }));
  const put = (id: string, body: object) =>
    http()
      .put(`/resources/${encodeURIComponent(id)}`)
      .send(body);
  const get = (id: string) => http().get(`/resources/${encodeURIComponent(id)}`);
  const seed = (id: string) => http().get('/get_cached_resource').query({ id });

  describe('headers of GET /resources/:id', () => {
    it('sends ETag, Last-Modified, Cache-Control, Expires and Cache-Status on a hit; no Age, no X-Cache', async () => {
      const written = await put('hdr-basic', { data: { a: 1 } }).expect(201);
      const before = Date.now();
      const res = await get('hdr-basic').expect(200);
      const after = Date.now();
      const { createdAt, expiresAt } = written.body as { createdAt: string; expiresAt: string };

      expect(res.headers.etag).toMatch(STRONG_ETAG);
      expect(res.headers.etag).toBe(written.headers.etag);
      expect(res.headers['last-modified']).toMatch(HTTP_DATE);
      expect(res.headers['last-modified']).toBe(httpDate(createdAt));
      expect(res.headers.expires).toMatch(HTTP_DATE);
      expect(res.headers.expires).toBe(httpDate(expiresAt));
      expect(res.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
      const maxAge = maxAgeOf(res.headers['cache-control']);
      expect(maxAge).toBeGreaterThanOrEqual(Math.floor((Date.parse(expiresAt) - after) / 1000));
      expect(maxAge).toBeLessThanOrEqual(Math.floor((Date.parse(expiresAt) - before) / 1000));
      expect(maxAge).toBeGreaterThanOrEqual(58);
      expect(maxAge).toBeLessThanOrEqual(60);
      // Lapse is the origin: an Age would make caches count the entry's age twice.
      expect(res.headers.age).toBeUndefined();
      expect(res.headers['cache-status']).toBe(`Lapse; hit; ttl=${maxAge}`);
      expect(res.headers['x-cache']).toBeUndefined();
    });

    it('counts max-age down as real time passes, never with an Age', async () => {
      const written = await put('hdr-clock', { data: 'tick', ttl: 5 }).expect(201);
      const first = await get('hdr-clock').expect(200);
      expect(first.headers.age).toBeUndefined();
      expect(maxAgeOf(first.headers['cache-control'])).toBeGreaterThanOrEqual(4);
      await sleep(1100);
      const before = Date.now();
      const res = await get('hdr-clock').expect(200);
      const after = Date.now();
      const expires = Date.parse(written.body.expiresAt);
      const maxAge = maxAgeOf(res.headers['cache-control']);
      expect(res.headers.age).toBeUndefined();
      expect(maxAge).toBeLessThanOrEqual(3);
      expect(maxAge).toBeGreaterThanOrEqual(Math.floor((expires - after) / 1000));
      expect(maxAge).toBeLessThanOrEqual(Math.floor((expires - before) / 1000));
      // The validators do not move while the entry is unchanged.
      expect(res.headers.etag).toBe(first.headers.etag);
      expect(res.headers['last-modified']).toBe(first.headers['last-modified']);
      expect(res.headers.expires).toBe(first.headers.expires);
    });

    it('HEAD sends the same caching headers as GET, without a body', async () => {
      await put('hdr-head', { data: [1, 2, 3] }).expect(201);
      const full = await get('hdr-head').expect(200);
      const head = await http().head('/resources/hdr-head').expect(200);
      expect(head.text ?? '').toBe('');
      for (const name of VALIDATORS) expect(head.headers[name]).toBe(full.headers[name]);
      expect(head.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
      expect(head.headers['cache-status']).toMatch(HIT_STATUS);
      expect(head.headers.age).toBeUndefined();
    });

    it('a miss (absent, or expired) is 404 with Cache-Control: no-store and Cache-Status: fwd=miss', async () => {
      for (const res of [
        await get('hdr-never-written').expect(404),
        await http().head('/resources/hdr-never-written').expect(404),
      ]) {
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['cache-status']).toBe(MISS_STATUS);
        expect(res.headers['x-cache']).toBeUndefined();
        expect(res.headers.etag).toBeUndefined();
        expect(res.headers['last-modified']).toBeUndefined();
      }
      await put('hdr-expiring', { data: 1, ttl: 1 }).expect(201);
      expect((await get('hdr-expiring').expect(200)).headers['cache-status']).toMatch(HIT_STATUS);
      await sleep(1100);
      const expired = await get('hdr-expiring').expect(404);
      expect(expired.headers['cache-control']).toBe('no-store');
      expect(expired.headers['cache-status']).toBe(MISS_STATUS);
      expect(expired.headers.etag).toBeUndefined();
    });

    it('a deleted entry is a miss too', async () => {
      await put('hdr-deleted', { data: 1 }).expect(201);
      await http().delete('/resources/hdr-deleted').expect(204);
      const res = await get('hdr-deleted').expect(404);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['cache-status']).toBe(MISS_STATUS);
    });
  });

  describe('ETag and Last-Modified', () => {
    it('equal data gives an equal ETag, whatever the id, tags or ttl', async () => {
      const data = { title: 'same', list: [1, 'two', { three: 3 }] };
      const a = await put('etag-eq-a', { data }).expect(201);
      const b = await put('etag-eq-b', { data, ttl: 5, tags: ['x'] }).expect(201);
      expect(a.headers.etag).toMatch(STRONG_ETAG);
      expect(b.headers.etag).toBe(a.headers.etag);
      expect((await get('etag-eq-a').expect(200)).headers.etag).toBe(a.headers.etag);
      expect((await get('etag-eq-b').expect(200)).headers.etag).toBe(a.headers.etag);
      const again = await put('etag-eq-a', { data, tags: ['y'] }).expect(200);
      expect(again.headers.etag).toBe(a.headers.etag);
    });

    it('the ETag changes whenever the data does', async () => {
      const values: unknown[] = [
        { a: 1 },
        { a: '1' },
        { a: 1, b: null },
        [1],
        1,
        '1',
        true,
        'x'.repeat(40),
        'x'.repeat(41),
      ];
      const etags: string[] = [];
      for (const data of values) {
        const written = await put('etag-changes', { data }).expect([200, 201]);
        const read = await get('etag-changes').expect(200);
        expect(read.body.data).toEqual(data);
        expect(read.headers.etag).toMatch(STRONG_ETAG);
        expect(read.headers.etag).toBe(written.headers.etag);
        etags.push(read.headers.etag);
      }
      expect(new Set(etags).size).toBe(values.length);
    });

    it('Last-Modified is when the entry was last written, and moves on a rewrite', async () => {
      const first = await put('lm-rewrite', { data: 'v1' }).expect(201);
      const read1 = await get('lm-rewrite').expect(200);
      expect(read1.headers['last-modified']).toBe(httpDate(first.body.createdAt));
      await sleep(1100);
      const second = await put('lm-rewrite', { data: 'v2' }).expect(200);
      const read2 = await get('lm-rewrite').expect(200);
      expect(read2.headers['last-modified']).toBe(httpDate(second.body.createdAt));
      expect(Date.parse(read2.headers['last-modified'])).toBeGreaterThan(
        Date.parse(read1.headers['last-modified']),
      );
      expect(read2.headers.etag).not.toBe(read1.headers.etag);
    });

    it('a touch keeps ETag and Last-Modified but moves Expires and max-age', async () => {
      await put('lm-touch', { data: 'kept', ttl: 5 }).expect(201);
      const before = await get('lm-touch').expect(200);
      const touched = await http().post('/resources/lm-touch/touch').send({ ttl: 50 }).expect(200);
      // The touch answers with the validators, as GET does.
      expect(touched.headers.etag).toBe(before.headers.etag);
      expect(touched.headers['last-modified']).toBe(before.headers['last-modified']);
      const after = await get('lm-touch').expect(200);
      expect(after.headers.etag).toBe(before.headers.etag);
      expect(after.headers['last-modified']).toBe(before.headers['last-modified']);
      expect(after.headers.expires).toBe(httpDate(touched.body.expiresAt));
      expect(maxAgeOf(after.headers['cache-control'])).toBeGreaterThanOrEqual(48);
    });
  });

  describe('conditional GET', () => {
    it('If-None-Match with the ETag just received → 304 with the validators and no body', async () => {
      await put('inm-same', { data: { big: 'x'.repeat(100) } }).expect(201);
      const full = await get('inm-same').expect(200);
      const res = await get('inm-same').set('If-None-Match', full.headers.etag);
      expectNotModified(res, full);
    });

    it('If-None-Match as a list → 304 when one of them matches, 200 when none does', async () => {
      await put('inm-list', { data: 'listed' }).expect(201);
      const full = await get('inm-list').expect(200);
      const etag = full.headers.etag;
      expectNotModified(
        await get('inm-list').set('If-None-Match', `"other", ${etag}, "another"`),
        full,
      );
      expectNotModified(await get('inm-list').set('If-None-Match', `${etag},"other"`), full);
      const miss = await get('inm-list').set('If-None-Match', '"other", "another"').expect(200);
      expect(miss.body.data).toBe('listed');
      expect(miss.headers.etag).toBe(etag);
    });

    it('If-None-Match: * → 304 for a live entry; an absent one stays a 404', async () => {
      await put('inm-star', { data: 1 }).expect(201);
      const full = await get('inm-star').expect(200);
      expectNotModified(await get('inm-star').set('If-None-Match', '*'), full);
      const absent = await get('inm-star-absent').set('If-None-Match', '*').expect(404);
      expect(absent.headers['cache-control']).toBe('no-store');
      expect(absent.headers['cache-status']).toBe(MISS_STATUS);
    });

    it('If-None-Match compares weakly: W/"<etag>" matches', async () => {
      await put('inm-weak', { data: 'weak' }).expect(201);
      const full = await get('inm-weak').expect(200);
      expectNotModified(await get('inm-weak').set('If-None-Match', `W/${full.headers.etag}`), full);
      expectNotModified(
        await get('inm-weak').set('If-None-Match', `"x", W/${full.headers.etag}`),
        full,
      );
    });

    it('an ETag of earlier data → 200 with the new data and ETag', async () => {
      await put('inm-stale', { data: 'old' }).expect(201);
      const old = await get('inm-stale').expect(200);
      await put('inm-stale', { data: 'new' }).expect(200);
      const res = await get('inm-stale').set('If-None-Match', old.headers.etag).expect(200);
      expect(res.body.data).toBe('new');
      expect(res.headers.etag).not.toBe(old.headers.etag);
      expect(res.headers['cache-status']).toMatch(HIT_STATUS);
    });

    it('the ETag of an entry that expired and was written again with the same data still matches', async () => {
      await put('inm-reborn', { data: 'same', ttl: 1 }).expect(201);
      const old = await get('inm-reborn').expect(200);
      await sleep(1100);
      await get('inm-reborn').set('If-None-Match', old.headers.etag).expect(404);
      await put('inm-reborn', { data: 'same' }).expect(201);
      const full = await get('inm-reborn').expect(200);
      expect(full.headers.etag).toBe(old.headers.etag);
      expectNotModified(await get('inm-reborn').set('If-None-Match', old.headers.etag), full);
    });

    it('If-Modified-Since with the Last-Modified received, or a later date → 304', async () => {
      await put('ims-same', { data: 'since' }).expect(201);
      const full = await get('ims-same').expect(200);
      const lastModified = full.headers['last-modified'];
      expectNotModified(await get('ims-same').set('If-Modified-Since', lastModified), full);
      const later = new Date(Date.parse(lastModified) + 3_600_000).toUTCString();
      expectNotModified(await get('ims-same').set('If-Modified-Since', later), full);
    });

    it('If-Modified-Since earlier than Last-Modified → 200', async () => {
      await put('ims-earlier', { data: 'earlier' }).expect(201);
      const full = await get('ims-earlier').expect(200);
      const earlier = new Date(Date.parse(full.headers['last-modified']) - 1000).toUTCString();
      const res = await get('ims-earlier').set('If-Modified-Since', earlier).expect(200);
      expect(res.body.data).toBe('earlier');
    });

    it('If-Modified-Since → 200 once the entry was rewritten after that date', async () => {
      await put('ims-rewritten', { data: 'first' }).expect(201);
      const first = await get('ims-rewritten').expect(200);
      await sleep(1100);
      await put('ims-rewritten', { data: 'second' }).expect(200);
      const res = await get('ims-rewritten')
        .set('If-Modified-Since', first.headers['last-modified'])
        .expect(200);
      expect(res.body.data).toBe('second');
      expect(Date.parse(res.headers['last-modified'])).toBeGreaterThan(
        Date.parse(first.headers['last-modified']),
      );
      expectNotModified(
        await get('ims-rewritten').set('If-Modified-Since', res.headers['last-modified']),
        res,
      );
    });

    it('If-None-Match wins over If-Modified-Since', async () => {
      await put('inm-wins', { data: 'v1' }).expect(201);
      const first = await get('inm-wins').expect(200);
      // Not matching INM, matching IMS: a full answer.
      const res = await get('inm-wins')
        .set('If-None-Match', '"not-the-etag"')
        .set('If-Modified-Since', first.headers['last-modified'])
        .expect(200);
      expect(res.body.data).toBe('v1');
      // Matching INM, IMS before Last-Modified: IMS is ignored, 304.
      const earlier = new Date(Date.parse(first.headers['last-modified']) - 60_000).toUTCString();
      expectNotModified(
        await get('inm-wins')
          .set('If-None-Match', first.headers.etag)
          .set('If-Modified-Since', earlier),
        first,
      );
      // After a rewrite, IMS alone (a later date) would say 304; the old ETag says 200.
      await put('inm-wins', { data: 'v2' }).expect(200);
      const rewritten = await get('inm-wins')
        .set('If-None-Match', first.headers.etag)
        .set('If-Modified-Since', new Date(Date.now() + 60_000).toUTCString())
        .expect(200);
      expect(rewritten.body.data).toBe('v2');
    });

    it('Cache-Control: no-cache in the request → 200 even when the validators match', async () => {
      await put('no-cache', { data: 'fresh please' }).expect(201);
      const full = await get('no-cache').expect(200);
      for (const [name, value] of [
        ['If-None-Match', full.headers.etag],
        ['If-Modified-Since', full.headers['last-modified']],
      ]) {
        const res = await get('no-cache').set(name, value).set('Cache-Control', 'no-cache');
        expect(res.status).toBe(200);
        expect(res.body.data).toBe('fresh please');
        expect(res.headers.etag).toBe(full.headers.etag);
        const also = await get('no-cache')
          .set(name, value)
          .set('Cache-Control', 'max-age=0, no-cache');
        expect(also.status).toBe(200);
      }
    });

    it('HEAD answers 304 to a conditional request as GET does', async () => {
      await put('head-304', { data: 'h' }).expect(201);
      const full = await get('head-304').expect(200);
      expectNotModified(
        await http().head('/resources/head-304').set('If-None-Match', full.headers.etag),
        full,
      );
      expectNotModified(
        await http()
          .head('/resources/head-304')
          .set('If-Modified-Since', full.headers['last-modified']),
        full,
      );
    });
  });

  describe('the seed route GET /get_cached_resource', () => {
    it('a hit: the caching headers of GET /resources/:id and the byte-exact seed body', async () => {
      await put('seed-hdr', { data: { title: 'Hello', n: [1, 2] } }).expect(201);
      const rest = await get('seed-hdr').expect(200);
      const res = await seed('seed-hdr').expect(200);
      expect(res.text).toBe('{"status":"success","data":{"title":"Hello","n":[1,2]}}');
      for (const name of VALIDATORS) expect(res.headers[name]).toBe(rest.headers[name]);
      expect(res.headers['cache-status']).toMatch(HIT_STATUS);
      expect(res.headers['x-cache']).toBeUndefined();
      expect(res.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
      expect(maxAgeOf(res.headers['cache-control'])).toBeLessThanOrEqual(
        maxAgeOf(rest.headers['cache-control']),
      );
      expect(maxAgeOf(res.headers['cache-control'])).toBeGreaterThanOrEqual(58);
      expect(res.headers.age).toBeUndefined();
    });

    it('a miss (absent, expired, missing id): the failure body with no-store and fwd=miss', async () => {
      await put('seed-expiring', { data: 1, ttl: 1 }).expect(201);
      await sleep(1100);
      for (const res of [
        await seed('seed-hdr-absent').expect(200),
        await seed('seed-expiring').expect(200),
        await http().get('/get_cached_resource').expect(200),
      ]) {
        expect(res.text).toBe(NOT_FOUND_BODY);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['cache-status']).toBe(MISS_STATUS);
        expect(res.headers['x-cache']).toBeUndefined();
        expect(res.headers.etag).toBeUndefined();
        expect(res.headers['last-modified']).toBeUndefined();
      }
    });

    it('answers 304 to If-None-Match (exact, list, weak, *) and If-Modified-Since', async () => {
      await put('seed-304', { data: [true, 'x'] }).expect(201);
      const full = await seed('seed-304').expect(200);
      expect(full.text).toBe('{"status":"success","data":[true,"x"]}');
      const etag = full.headers.etag;
      for (const value of [etag, `"a", ${etag}`, `W/${etag}`, '*']) {
        expectNotModified(await seed('seed-304').set('If-None-Match', value), full);
      }
      expectNotModified(
        await seed('seed-304').set('If-Modified-Since', full.headers['last-modified']),
        full,
      );
    });

    it('answers 200 with the byte-exact body when the client copy is outdated or no-cache is asked', async () => {
      await put('seed-200', { data: 'one' }).expect(201);
      const first = await seed('seed-200').expect(200);
      const noCache = await seed('seed-200')
        .set('If-None-Match', first.headers.etag)
        .set('Cache-Control', 'no-cache')
        .expect(200);
      expect(noCache.text).toBe('{"status":"success","data":"one"}');
      const mismatch = await seed('seed-200')
        .set('If-None-Match', '"nope"')
        .set('If-Modified-Since', first.headers['last-modified'])
        .expect(200);
      expect(mismatch.text).toBe('{"status":"success","data":"one"}');
      await sleep(1100);
      await http()
        .post('/track_interaction')
        .send({ id: 'seed-200', data: 'two' })
        .expect(200, { status: 'success', message: 'Resource cached successfully.' });
      for (const [name, value] of [
        ['If-None-Match', first.headers.etag],
        ['If-Modified-Since', first.headers['last-modified']],
      ]) {
        const res = await seed('seed-200').set(name, value).expect(200);
        expect(res.text).toBe('{"status":"success","data":"two"}');
        expect(res.headers.etag).not.toBe(first.headers.etag);
        expect(Date.parse(res.headers['last-modified'])).toBeGreaterThan(
          Date.parse(first.headers['last-modified']),
        );
      }
      const rest = await get('seed-200').expect(200);
      const seedAgain = await seed('seed-200').expect(200);
      expect(seedAgain.headers.etag).toBe(rest.headers.etag);
    });

    it('a conditional request for an absent id is still the 200 failure body, never a 304', async () => {
      const now = new Date().toUTCString();
      for (const [name, value] of [
        ['If-Modified-Since', now],
        ['If-None-Match', '"some-etag"'],
        // Nothing exists, so `*` matches nothing: the miss must be answered in full.
        ['If-None-Match', '*'],
      ]) {
        for (const req of [
          () => seed('seed-cond-absent'),
          () => http().get('/get_cached_resource'),
        ]) {
          const res = await req().set(name, value);
          expect({ [name]: value, status: res.status }).toEqual({ [name]: value, status: 200 });
          expect(res.text).toBe(NOT_FOUND_BODY);
          expect(res.headers['cache-control']).toBe('no-store');
          expect(res.headers['cache-status']).toBe(MISS_STATUS);
        }
      }
    });
  });
});

describe.each(storeTargets)('Cache-Control scope ($name store)', ({ env }) => {
  const boot = useTestApps(env);

  it.each(['public', 'private'])(
    'CACHE_CONTROL_SCOPE=%s → Cache-Control: %s, max-age=<seconds left> on hits and 304s',
    async (scope) => {
      const { http } = await boot({ CACHE_CONTROL_SCOPE: scope });
      await http().put('/resources/scoped').send({ data: 1, ttl: 30 }).expect(201);
      const full = await http().get('/resources/scoped').expect(200);
      expect(full.headers['cache-control']).toMatch(cacheControlOf(scope));
      expect(maxAgeOf(full.headers['cache-control'])).toBeGreaterThanOrEqual(28);
      expect(maxAgeOf(full.headers['cache-control'])).toBeLessThanOrEqual(30);
      const seed = await http().get('/get_cached_resource?id=scoped').expect(200);
      expect(seed.headers['cache-control']).toMatch(cacheControlOf(scope));
      expectNotModified(
        await http().get('/resources/scoped').set('If-None-Match', full.headers.etag),
        full,
        scope,
      );
      const miss = await http().get('/resources/absent').expect(404);
      expect(miss.headers['cache-control']).toBe('no-store');
    },
  );

  it('the scope defaults to private', async () => {
    const { http } = await boot({});
    await http().put('/resources/default-scope').send({ data: 1 }).expect(201);
    const res = await http().get('/resources/default-scope').expect(200);
    expect(res.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
  });
});

describe.each(storeTargets)('Headers for shared caches ($name store)', ({ env }) => {
  const boot = useTestApps(env);
  const KEY = 'shared-cache-key';

  it('answers are private whenever reads need a key, whatever CACHE_CONTROL_SCOPE says', async () => {
    const { http } = await boot({
      API_KEYS: KEY,
      AUTH_READS: 'true',
      CACHE_CONTROL_SCOPE: 'public',
      CACHE_SHARED_MAX_AGE: '30',
    });
    await http().put('/resources/keyed').set('X-API-Key', KEY).send({ data: 1 }).expect(201);
    const full = await http().get('/resources/keyed').set('X-API-Key', KEY).expect(200);
    const head = await http().head('/resources/keyed').set('X-API-Key', KEY).expect(200);
    const seed = await http().get('/get_cached_resource?id=keyed').set('X-API-Key', KEY);
    expect(seed.status).toBe(200);
    for (const res of [full, head, seed]) {
      expect(res.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
    }
    expectNotModified(
      await http()
        .get('/resources/keyed')
        .set('X-API-Key', KEY)
        .set('If-None-Match', full.headers.etag),
      full,
    );
    await http().get('/resources/keyed').expect(401);
  });

  it('answers stay public when only writes need a key', async () => {
    const { http } = await boot({ API_KEYS: KEY, CACHE_CONTROL_SCOPE: 'public' });
    await http().put('/resources/open-read').set('X-API-Key', KEY).send({ data: 1 }).expect(201);
    const res = await http().get('/resources/open-read').expect(200);
    expect(res.headers['cache-control']).toMatch(cacheControlOf('public'));
  });

  it('public: an entry in its last stretch goes out private and in full, so no shared copy outlives it', async () => {
    const { http } = await boot({ CACHE_CONTROL_SCOPE: 'public' });
    // One second: its expiry second is this one or the next, so no shared cache
    // counting whole seconds could keep a copy and stop serving it in time.
    await http().put('/resources/last-stretch').send({ data: 'x', ttl: 1 }).expect(201);
    const full = await http().get('/resources/last-stretch').expect(200);
    expect(full.headers['cache-control']).toBe('private, max-age=0');
    const revalidated = await http()
      .get('/resources/last-stretch')
      .set('If-None-Match', full.headers.etag)
      .expect(200);
    expect(revalidated.body).toMatchObject({ id: 'last-stretch', data: 'x' });
    expect(revalidated.headers['cache-control']).toBe('private, max-age=0');
  });

  it('CACHE_SHARED_MAX_AGE adds s-maxage, never beyond the seconds left', async () => {
    const { http } = await boot({ CACHE_CONTROL_SCOPE: 'public', CACHE_SHARED_MAX_AGE: '10' });
    await http().put('/resources/long').send({ data: 1, ttl: 60 }).expect(201);
    await http().put('/resources/short').send({ data: 1, ttl: 5 }).expect(201);
    const long = await http().get('/resources/long').expect(200);
    expect(long.headers['cache-control']).toMatch(/^public, max-age=(59|60), s-maxage=10$/);
    const short = await http().get('/resources/short').expect(200);
    const maxAge = maxAgeOf(short.headers['cache-control']);
    expect(maxAge).toBeLessThanOrEqual(5);
    // Capped at the time left: s-maxage ends by the entry's expiry second.
    const sharedMaxAge = sharedMaxAgeOf(short.headers['cache-control']);
    expect(sharedMaxAge).toBeLessThanOrEqual(maxAge);
    expect(sharedMaxAge).toBeGreaterThanOrEqual(maxAge - 1);
    const seed = await http().get('/get_cached_resource?id=long').expect(200);
    expect(seed.headers['cache-control']).toMatch(/^public, max-age=\d+, s-maxage=10$/);
    const notModified = await http()
      .get('/resources/long')
      .set('If-None-Match', long.headers.etag)
      .expect(304);
    expect(notModified.headers['cache-control']).toMatch(/^public, max-age=\d+, s-maxage=10$/);
    const miss = await http().get('/resources/absent').expect(404);
    expect(miss.headers['cache-control']).toBe('no-store');
  });

  it('CACHE_SHARED_MAX_AGE is never sent with private answers', async () => {
    const { http } = await boot({ CACHE_SHARED_MAX_AGE: '10' });
    await http().put('/resources/private').send({ data: 1, ttl: 60 }).expect(201);
    const res = await http().get('/resources/private').expect(200);
    expect(res.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
  });

  it('X_CACHE_HEADER=true adds X-Cache: HIT or MISS next to Cache-Status', async () => {
    const { http } = await boot({ X_CACHE_HEADER: 'true' });
    await http().put('/resources/x-cache').send({ data: 1 }).expect(201);
    for (const hit of [
      await http().get('/resources/x-cache').expect(200),
      await http().get('/get_cached_resource?id=x-cache').expect(200),
    ]) {
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.headers['cache-status']).toMatch(HIT_STATUS);
    }
    for (const miss of [
      await http().get('/resources/x-cache-absent').expect(404),
      await http().get('/get_cached_resource?id=x-cache-absent').expect(200),
    ]) {
      expect(miss.headers['x-cache']).toBe('MISS');
      expect(miss.headers['cache-status']).toBe(MISS_STATUS);
    }
  });

  it('sends the tags as Cache-Tag and Surrogate-Key on hits, percent-encoding unsafe characters', async () => {
    const { http } = await boot({ CACHE_CONTROL_SCOPE: 'public' });
    const tags = ['articles', 'user:42', 'two words', 'a,b', '100%', 'café', 'line\r\nbreak'];
    const sent = [
      'articles',
      'user:42',
      'two%20words',
      'a%2Cb',
      '100%25',
      'caf%C3%A9',
      'line%0D%0Abreak',
    ];
    await http().put('/resources/tagged').send({ data: 1, tags }).expect(201);
    const full = await http().get('/resources/tagged').expect(200);
    const notModified = await http()
      .get('/resources/tagged')
      .set('If-None-Match', full.headers.etag)
      .expect(304);
    const seed = await http().get('/get_cached_resource?id=tagged').expect(200);
    for (const res of [full, notModified, seed]) {
      expect(res.headers['cache-tag']).toBe(sent.join(','));
      expect(res.headers['surrogate-key']).toBe(sent.join(' '));
      expect(res.headers['cache-tag'].split(',').map(decodeURIComponent)).toEqual(tags);
    }
    await http().put('/resources/untagged').send({ data: 1 }).expect(201);
    const untagged = await http().get('/resources/untagged').expect(200);
    const miss = await http().get('/resources/tagged-absent').expect(404);
    for (const res of [untagged, miss]) {
      expect(res.headers['cache-tag']).toBeUndefined();
      expect(res.headers['surrogate-key']).toBeUndefined();
    }
  });
});
