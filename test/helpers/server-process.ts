import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Environment } from '../../src/config/environment';
import { testAdapterEnv } from './adapters';

const ROOT = join(__dirname, '..', '..');
/** The built entry point the process suites run, as production does. */
export const MAIN = join(ROOT, 'dist', 'main.js');
const ANSI_ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
/** Every variable Lapse reads. */
const LAPSE_VARIABLES: ReadonlySet<string> = new Set(Object.keys(new Environment()));

/** Builds `dist/main.js` when it is missing (`npm test` builds it beforehand). */
export async function buildIfMissing(): Promise<void> {
  if (!existsSync(MAIN)) {
    await promisify(execFile)('npx', ['nest', 'build'], { cwd: ROOT, timeout: 170_000 });
  }
}

/** A free TCP port on 127.0.0.1, found by letting the system pick one. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running `node dist/main.js`, with everything it printed so far. */
export interface ServerProcess {
  child: ChildProcess;
  /** Stdout and stderr so far, in arrival order, without colour codes. */
  output: () => string;
  exited: Promise<ProcessExit>;
}

/** What {@link startServer} runs the process with. */
export interface StartOptions {
  /** Working directory; an empty one keeps any `.env` file out. */
  cwd: string;
  /** Variables set for the process, on top of the inherited ones. */
  env: Record<string, string>;
  /**
   * Inherited variables to leave out, so that nothing set on the machine
   * running the tests reaches the process. Default: every variable Lapse reads.
   */
  dropInherited?: (variable: string) => boolean;
}

/** Resolves `promise`, or rejects after `ms` with `message`. */
export async function within<T>(
  promise: Promise<T>,
  ms: number,
  message: () => string,
): Promise<T> {
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

/**
 * Starts `node dist/main.js` on the HTTP adapter under test, with `env` on top
 * of the inherited environment.
 */
export function startServer({
  cwd,
  env,
  dropInherited = (variable) => LAPSE_VARIABLES.has(variable),
}: StartOptions): ServerProcess {
  const inherited: NodeJS.ProcessEnv = { ...process.env };
  for (const variable of Object.keys(inherited)) {
    if (dropInherited(variable)) delete inherited[variable];
  }
  const child = spawn(process.execPath, [MAIN], {
    cwd,
    env: { ...inherited, ...testAdapterEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output.replace(ANSI_ESCAPE, ''), exited };
}

/** Whether the process is still running. */
export function isRunning(server: ServerProcess): boolean {
  return server.child.exitCode === null && server.child.signalCode === null;
}

/** Waits for the log line announcing that the server listens, and returns it. */
export async function listeningLine(server: ServerProcess, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const line = server
      .output()
      .split('\n')
      .find((candidate) => /listening/i.test(candidate));
    if (line) return line;
    if (!isRunning(server)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`No listening log line; output was:\n${server.output()}`);
}

/**
 * Registers the hooks of a suite that starts server processes: `dist/main.js`
 * built, an empty working directory (no `.env` file can leak in), and no
 * process left running after a test. Returns how to start one in it.
 */
export function serverProcessSuite(name: string): {
  start: (env: Record<string, string>) => ServerProcess;
} {
  const servers: ServerProcess[] = [];
  let cwd: string;
  beforeAll(async () => {
    await buildIfMissing();
    cwd = mkdtempSync(join(tmpdir(), `lapse-${name}-`));
  }, 180_000);
  afterEach(() => {
    for (const server of servers.splice(0)) {
      if (isRunning(server)) server.child.kill('SIGKILL');
    }
  });
  afterAll(() => {
    rmSync(cwd, { recursive: true, force: true });
  });
  return {
    start: (env) => {
      const server = startServer({ cwd, env });
      servers.push(server);
      return server;
    },
  };
}
