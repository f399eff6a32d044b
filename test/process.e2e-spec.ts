import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { storeTargets } from './helpers/stores';

const ROOT = join(__dirname, '..');
const MAIN = join(ROOT, 'dist', 'main.js');
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
/** Variables Lapse reads: none is inherited from the machine running the tests. */
const LAPSE_VARIABLE = /^(CACHE_|TRACKING_)|^(PORT|HOST|BODY_LIMIT)$/;

/** A free TCP port on 127.0.0.1, found by letting the system pick one. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A running `node dist/main.js`, with everything it printed so far. */
interface ServerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Resolves `promise`, or rejects after `ms` with `message`. */
async function within<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe.each(storeTargets)('the server process ($name store)', ({ name, env }) => {
  const children: ChildProcess[] = [];
  let cwd: string;

  beforeAll(async () => {
    if (!existsSync(MAIN)) {
      await promisify(execFile)('npx', ['nest', 'build'], { cwd: ROOT, timeout: 170_000 });
    }
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
    const inherited: NodeJS.ProcessEnv = { ...process.env };
    for (const variable of Object.keys(inherited)) {
      if (LAPSE_VARIABLE.test(variable)) delete inherited[variable];
    }
    const child = spawn(process.execPath, [MAIN], {
      cwd,
      env: { ...inherited, ...env(), ...overrides },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    return { child, output: () => output.replace(ANSI_ESCAPE, ''), exited };
  }

  /** Waits for the log line announcing that the server listens, and returns it. */
  async function listeningLine(server: ServerProcess, ms: number): Promise<string> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const line = server
        .output()
        .split('\n')
        .find((candidate) => /listening/i.test(candidate));
      if (line) return line;
      if (server.child.exitCode !== null || server.child.signalCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`No listening log line; output was:\n${server.output()}`);
  }

  it('listens on PORT and HOST, serves /stats over HTTP and exits with 0 on SIGTERM', async () => {
    const port = await freePort();
    const server = start({ PORT: String(port), HOST: '127.0.0.1', CACHE_TTL: '42' });

    const line = await listeningLine(server, 20_000);
    expect(line).toContain(`127.0.0.1:${port}`);

    const res = await request(`http://127.0.0.1:${port}`).get('/stats').expect(200);
    expect(res.body.store).toBe(name);
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
});
