import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import {
  MAIN,
  buildIfMissing,
  freePort,
  listeningLine,
  startServer,
  within,
} from './helpers/server-process';
import type { ServerProcess } from './helpers/server-process';
import { storeTargets } from './helpers/stores';

/** Variables Lapse reads: none is inherited from the machine running the tests. */
const LAPSE_VARIABLE = /^(CACHE_|TRACKING_)|^(PORT|HOST|BODY_LIMIT)$/;

describe.each(storeTargets)('the server process ($name store)', ({ store, env }) => {
  const children: ChildProcess[] = [];
  let cwd: string;

  beforeAll(async () => {
    await buildIfMissing();
    expect(existsSync(MAIN)).toBe(true);
    // An empty working directory: no `.env` file can leak into the process.
    cwd = mkdtempSync(join(tmpdir(), 'lapse-process-'));
  }, 180_000);

  afterEach(() => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
  afterAll(() => {
    rmSync(cwd, { recursive: true, force: true });
  });

  /** Starts `node dist/main.js` with the target's environment plus `overrides`. */
  function start(overrides: Record<string, string>): ServerProcess {
    const server = startServer({
      cwd,
      env: { ...env(), ...overrides },
      dropInherited: (variable) => LAPSE_VARIABLE.test(variable),
    });
    children.push(server.child);
    return server;
  }

  it('listens on PORT and HOST, serves /stats over HTTP and exits with 0 on SIGTERM', async () => {
    const port = await freePort();
    const server = start({ PORT: String(port), HOST: '127.0.0.1', CACHE_TTL: '42' });

    const line = await listeningLine(server, 20_000);
    expect(line).toContain(`127.0.0.1:${port}`);

    const res = await request(`http://127.0.0.1:${port}`).get('/stats').expect(200);
    expect(res.body.store).toBe(store);
    expect(res.body.defaultTtl).toBe(42);

    expect(server.child.kill('SIGTERM')).toBe(true);
    const exit = await within(
      server.exited,
      5000,
      () => `No exit after SIGTERM:\n${server.output()}`,
    );
    expect(exit).toStrictEqual({ code: 0, signal: null });
  });

  it.each([
    ['CACHE_TTL', 'abc'],
    ['PORT', '99999'],
    ['BODY_LIMIT', 'huge'],
  ])(
    'refuses to start with %s=%s: non-zero exit, the variable named, no stack',
    async (variable, value) => {
      const port = await freePort();
      const server = start({ PORT: String(port), HOST: '127.0.0.1', [variable]: value });

      const exit = await within(server.exited, 5000, () => `Still running:\n${server.output()}`);
      expect(exit.signal).toBeNull();
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();

      const output = server.output();
      expect(output).toContain(variable);
      expect(output).not.toMatch(/^ {4}at /m);
      expect(output).not.toMatch(/listening/i);
    },
  );

  it.each([
    ['API_KEYS', 'first-secret-key, second-secret-key', 'secret-key'],
    ['REDIS_URL', 'redis://:s3cret-pass@cache.internal:99999/0', 's3cret-pass'],
  ])(
    'refuses to start with an invalid %s: the variable named, its value never shown',
    async (variable, value, secret) => {
      const port = await freePort();
      const server = start({
        PORT: String(port),
        HOST: '127.0.0.1',
        CACHE_STORE: 'redis',
        [variable]: value,
      });

      const exit = await within(server.exited, 5000, () => `Still running:\n${server.output()}`);
      expect(exit.code).not.toBe(0);
      const output = server.output();
      expect(output).toContain(variable);
      expect(output).not.toContain(secret);
      expect(output).not.toMatch(/^ {4}at /m);
    },
  );
});
