import type { ServerResponse } from 'node:http';
import type { Response } from 'supertest';
import { startOrigin, startUnacceptingListener, json } from './helpers/origin-server';
import type { TestOrigin, UnacceptingListener } from './helpers/origin-server';
import { storeTargets } from './helpers/stores';
import { useTestApp, useTestApps } from './helpers/test-app';
import type { Http } from './helpers/test-app';
import { eventually, sleep } from './helpers/time';

// Real 1 s expiries and a timed-out origin.
jest.setTimeout(30_000);

const STORED = 'Lapse; fwd=miss; stored';

/** A supertest parser keeping the body as its bytes, whatever the type. */
function collectBytes(
  response: Response,
  callback: (error: Error | null, body: Buffer) => void,
): void {
  const stream = response as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
}
const HIT = /^Lapse; hit; ttl=\d+$/;
const MISS = 'Lapse; fwd=miss';

let origin: TestOrigin;
/** A second origin on ORIGINS, for redirects from one allowed origin to another. */
let other: TestOrigin;
let tests = 0;

/** Bytes that are not valid UTF-8 (every byte value), as an image the origin serves. */
const IMAGE = Buffer.from(Array.from({ length: 512 }, (_, index) => (index * 7) % 256));

/** Of each `/endless` request (by URL): whether the origin's answer was cut off before its end. */
const cutOff = new Map<string, boolean>();

/** Answers of `/held` waiting for the test to release them, and the most held at once. */
const held: ServerResponse[] = [];
let mostHeld = 0;
const releaseHeld = (): void => {
  for (const response of held.splice(0)) {
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=60' });
    response.end('{"held":true}');
  }
};

beforeAll(async () => {
  other = await startOrigin({
    '/json': json({ elsewhere: true }, { 'cache-control': 'max-age=60' }),
  });
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
      response.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'max-age=60' });
      response.end(IMAGE);
    },
    // To the other allowed origin, keeping the query (so each test's id stays its own).
    '/moved': (request, response) => {
      const query = new URL(request.url ?? '/', 'http://origin').search;
      response.writeHead(301, { location: other.url(`/json${query}`) }).end();
    },
    '/away': (_request, response) => {
      response.writeHead(302, { location: 'http://127.0.0.2:9/json' }).end();
    },
    // `/hops?n=3` redirects three times (relative Locations) before answering.
    '/hops': (request, response) => {
      const url = new URL(request.url ?? '/', 'http://origin');
      const left = Number(url.searchParams.get('n'));
      if (left <= 0) {
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"arrived":true}');
        return;
      }
      url.searchParams.set('n', String(left - 1));
      response.writeHead(307, { location: `/hops${url.search}` }).end();
    },
    // Sends 4 kB every 20 ms and never ends, unless the connection is closed.
    '/endless': (request, response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const sending = setInterval(() => response.write(Buffer.alloc(4096, 1)), 20);
      response.on('close', () => {
        clearInterval(sending);
        cutOff.set(request.url ?? '', !response.writableFinished);
      });
    },
    '/held': (_request, response) => {
      held.push(response);
      mostHeld = Math.max(mostHeld, held.length);
      response.on('close', () => {
        const index = held.indexOf(response);
        if (index >= 0) held.splice(index, 1);
      });
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

afterAll(async () => {
  await origin.close();
  await other.close();
});

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
  ORIGINS: `${origin.origin},${other.origin}`,
  ORIGIN_TIMEOUT_MS: '500',
  ORIGIN_MAX_BYTES: '16kb',
  ORIGIN_NEGATIVE_TTL: '60',
});

