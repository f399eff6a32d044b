import type { Response } from 'supertest';
import { startOrigin, json } from './helpers/origin-server';
import type { TestOrigin } from './helpers/origin-server';
import { storeTargets } from './helpers/stores';
import { useTestApp, useTestApps } from './helpers/test-app';
import type { Http } from './helpers/test-app';
import { sleep } from './helpers/time';

// Real 1 s expiries and a timed-out origin.
jest.setTimeout(30_000);

const STORED = 'Lapse; fwd=miss; stored';
const HIT = /^Lapse; hit; ttl=\d+$/;
const MISS = 'Lapse; fwd=miss';

let origin: TestOrigin;
let tests = 0;

beforeAll(async () => {
  origin = await startOrigin({
    '/json': json({ greeting: 'hello' }, { 'cache-control': 'max-age=60', etag: '"v1"' }),
    '/short': json({ short: true }, { 'cache-control': 'max-age=1' }),
    '/no-store': json({ secret: true }, { 'cache-control': 'no-store' }),
    '/slow': json({ slow: true }, { 'cache-control': 'max-age=60' }, 200),
    '/too-slow': json({ late: true }, {}, 2000),
    '/text': (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('plain words');
    },
    '/big-declared': (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain', 'content-length': 65_536 });
      response.end('x'.repeat(65_536));
    },
    '/bad-json': (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"unfinished":');
    },
    '/image': (_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([0x89, 0x50]));
    },
    '/redirect': (_request, response) => {
      response.writeHead(302, { location: '/json' }).end();
    },
    '/error': (_request, response) => {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('down');
    },
    // 64 kB without a Content-Length, so the cap is met while streaming.
    '/big': (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(1024);
      let sent = 0;
      const more = (): void => {
        while (sent < 64 && response.write(chunk)) sent += 1;
        if (sent >= 64) response.end();
        else response.once('drain', more);
      };
      more();
    },
  });
});

afterAll(() => origin.close());

/** A path of the origin no other test reads (the query makes it a new id). */
const fresh = (path: string): string => `${path}?test=${++tests}`;

/** The `/resources/{id}` path of the origin URL of `path`. */
const resourcePath = (path: string): string => `/resources/${encodeURIComponent(origin.url(path))}`;

/** The ids stored under the origin URL of `path`. */
async function stored(http: Http, path: string): Promise<unknown[]> {
  const res = await http()
    .get(`/resources?prefix=${encodeURIComponent(origin.url(path))}`)
    .expect(200);
  return (res.body as { items: unknown[] }).items;
}

const ORIGIN_ENV = (): Record<string, string> => ({
  ORIGINS: origin.origin,
  ORIGIN_TIMEOUT_MS: '500',
  ORIGIN_MAX_BYTES: '16kb',
  ORIGIN_NEGATIVE_TTL: '60',
});

