import type { Response } from 'supertest';
import { startOrigin, json } from './helpers/origin-server';
import type { TestOrigin } from './helpers/origin-server';
import { parseScrape, sampleOf } from './helpers/prometheus';
import { storeTargets } from './helpers/stores';
import { useTestApp } from './helpers/test-app';
import type { Http } from './helpers/test-app';
import { eventually, sleep } from './helpers/time';

// Real 1 s freshness, stale windows of a few seconds, a timed-out origin.
jest.setTimeout(60_000);

const STORED = 'Lapse; fwd=miss; stored';
const HIT = /^Lapse; hit; ttl=\d+$/;
const STALE = /^Lapse; hit; fwd=stale; ttl=-\d+$/;
const STALE_ON_ERROR = /^Lapse; hit; fwd=stale; ttl=-\d+; detail=origin-error$/;
const REVALIDATED = 'Lapse; fwd=stale; fwd-status=304; stored';
const REPLACED = 'Lapse; fwd=stale; stored';

const LAST_MODIFIED = 'Wed, 02 Dec 2026 10:00:00 GMT';

/** How `/flaky` answers: normally, a 503, a dropped connection, or too late. */
let flaky: 'ok' | '503' | 'reset' | 'slow' = 'ok';

/** While set, `/versioned` holds its answers until the test opens the gate. */
let gate: Promise<void> | undefined;
let openGate = (): void => undefined;
function closeGate(): void {
  gate = new Promise((resolve) => {
    openGate = () => {
      gate = undefined;
      resolve();
    };
  });
}

/** Requests `/versioned` answered so far, by target: each answer says which it is. */
const versions = new Map<string, number>();

let origin: TestOrigin;
let tests = 0;

beforeAll(async () => {
  origin = await startOrigin({
    '/versioned': (request, response) => {
      const target = request.url ?? '';
      const version = (versions.get(target) ?? 0) + 1;
      versions.set(target, version);
      const answer = json({ version }, { 'cache-control': 'max-age=1' });
      if (gate) void gate.then(() => answer(request, response));
      else answer(request, response);
    },
    '/flaky': (request, response) => {
      if (flaky === '503') {
        response.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      } else if (flaky === 'reset') {
        request.socket.destroy();
      } else {
        json(
          { ok: true },
          { 'cache-control': 'max-age=1' },
          flaky === 'slow' ? 2000 : 0,
        )(request, response);
      }
    },
    // A 200 fresh for 1 s; a 304 to its ETag, fresh for 30 s.
    '/validated': (request, response) => {
      if (request.headers['if-none-match'] === '"v1"') {
        response.writeHead(304, { etag: '"v1"', 'cache-control': 'max-age=30' }).end();
        return;
      }
      json({ validated: true }, { etag: '"v1"', 'cache-control': 'max-age=1' })(request, response);
    },
    // Only a Last-Modified; the 304 says nothing of its lifetime.
    '/dated': (request, response) => {
      if (request.headers['if-modified-since'] === LAST_MODIFIED) {
        response.writeHead(304).end();
        return;
      }
      json({ dated: true }, { 'last-modified': LAST_MODIFIED, 'cache-control': 'max-age=1' })(
        request,
        response,
      );
    },
  });
});

afterAll(async () => {
  openGate();
  await origin.close();
});

afterEach(() => {
  flaky = 'ok';
  openGate();
});

/** A path of the origin no other test reads (the query makes it a new id). */
const fresh = (path: string): string => `${path}?test=${++tests}`;

/** The `/resources/{id}` path of the origin URL of `path`. */
const resourcePath = (path: string): string => `/resources/${encodeURIComponent(origin.url(path))}`;

/** Waits until `ms` after `since` (a past `Date.now()`). */
const sleepUntil = (since: number, ms: number): Promise<void> =>
  sleep(Math.max(0, since + ms - Date.now()));

type OriginStats = Record<
  'fetches' | 'revalidations' | 'staleServed' | 'errors' | 'joined',
  number
>;

const originStats = async (http: Http): Promise<OriginStats> =>
  ((await http().get('/stats').expect(200)).body as { origin: OriginStats }).origin;

