import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import CachePolicy from 'http-cache-semantics';
import request from 'supertest';
import type { Response } from 'supertest';
import { buildIfMissing, freePort, isRunning, startServer, within } from './helpers/server-process';
import type { ServerProcess } from './helpers/server-process';
import { storeTargets } from './helpers/stores';
import { useTestApps } from './helpers/test-app';
import type { Http } from './helpers/test-app';
import { eventually, sleep } from './helpers/time';

// Real seconds pass between a read and its revalidation.
jest.setTimeout(30_000);

// `http-cache-semantics` (the RFC 9111 rules as `got`, `make-fetch-happen` and
// other clients apply them) is the oracle: what a standard cache makes of
// Lapse's headers is what clients behind one get.

/** The request a cache saw, in the library's shape. */
function cacheRequest(path: string, headers: Record<string, string> = {}): CachePolicy.Request {
  return { method: 'GET', url: path, headers: { host: 'lapse.test', ...headers } };
}

/** The response a cache saw, in the library's shape. */
function cacheResponse(res: Response): CachePolicy.Response {
  return { status: res.status, headers: res.headers };
}

const KEY = 'client-cache-key';

/** Milliseconds left before `expiresAt` (ISO-8601), now. */
const msLeft = (expiresAt: string): number => Date.parse(expiresAt) - Date.now();

/**
 * The time to live `policy` gives: never longer than `expectedMs`, the entry's
 * time left, and shorter by less than a second (`max-age`, whole seconds
 * rounded down) or two (`s-maxage`, which ends one whole second before the
 * entry's expiry second so that whole-second caches never serve it late).
 */
function expectTimeToLive(policy: CachePolicy, expectedMs: number, shared: boolean): void {
  const ttl = policy.timeToLive();
  const earliest = expectedMs - (shared ? 2000 : 1000);
  // A few milliseconds pass between the policy's reading and `expectedMs`'s.
  expect({ ttl, expectedMs, inWindow: ttl >= earliest && ttl <= expectedMs + 50 }).toMatchObject({
    inWindow: true,
  });
}

/** GETs `path` as a client of a cache would, with `headers`. */
function get(http: Http, path: string, headers: Record<string, string> = {}) {
  const req = http().get(path);
  for (const [name, value] of Object.entries(headers)) req.set(name, value);
  return req;
}