describe.each(storeTargets)('read-through ($name store)', (store) => {
  describe('with the origin on ORIGINS', () => {
    const { http } = useTestApp(() => ({ ...store.env(), ...ORIGIN_ENV() }), { listen: true });
    /** `GET /fetch` of the origin's `path`, its body kept as bytes. */
    const fetchRaw = (path: string) =>
      http()
        .get('/fetch')
        .query({ url: origin.url(path) })
        .buffer(true)
        .parse(collectBytes);

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

    it('keeps text as a string, served as it came on GET /fetch', async () => {
      const path = fresh('/text');

      const res = await http().get(resourcePath(path)).expect(200);
      const raw = await fetchRaw(path).expect(200);

      expect(res.body.data).toBe('plain words');
      expect(raw.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(raw.headers['cache-status']).toMatch(HIT);
      expect(raw.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      expect((raw.body as Buffer).toString('utf8')).toBe('plain words');
      expect(origin.count(path)).toBe(1);
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

    it('follows a redirect to another origin on ORIGINS, storing the answer under the id asked for', async () => {
      const path = fresh('/moved');

      const res = await http().get(resourcePath(path)).expect(200);

      expect(res.body).toMatchObject({ id: origin.url(path), data: { elsewhere: true } });
      expect(res.headers['cache-status']).toBe(STORED);
      const again = await http().get(resourcePath(path)).expect(200);
      expect(again.headers['cache-status']).toMatch(HIT);
      expect(origin.count(path)).toBe(1);
      expect(other.count(`/json${path.slice('/moved'.length)}`)).toBe(1);
      expect(await stored(http, path)).toHaveLength(1);
    });

    it('refuses a redirect off ORIGINS with a 502 saying so', async () => {
      const path = fresh('/away');

      const res = await http().get(resourcePath(path)).expect(502);

      expect(res.body.message).toContain('http://127.0.0.2:9, which is not on ORIGINS');
      expect(await stored(http, path)).toStrictEqual([]);
    });

    it(`follows at most 3 redirects, and refuses more with a 502`, async () => {
      const within = `/hops?n=3&test=${++tests}`;
      const beyond = `/hops?n=4&test=${++tests}`;

      const arrived = await http().get(resourcePath(within)).expect(200);
      const refused = await http().get(resourcePath(beyond)).expect(502);

      expect(arrived.body.data).toStrictEqual({ arrived: true });
      expect(refused.body.message).toContain('redirected more than 3 times');
      expect(origin.count(beyond.replace('n=4', 'n=1'))).toBe(1);
      expect(origin.count(beyond.replace('n=4', 'n=0'))).toBe(0);
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

    it('refuses an endless answer at ORIGIN_MAX_BYTES, closing the connection mid-body', async () => {
      const path = fresh('/endless');

      const res = await http().get(resourcePath(path)).expect(502);

      expect(res.body.message).toContain('ORIGIN_MAX_BYTES');
      // The origin never ends its answer: Lapse cut it off rather than read on.
      await eventually(() => expect(cutOff.get(path)).toBe(true), 5000);
      expect(await stored(http, path)).toStrictEqual([]);
    });

    it('refuses invalid JSON with a 502', async () => {
      const badJson = await http()
        .get(resourcePath(fresh('/bad-json')))
        .expect(502);

      expect(badJson.body.message).toContain('invalid JSON');
    });

    it('keeps a binary body byte for byte: raw on GET /fetch, base64 in the resource', async () => {
      const path = fresh('/image');

      const first = await fetchRaw(path).expect(200);
      expect(first.headers['content-type']).toBe('image/png');
      expect(first.headers['cache-status']).toBe(STORED);
      // Bytes from elsewhere, served from Lapse's address: nothing in them may run.
      expect(first.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      expect(first.headers['x-content-type-options']).toBe('nosniff');
      expect(Buffer.compare(first.body as Buffer, IMAGE)).toBe(0);

      const hit = await fetchRaw(path).expect(200);
      expect(hit.headers['content-type']).toBe('image/png');
      expect(hit.headers['content-length']).toBe(String(IMAGE.length));
      expect(hit.headers['cache-status']).toMatch(HIT);
      expect(hit.headers['cache-control']).toMatch(/max-age=\d+/);
      expect(hit.headers.etag).toBe(first.headers.etag);
      expect(Buffer.compare(hit.body as Buffer, IMAGE)).toBe(0);

      const resource = await http().get(resourcePath(path)).expect(200);
      expect(resource.headers['content-type']).toMatch(/^application\/json/);
      expect(resource.body.data.contentType).toBe('image/png');
      expect(Buffer.compare(Buffer.from(resource.body.data.base64, 'base64'), IMAGE)).toBe(0);
      expect(origin.count(path)).toBe(1);
    });

    it('answers HEAD and conditional GETs of a raw binary body as of any resource', async () => {
      const path = fresh('/image');
      const first = await fetchRaw(path).expect(200);

      const head = await http()
        .head('/fetch')
        .query({ url: origin.url(path) })
        .expect(200);
      const notModified = await http()
        .get('/fetch')
        .query({ url: origin.url(path) })
        .set('If-None-Match', String(first.headers.etag))
        .expect(304);

      expect(head.headers['content-type']).toBe('image/png');
      expect(head.headers['content-length']).toBe(String(IMAGE.length));
      expect(head.headers.etag).toBe(first.headers.etag);
      expect(head.headers['cache-status']).toMatch(HIT);
      expect(head.text ?? '').toBe('');
      expect(notModified.headers.etag).toBe(first.headers.etag);
      expect(notModified.headers['cache-status']).toMatch(HIT);
      expect(origin.count(path)).toBe(1);
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

// The fetching limits do not depend on the store: the memory store suffices.
describe('origin request limits', () => {
  const boot = useTestApps();

  afterEach(() => {
    releaseHeld();
    mostHeld = 0;
  });

  it('sends at most ORIGIN_MAX_CONCURRENCY requests to an origin at once; the others wait their turn', async () => {
    const { http } = await boot({
      ORIGINS: origin.origin,
      ORIGIN_MAX_CONCURRENCY: '2',
      ORIGIN_TIMEOUT_MS: '10000',
    });
    const paths = Array.from({ length: 5 }, () => fresh('/held'));

    const answers = Promise.all(paths.map((path) => http().get(resourcePath(path))));
    await eventually(() => expect(held.length).toBe(2), 5000);
    await sleep(300);
    expect(held.length).toBe(2);
    // Each answer frees a connection for the next waiting request.
    const releasing = setInterval(releaseHeld, 50);
    const results = await answers.finally(() => clearInterval(releasing));

    for (const result of results) expect(result.status).toBe(200);
    expect(mostHeld).toBe(2);
    for (const path of paths) expect(origin.count(path)).toBe(1);
  });

  it('counts the time a request waits its turn toward ORIGIN_TIMEOUT_MS (504)', async () => {
    const { http } = await boot({
      ORIGINS: origin.origin,
      ORIGIN_MAX_CONCURRENCY: '1',
      ORIGIN_TIMEOUT_MS: '4000',
    });
    const first = fresh('/held');
    const waiting = fresh('/held');
    // `then` sends a request now (supertest waits for it otherwise).
    const holding = http()
      .get(resourcePath(first))
      .then((answer) => answer.status);
    await eventually(() => expect(held.length).toBe(1), 5000);

    const started = Date.now();
    const answer = http()
      .get(resourcePath(waiting))
      .then((res) => ({ res, tookMs: Date.now() - started }));
    await sleep(1500);
    // The one connection is taken: the second request has not reached the origin.
    expect(origin.count(waiting)).toBe(0);
    const { res, tookMs } = await answer;

    expect(res.status).toBe(504);
    expect(res.body.message).toContain('did not answer within 4000 ms');
    // Had its wait not counted, it would have had 4 s more after the first's 504 (8 s in all).
    expect(tookMs).toBeLessThan(6500);
    await expect(holding).resolves.toBe(504);
  });

  describe('with an origin that never accepts a connection', () => {
    let listener: UnacceptingListener;

    beforeAll(async () => {
      listener = await startUnacceptingListener();
    });

    afterAll(() => listener.close());

    it('answers 504 once ORIGIN_CONNECT_TIMEOUT_MS has passed, well before ORIGIN_TIMEOUT_MS', async () => {
      const { http } = await boot({
        ORIGINS: listener.origin,
        ORIGIN_CONNECT_TIMEOUT_MS: '300',
        ORIGIN_TIMEOUT_MS: '20000',
      });

      const res = await http()
        .get(`/resources/${encodeURIComponent(`${listener.origin}/json`)}`)
        .expect(504);

      expect(res.body.message).toContain('did not accept a connection within 300 ms');
    });
  });
});
