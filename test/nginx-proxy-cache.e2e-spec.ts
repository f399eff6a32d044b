import type { AddressInfo, Server } from 'node:net';
import { testAdapter } from './helpers/adapters';
import { NginxProxyCache, findNginx, getRaw } from './helpers/nginx';
import type { RawAnswer } from './helpers/nginx';
import { storeTargets } from './helpers/stores';
import { startTestApp } from './helpers/test-app';
import type { Env, Http, TestApp } from './helpers/test-app';
import { eventually, sleep } from './helpers/time';

// Real seconds pass while nginx's copies age.
jest.setTimeout(30_000);

const NGINX = findNginx();
const NGINX_MISSING = 'nginx was not found (Debian: apt-get install nginx)';
if (!NGINX) {
  if (process.env.CI !== undefined) {
    describe('Lapse behind nginx proxy_cache', () => {
      it('needs nginx', () => {
        throw new Error(`${NGINX_MISSING}; CI requires the nginx suite.`);
      });
    });
  } else {
    process.stdout.write(
      `\n${'!'.repeat(72)}\nNotice: ${NGINX_MISSING}. The nginx proxy_cache suite is SKIPPED.\n${'!'.repeat(72)}\n`,
    );
  }
}

const KEY = 'nginx-suite-key';

/** The one value of a header that must arrive on exactly one line. */
function single(answer: RawAnswer, name: string): string {
  expect({ [name]: answer.headers[name] ?? [] }).toEqual({ [name]: [expect.any(String)] });
  return answer.headers[name][0];
}