describe.each(storeTargets)('read-through, stale and revalidated ($name store)', (store) => {
  describe('with STALE_WHILE_REVALIDATE', () => {
    const { http } = useTestApp(
      () => ({
        ...store.env(),
        ORIGINS: origin.origin,
        ORIGIN_TIMEOUT_MS: '10000',
        STALE_WHILE_REVALIDATE: '10',
      }),
      { listen: true },
    );

    it("keeps the origin's max-age, then serves stale at once while one request refreshes, then the fresh answer", async () => {
      const path = fresh('/versioned');

      const first = await http().get(resourcePath(path)).expect(200);
      expect(first.headers['cache-status']).toBe(STORED);
      expect(first.body.data).toStrictEqual({ version: 1 });
      expect(first.body.ttl).toBeLessThanOrEqual(1);
      const hit = await http().get(resourcePath(path)).expect(200);
      expect(hit.headers['cache-status']).toMatch(HIT);
      expect(origin.count(path)).toBe(1);

      // The refresh is held at the origin until every stale read is answered.
      closeGate();
      await sleepUntil(Date.parse(first.body.createdAt as string), 1100);
      const before = await originStats(http);
      const stale: Response[] = await Promise.all(
        Array.from({ length: 30 }, () => http().get(resourcePath(path))),
      );

      for (const answer of stale) {
        expect(answer.status).toBe(200);
        expect(answer.body.data).toStrictEqual({ version: 1 });
        expect(answer.body.ttl).toBe(0);
        expect(answer.headers['cache-status']).toMatch(STALE);
        expect(answer.headers['cache-control']).toBe('private, no-cache');
        expect(answer.headers.etag).toBe(first.headers.etag);
      }
      await eventually(() => expect(origin.count(path)).toBe(2), 5000);
      const during = await originStats(http);
      expect(during.staleServed - before.staleServed).toBe(30);
      expect(during.fetches - before.fetches).toBe(1);

      openGate();
      await eventually(async () => {
        const res = await http().get(resourcePath(path)).expect(200);
        expect(res.body.data).toStrictEqual({ version: 2 });
        expect(res.headers['cache-status']).toMatch(HIT);
      }, 5000);
      expect(origin.count(path)).toBe(2);
    });

    it('keeps an entry a client wrote under an origin URL no longer than its ttl', async () => {
      const path = fresh('/versioned');

      await http().put(resourcePath(path)).send({ data: 'mine', ttl: 1 }).expect(201);
      const written = Date.now();
      await sleepUntil(written, 1100);
      const res = await http().get(resourcePath(path)).expect(200);

      expect(res.headers['cache-status']).toBe(STORED);
      expect(res.body.data).toStrictEqual({ version: 1 });
    });
  });

  describe('with STALE_IF_ERROR', () => {
    const { http } = useTestApp(
      () => ({
        ...store.env(),
        ORIGINS: origin.origin,
        ORIGIN_TIMEOUT_MS: '500',
        STALE_IF_ERROR: '4',
      }),
      { listen: true },
    );

    it('serves the stale entry when the origin fails within STALE_IF_ERROR, and 502 or 504 after it', async () => {
      const path = fresh('/flaky');
      const first = await http().get(resourcePath(path)).expect(200);
      const storedAt = Date.parse(first.body.createdAt as string);
      await sleepUntil(storedAt, 1100);

      for (const failure of ['503', 'reset', 'slow'] as const) {
        flaky = failure;
        const res = await http().get(resourcePath(path));
        expect({ failure, status: res.status }).toStrictEqual({ failure, status: 200 });
        expect(res.body.data).toStrictEqual({ ok: true });
        expect(res.headers['cache-status']).toMatch(STALE_ON_ERROR);
        expect(res.headers['cache-control']).toBe('private, no-cache');
      }
      expect(origin.count(path)).toBe(4);

      // Fresh for 1 s, then stale for 4: gone after 5.
      await sleepUntil(storedAt, 5300);
      flaky = 'reset';
      const unreachable = await http().get(resourcePath(path)).expect(502);
      expect(unreachable.body.message).toContain('could not be reached');
      flaky = 'slow';
      const late = await http().get(resourcePath(path)).expect(504);
      expect(late.body.message).toContain('did not answer within 500 ms');

      flaky = 'ok';
      const again = await http().get(resourcePath(path)).expect(200);
      expect(again.headers['cache-status']).toBe(STORED);
    });

    it('refreshes a stale entry before serving it when the origin answers', async () => {
      const path = fresh('/versioned');
      const first = await http().get(resourcePath(path)).expect(200);
      await sleepUntil(Date.parse(first.body.createdAt as string), 1100);

      const res = await http().get(resourcePath(path)).expect(200);

      expect(res.headers['cache-status']).toBe(REPLACED);
      expect(res.body.data).toStrictEqual({ version: 2 });
      expect(res.body.ttl).toBeLessThanOrEqual(1);
    });

    it("revalidates with If-None-Match: a 304 renews the entry for the 304's max-age without a body", async () => {
      const path = fresh('/validated');
      const first = await http().get(resourcePath(path)).expect(200);
      expect(first.body.ttl).toBeLessThanOrEqual(1);
      await sleepUntil(Date.parse(first.body.createdAt as string), 1100);

      const revalidated = await http().get(resourcePath(path)).expect(200);

      expect(origin.lastHeaders()?.['if-none-match']).toBe('"v1"');
      expect(revalidated.headers['cache-status']).toBe(REVALIDATED);
      expect(revalidated.body.data).toStrictEqual({ validated: true });
      expect(revalidated.body.ttl).toBeGreaterThan(25);
      expect(revalidated.body.ttl).toBeLessThanOrEqual(30);
      expect(revalidated.headers.etag).toBe(first.headers.etag);
      const hit = await http().get(resourcePath(path)).expect(200);
      expect(hit.headers['cache-status']).toMatch(HIT);
      expect(origin.count(path)).toBe(2);
      expect(origin.bodies(path)).toBe(1);
    });

    it('revalidates with If-Modified-Since; a 304 without a lifetime renews the one before', async () => {
      const path = fresh('/dated');
      const first = await http().get(resourcePath(path)).expect(200);
      await sleepUntil(Date.parse(first.body.createdAt as string), 1100);

      const revalidated = await http().get(resourcePath(path)).expect(200);

      expect(origin.lastHeaders()?.['if-modified-since']).toBe(LAST_MODIFIED);
      expect(origin.lastHeaders()?.['if-none-match']).toBeUndefined();
      expect(revalidated.headers['cache-status']).toBe(REVALIDATED);
      expect(revalidated.body.data).toStrictEqual({ dated: true });
      expect(revalidated.body.ttl).toBe(1);
      expect(origin.count(path)).toBe(2);
      expect(origin.bodies(path)).toBe(1);
    });

    it('counts fetches, revalidations, stale answers, errors and joined reads in /stats and /metrics', async () => {
      const counters = [
        ['fetches', 'lapse_origin_fetches_total'],
        ['revalidations', 'lapse_origin_revalidations_total'],
        ['staleServed', 'lapse_origin_stale_served_total'],
        ['errors', 'lapse_origin_errors_total'],
        ['joined', 'lapse_origin_joined_total'],
      ] as const;
      const metrics = async () => parseScrape((await http().get('/metrics').expect(200)).text);
      const before = { stats: await originStats(http), metrics: await metrics() };

      // Ten concurrent misses: one fetch, held until the nine others have joined it.
      const shared = fresh('/versioned');
      closeGate();
      const misses = Promise.all(
        Array.from({ length: 10 }, () => http().get(resourcePath(shared)).expect(200)),
      );
      await eventually(async () => {
        expect((await originStats(http)).joined - before.stats.joined).toBe(9);
      }, 10_000);
      openGate();
      await misses;
      // A revalidation (304) and a stale answer for a 503: two fetches each.
      const validated = fresh('/validated');
      const failing = fresh('/flaky');
      const first = await http().get(resourcePath(validated)).expect(200);
      await http().get(resourcePath(failing)).expect(200);
      await sleepUntil(Date.parse(first.body.createdAt as string), 1100);
      await http().get(resourcePath(validated)).expect(200);
      flaky = '503';
      await http().get(resourcePath(failing)).expect(200);

      const after = { stats: await originStats(http), metrics: await metrics() };
      const expected = { fetches: 5, revalidations: 1, staleServed: 1, errors: 1, joined: 9 };
      for (const [field, metric] of counters) {
        const statsChange = after.stats[field] - before.stats[field];
        const metricChange =
          (sampleOf(after.metrics, metric) ?? 0) - (sampleOf(before.metrics, metric) ?? 0);
        expect({ field, statsChange, metricChange }).toStrictEqual({
          field,
          statsChange: expected[field],
          metricChange: expected[field],
        });
        expect(after.metrics.types.get(metric)).toBe('counter');
      }
    });
  });
});