describe.each(storeTargets)('read-through ($name store)', (store) => {
  describe('with the origin on ORIGINS', () => {
    const { http } = useTestApp(() => ({ ...store.env(), ...ORIGIN_ENV() }), { listen: true });

    it('fetches a miss once, stores it, then serves it as a hit', async () => {
      const path = fresh('/json');

      const first = await http().get(resourcePath(path)).expect(200);
      expect(first.headers['cache-status']).toBe(STORED);
      expect(first.body).toMatchObject({ id: origin.url(path), data: { greeting: 'hello' } });
      expect(first.body.ttl).toBeGreaterThan(55);
      expect(first.body.ttl).toBeLessThanOrEqual(60);

      const second = await http().get(resourcePath(path)).expect(200);
      expect(second.headers['cache-status']).toMatch(HIT);
      expect(second.body.data).toStrictEqual({ greeting: 'hello' });
      expect(second.headers.etag).toBe(first.headers.etag);
      expect(origin.count(path)).toBe(1);
    });

    it('reads the same entry through GET /fetch?url=', async () => {
      const path = fresh('/json');

      const fetched = await http()
        .get('/fetch')
        .query({ url: origin.url(path) })
        .expect(200);
      expect(fetched.headers['cache-status']).toBe(STORED);
      expect(fetched.body).toMatchObject({ id: origin.url(path), data: { greeting: 'hello' } });
      const res = await http().get(resourcePath(path)).expect(200);
      expect(res.headers['cache-status']).toMatch(HIT);
      await http()
        .get('/fetch')
        .query({ url: origin.url(path) })
        .expect(200);

      expect(origin.count(path)).toBe(1);
      await http().get('/fetch').expect(400);
    });

    it('sends the origin only its fixed request headers', async () => {
      const path = fresh('/json');

      await http()
        .get(resourcePath(path))
        .set('Cookie', 'session=secret')
        .set('X-API-Key', 'client-key')
        .set('Authorization', 'Bearer client')
        .expect(200);

      const sent = origin.lastHeaders() ?? {};
      expect(sent.cookie).toBeUndefined();
      expect(sent['x-api-key']).toBeUndefined();
      expect(sent.authorization).toBeUndefined();
      expect(sent['user-agent']).toBe('Lapse');
    });

    it('answers 100 concurrent misses of one id with one origin request', async () => {
      const path = fresh('/slow');

      const answers: Response[] = await Promise.all(
        Array.from({ length: 100 }, () => http().get(resourcePath(path))),
      );

      expect(origin.count(path)).toBe(1);
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body.data).toStrictEqual({ slow: true });
        expect(answer.body.createdAt).toBe(answers[0].body.createdAt);
        expect(answer.headers.etag).toBe(answers[0].headers.etag);
      }
    });

    it("keeps an answer for the origin's max-age, then fetches it again", async () => {
      const path = fresh('/short');

      await http().get(resourcePath(path)).expect(200);
      await sleep(1100);
      const again = await http().get(resourcePath(path)).expect(200);

      expect(again.headers['cache-status']).toBe(STORED);
      expect(origin.count(path)).toBe(2);
    });

    it('serves a no-store answer without keeping it', async () => {
      const path = fresh('/no-store');

      const first = await http().get(resourcePath(path)).expect(200);
      expect(first.headers['cache-status']).toBe(MISS);
      expect(first.headers['cache-control']).toBe('no-store');
      expect(first.body.data).toStrictEqual({ secret: true });
      await http().get(resourcePath(path)).expect(200);

      expect(origin.count(path)).toBe(2);
      expect(await stored(http, path)).toStrictEqual([]);
    });

    it('keeps text as a string', async () => {
      const path = fresh('/text');

      const res = await http().get(resourcePath(path)).expect(200);

      expect(res.body.data).toBe('plain words');
    });

    it("caches the origin's 404 for ORIGIN_NEGATIVE_TTL", async () => {
      const path = fresh('/gone');

      const first = await http().get(resourcePath(path)).expect(404);
      expect(first.headers['cache-status']).toBe(STORED);
      expect(first.body.message).toContain('Origin answered 404');
      const second = await http().get(resourcePath(path)).expect(404);
      expect(second.headers['cache-status']).toMatch(HIT);

      expect(origin.count(path)).toBe(1);
    });

    it('passes other statuses on without keeping them', async () => {
      const path = fresh('/error');

      await http().get(resourcePath(path)).expect(503);
      await http().get(resourcePath(path)).expect(503);

      expect(origin.count(path)).toBe(2);
    });

    it('refuses a redirect with a 502', async () => {
      const path = fresh('/redirect');

      const res = await http().get(resourcePath(path)).expect(502);

      expect(res.body.message).toContain('redirect');
      expect(origin.count('/json')).toBe(0);
    });

    it('answers 504 when the origin is too slow', async () => {
      const path = fresh('/too-slow');

      const res = await http().get(resourcePath(path)).expect(504);

      expect(res.body.message).toContain('did not answer within 500 ms');
    });

    it('refuses an answer larger than ORIGIN_MAX_BYTES with a 502', async () => {
      const path = fresh('/big');

      const res = await http().get(resourcePath(path)).expect(502);

      expect(res.body.message).toContain('ORIGIN_MAX_BYTES');
      expect(await stored(http, path)).toStrictEqual([]);
    });

    it('refuses an answer whose Content-Length is over ORIGIN_MAX_BYTES with a 502', async () => {
      const path = fresh('/big-declared');

      const res = await http().get(resourcePath(path)).expect(502);

      expect(res.body.message).toContain('ORIGIN_MAX_BYTES');
    });

    it('refuses invalid JSON and types other than JSON and text with a 502', async () => {
      const badJson = await http()
        .get(resourcePath(fresh('/bad-json')))
        .expect(502);
      const image = await http()
        .get(resourcePath(fresh('/image')))
        .expect(502);

      expect(badJson.body.message).toContain('invalid JSON');
      expect(image.body.message).toContain('image/png');
    });

    it('never fetches an id off ORIGINS, and serves other ids as before', async () => {
      const other = `http://127.0.0.2:${new URL(origin.origin).port}/json`;

      await http()
        .get(`/resources/${encodeURIComponent(other)}`)
        .expect(404);
      await http()
        .get(`/resources/${encodeURIComponent('/json')}`)
        .expect(404);
      await http().put('/resources/greeting').send({ data: 'hi' }).expect(201);
      const res = await http().get('/resources/greeting').expect(200);

      expect(res.body.data).toBe('hi');
      expect(origin.count('/json')).toBe(0);
    });

    it('serves an entry a client wrote under an origin URL as written', async () => {
      const path = fresh('/json');

      await http().put(resourcePath(path)).send({ data: 'mine' }).expect(201);
      const res = await http().get(resourcePath(path)).expect(200);

      expect(res.body.data).toBe('mine');
      expect(origin.count(path)).toBe(0);
    });
  });

  describe('with ORIGINS unset', () => {
    const { http } = useTestApp(() => store.env());

    it('never fetches', async () => {
      const path = fresh('/json');

      const res = await http().get(resourcePath(path)).expect(404);

      expect(res.headers['cache-status']).toBe(MISS);
      await http()
        .get('/fetch')
        .query({ url: origin.url(path) })
        .expect(404);
      expect(origin.count(path)).toBe(0);
    });
  });

  describe('with an origin named by a host name', () => {
    const boot = useTestApps(() => store.env());

    it('refuses a host name that resolves to a loopback address', async () => {
      const local = `http://localhost:${new URL(origin.origin).port}`;
      const { http } = await boot({ ORIGINS: local });
      const path = fresh('/json');

      const res = await http()
        .get(`/resources/${encodeURIComponent(`${local}${path}`)}`)
        .expect(502);

      expect(res.body.message).toContain('internal address');
      expect(origin.count(path)).toBe(0);
    });
  });
});