(NGINX ? describe.each(storeTargets) : describe.skip.each(storeTargets))(
  `Lapse behind nginx proxy_cache (${testAdapter}, $name store)`,
  ({ env }) => {
    let lapse: TestApp | undefined;
    let nginx: NginxProxyCache | undefined;

    /** Starts Lapse on a loopback port with `extra` settings, and a fresh nginx in front of it. */
    async function front(extra: Env): Promise<{ http: Http; via: typeof getRaw }> {
      lapse = await startTestApp({ ...env(), ...extra }, { listen: true });
      const { port } = (lapse.app.getHttpServer() as Server).address() as AddressInfo;
      nginx = await NginxProxyCache.start(NGINX as string, port);
      const base = nginx.url;
      return { http: lapse.http, via: (path, headers) => getRaw(`${base}${path}`, headers) };
    }

    afterEach(async () => {
      await nginx?.stop();
      await lapse?.close();
      nginx = undefined;
      lapse = undefined;
    });

    it('never serves a value after it expired (nginx counts whole seconds)', async () => {
      // Without the cap at the time left, s-maxage=60 would let nginx keep these for a minute;
      // with max-age alone, nginx would serve them until the end of their expiry second.
      const { http, via } = await front({
        CACHE_CONTROL_SCOPE: 'public',
        CACHE_SHARED_MAX_AGE: '60',
      });
      const oneSecond = await http().put('/resources/one-second').send({ data: 1, ttl: 1 });
      expect(oneSecond.status).toBe(201);
      expect((await via('/resources/one-second')).status).toBe(200);
      await sleep(Date.parse(oneSecond.body.expiresAt as string) - Date.now() + 50);
      expect((await via('/resources/one-second')).status).toBe(404);

      const written = await http().put('/resources/three-seconds').send({ data: 3, ttl: 3 });
      const expiredBy = Date.parse(written.body.expiresAt as string);
      const answers: { sentAt: number; status: number; cache: string }[] = [];
      while (Date.now() < expiredBy + 1000) {
        const sentAt = Date.now();
        const answer = await via('/resources/three-seconds');
        answers.push({ sentAt, status: answer.status, cache: single(answer, 'x-cache') });
        await sleep(100);
      }
      expect(answers.filter((a) => a.status === 200 && a.sentAt >= expiredBy)).toEqual([]);
      expect(answers.filter((a) => a.sentAt >= expiredBy).map((a) => a.status)).toContain(404);
      // nginx did keep and serve a copy while the entry lived.
      expect(answers.some((a) => a.status === 200 && a.cache === 'HIT')).toBe(true);
    });

    it('never serves a value read with a key to a client without one', async () => {
      const { http, via } = await front({
        API_KEYS: KEY,
        AUTH_READS: 'true',
        CACHE_CONTROL_SCOPE: 'public',
      });
      await http()
        .put('/resources/keyed')
        .set('X-API-Key', KEY)
        .send({ data: 'secret' })
        .expect(201);
      for (const path of ['/resources/keyed', '/get_cached_resource?id=keyed']) {
        for (const headers of [{ 'X-API-Key': KEY }, { Authorization: `Bearer ${KEY}` }] as Record<
          string,
          string
        >[]) {
          const keyed = await via(path, headers);
          expect(keyed.status).toBe(200);
          expect(keyed.body).toContain('secret');
        }
        const keyless = await via(path);
        expect(keyless.status).toBe(401);
        expect(keyless.body).not.toContain('secret');
        expect(single(keyless, 'x-upstream-status')).toBe('401');
      }
    });

    it('revalidates a stale copy with a 304 from Lapse, and takes new data when it changed', async () => {
      const { http, via } = await front({
        CACHE_CONTROL_SCOPE: 'public',
        CACHE_SHARED_MAX_AGE: '1',
      });
      await http().put('/resources/revalidated').send({ data: 'v1', ttl: 60 }).expect(201);
      const first = await via('/resources/revalidated');
      expect([first.status, single(first, 'x-cache')]).toEqual([200, 'MISS']);
      const hit = await via('/resources/revalidated');
      expect([hit.status, single(hit, 'x-cache')]).toEqual([200, 'HIT']);
      const hitsBefore = (await http().get('/stats').expect(200)).body.hits as number;

      // s-maxage=1: nginx's copy goes stale within two seconds (whole-second clock).
      let revalidated: RawAnswer | undefined;
      await eventually(async () => {
        revalidated = await via('/resources/revalidated');
        expect(single(revalidated, 'x-cache')).toBe('REVALIDATED');
      }, 4000);
      const answer = revalidated as RawAnswer;
      expect(answer.status).toBe(200);
      expect(single(answer, 'x-upstream-status')).toBe('304');
      expect(JSON.parse(answer.body)).toMatchObject({ id: 'revalidated', data: 'v1' });
      // Lapse answered the conditional request as a hit.
      expect((await http().get('/stats').expect(200)).body.hits).toBeGreaterThan(hitsBefore);

      await http().put('/resources/revalidated').send({ data: 'v2', ttl: 60 }).expect(200);
      await eventually(async () => {
        const changed = await via('/resources/revalidated');
        expect(single(changed, 'x-upstream-status')).toBe('200');
        expect(JSON.parse(changed.body)).toMatchObject({ data: 'v2' });
      }, 4000);
    });

    it('does not cache misses', async () => {
      const { http, via } = await front({
        CACHE_CONTROL_SCOPE: 'public',
        CACHE_SHARED_MAX_AGE: '60',
      });
      expect((await via('/resources/later')).status).toBe(404);
      const seedMiss = await via('/get_cached_resource?id=later');
      expect(JSON.parse(seedMiss.body)).toMatchObject({ status: 'failure' });
      await http().put('/resources/later').send({ data: 'now here' }).expect(201);
      const found = await via('/resources/later');
      expect(found.status).toBe(200);
      expect(single(found, 'x-upstream-status')).toBe('200');
      const seedFound = await via('/get_cached_resource?id=later');
      expect(JSON.parse(seedFound.body)).toEqual({ status: 'success', data: 'now here' });
    });

    it("one Cache-Status (Lapse's) and one X-Cache (nginx's) reach the client", async () => {
      const { http, via } = await front({ CACHE_CONTROL_SCOPE: 'public' });
      await http().put('/resources/status').send({ data: 1 }).expect(201);
      const miss = await via('/resources/status');
      const hit = await via('/resources/status');
      const absent = await via('/resources/status-absent');
      expect(single(miss, 'x-cache')).toBe('MISS');
      expect(single(hit, 'x-cache')).toBe('HIT');
      expect(single(absent, 'x-cache')).toBe('MISS');
      for (const answer of [miss, hit]) {
        expect(single(answer, 'cache-status')).toMatch(/^Lapse; hit; ttl=\d+$/);
      }
      expect(single(absent, 'cache-status')).toBe('Lapse; fwd=miss');
    });
  },
);