describe.each(storeTargets)('A standard HTTP cache in front of Lapse ($name store)', ({ env }) => {
  const boot = useTestApps(env);

  it.each([
    ['GET /resources/:id', '/resources/oracle'],
    ['GET /get_cached_resource', '/get_cached_resource?id=oracle'],
  ])(
    '%s: the time to live is the entry time left, before and after a 304',
    async (_route, path) => {
      for (const shared of [false, true]) {
        const { http } = await boot({ CACHE_CONTROL_SCOPE: shared ? 'public' : 'private' });
        const written = await http().put('/resources/oracle').send({ data: 'x', ttl: 30 });
        expect(written.status).toBe(201);
        const expiresAt = written.body.expiresAt as string;
        // Let the entry age, so that a cache counting its age twice is caught.
        await sleep(1100);

        const req = cacheRequest(path);
        const res = await get(http, path).expect(200);
        const policy = new CachePolicy(req, cacheResponse(res), { shared });
        expect(policy.storable()).toBe(true);
        expectTimeToLive(policy, msLeft(expiresAt), shared);
        expect(policy.satisfiesWithoutRevalidation(req)).toBe(true);

        await sleep(1100);
        expectTimeToLive(policy, msLeft(expiresAt), shared);
        const revalidation = policy.revalidationHeaders(req) as Record<string, string>;
        expect(revalidation['if-none-match']).toBe(res.headers.etag);
        const notModified = await get(http, path, revalidation).expect(304);
        const { policy: revalidated, modified } = policy.revalidatedPolicy(
          req,
          cacheResponse(notModified),
        );
        expect(modified).toBe(false);
        expectTimeToLive(revalidated, msLeft(expiresAt), shared);
      }
    },
  );

  it('a copy a cache keeps is stale once the entry expired, and revalidates to a 404', async () => {
    const { http } = await boot({ CACHE_CONTROL_SCOPE: 'public' });
    // Three seconds: a shared copy's s-maxage (one whole second short of the expiry second) is ≥ 1.
    const written = await http().put('/resources/short').send({ data: 1, ttl: 3 }).expect(201);
    const req = cacheRequest('/resources/short');
    const res = await get(http, '/resources/short').expect(200);
    const policy = new CachePolicy(req, cacheResponse(res), { shared: true });
    expect(policy.stale()).toBe(false);
    await sleep(Math.max(0, msLeft(written.body.expiresAt as string)) + 50);
    expect(policy.stale()).toBe(true);
    const revalidation = policy.revalidationHeaders(req) as Record<string, string>;
    await get(http, '/resources/short', revalidation).expect(404);
  });

  it('with AUTH_READS=true, a keyed answer is never storable by a shared cache, even with CACHE_CONTROL_SCOPE=public', async () => {
    const { http } = await boot({
      API_KEYS: KEY,
      AUTH_READS: 'true',
      CACHE_CONTROL_SCOPE: 'public',
      CACHE_SHARED_MAX_AGE: '30',
    });
    await http().put('/resources/keyed').set('X-API-Key', KEY).send({ data: 1 }).expect(201);
    for (const path of ['/resources/keyed', '/get_cached_resource?id=keyed']) {
      const req = cacheRequest(path, { authorization: `Bearer ${KEY}` });
      const res = await get(http, path, { authorization: `Bearer ${KEY}` }).expect(200);
      expect(new CachePolicy(req, cacheResponse(res), { shared: true }).storable()).toBe(false);
      // The client's own cache may keep it.
      expect(new CachePolicy(req, cacheResponse(res), { shared: false }).storable()).toBe(true);
    }
  });

  it('CACHE_SHARED_MAX_AGE bounds what a shared cache keeps, never beyond the entry time left', async () => {
    const { http } = await boot({ CACHE_CONTROL_SCOPE: 'public', CACHE_SHARED_MAX_AGE: '5' });
    const long = await http().put('/resources/long').send({ data: 1, ttl: 60 }).expect(201);
    const short = await http().put('/resources/short').send({ data: 1, ttl: 3 }).expect(201);
    for (const [id, written] of [
      ['long', long],
      ['short', short],
    ] as const) {
      const req = cacheRequest(`/resources/${id}`);
      const res = await get(http, `/resources/${id}`).expect(200);
      const expiresAt = written.body.expiresAt as string;
      expectTimeToLive(
        new CachePolicy(req, cacheResponse(res), { shared: true }),
        Math.min(5000, msLeft(expiresAt)),
        true,
      );
      expectTimeToLive(
        new CachePolicy(req, cacheResponse(res), { shared: false }),
        msLeft(expiresAt),
        false,
      );
    }
  });
});

describe('start-up warning', () => {
  let cwd: string;
  let server: ServerProcess | undefined;
  beforeAll(async () => {
    await buildIfMissing();
    cwd = mkdtempSync(join(tmpdir(), 'lapse-client-cache-'));
  }, 180_000);
  afterAll(() => {
    if (server && isRunning(server)) server.child.kill('SIGKILL');
    rmSync(cwd, { recursive: true, force: true });
  });

  it('warns that CACHE_CONTROL_SCOPE=public is ignored while reads need a key', async () => {
    const port = await freePort();
    server = startServer({
      cwd,
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'warn',
        API_KEYS: KEY,
        AUTH_READS: 'true',
        CACHE_CONTROL_SCOPE: 'public',
      },
    });
    const running = server;
    await eventually(async () => {
      if (!isRunning(running)) throw new Error(`Exited:\n${running.output()}`);
      await request(`http://127.0.0.1:${port}`).get('/health').expect(200);
    }, 20_000);
    running.child.kill('SIGTERM');
    await within(running.exited, 5000, () => `No exit:\n${running.output()}`);
    const warnings = running
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { level: number; msg?: string; context?: string })
      .filter((line) => line.level === 40 && /CACHE_CONTROL_SCOPE=public/.test(line.msg ?? ''));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toMatch(/AUTH_READS=true/);
    expect(warnings[0].msg).toMatch(/private/);
  });
});
