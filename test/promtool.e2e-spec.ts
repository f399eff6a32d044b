import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { parseScrape } from './helpers/prometheus';
import { storeTargets } from './helpers/stores';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

/**
 * `/metrics` as Prometheus's own linter sees it: `promtool check metrics`
 * (Debian package `prometheus`) reads the scrape and fails on any problem or
 * lint warning. Under CI a missing promtool is a failure.
 */

const PROMTOOL_MISSING =
  'promtool is not installed (Debian package: prometheus), so /metrics is not linted';
const promtoolFound =
  spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).status === 0;

if (!promtoolFound) {
  if (process.env.CI) {
    describe('GET /metrics checked by promtool', () => {
      it('needs promtool', () => {
        throw new Error(PROMTOOL_MISSING);
      });
    });
  } else {
    process.stdout.write(`\nNotice: ${PROMTOOL_MISSING}. The promtool suite is skipped.\n`);
  }
}

/** The methods the metrics label as themselves; any other is OTHER. */
const KNOWN_METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'CONNECT',
  'TRACE',
];
/** Methods Node's parser accepts but Lapse has no route for. */
const ODD_METHODS = ['PROPFIND', 'PURGE', 'MKCOL', 'SEARCH', 'LOCK', 'REPORT', 'M-SEARCH', 'LINK'];

/** Sends one request with any method, as a client may; resolves its status. */
function send(server: unknown, method: string, path: string): Promise<number> {
  const { port } = (server as { address(): AddressInfo }).address();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });
}

/** What promtool says of `text`: its exit code and everything it printed. */
function promtool(text: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

(promtoolFound ? describe.each(storeTargets) : describe.skip.each(storeTargets))(
  'GET /metrics checked by promtool ($name store)',
  ({ env }) => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp(env(), { listen: true });
    });
    afterAll(() => app.close());

    it('passes `promtool check metrics` with no problem and no lint warning, after any traffic', async () => {
      const { http } = app;
      await http()
        .put('/resources/linted')
        .send({ data: 1, tags: ['t'] })
        .expect(201);
      await http().get('/resources/linted').expect(200);
      await http().get('/resources/absent').expect(404);
      await http().post('/interactions').send({ resourceId: 'linted' }).expect(201);
      await http().get('/no-such-route').expect(404);
      const server: unknown = app.app.getHttpServer();
      for (const method of ODD_METHODS) await send(server, method, '/resources/linted');

      const text = (await http().get('/metrics').expect(200)).text;
      const { status, output } = promtool(text);
      expect({ status, output }).toEqual({ status: 0, output: '' });

      // Made-up methods share one label value instead of adding series each.
      const methods = new Set(
        parseScrape(text)
          .samples.filter(({ name }) => name.startsWith('lapse_http_request_duration_seconds'))
          .map(({ labels }) => labels.method),
      );
      expect(methods).toContain('OTHER');
      for (const method of methods) expect([...KNOWN_METHODS, 'OTHER']).toContain(method);
    });

    it('fails, through promtool, on what it would let slip', () => {
      // The check above is only as good as promtool's verdict on a bad scrape.
      const bad = '# HELP x_total A gauge.\n# TYPE x_total gauge\nx_total 1\n';
      expect(promtool(bad).status).not.toBe(0);
    });
  },
);
