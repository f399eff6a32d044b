/* eslint-disable no-console */
/**
 * Bounded soak test: starts the compiled server (`node dist/main.js`) on a
 * free loopback port, drives it with many concurrent keep-alive clients for a
 * fixed time over a small key set, then checks that
 * - no answer was a 5xx, and no request failed at the connection level;
 * - every answer was one the API documents for that request;
 * - every key's interaction total (GET /interactions/:id) is exactly the
 *   number of interaction requests the server acknowledged for it, and
 *   /stats counts them all;
 * - the server stops with exit code 0 on SIGTERM.
 * It prints a summary table and the closing line `soak: N passed, M failed`,
 * and exits non-zero when a check failed.
 *
 * Run `npm run test:soak`: it builds the server, compiles this file with
 * test/soak/tsconfig.json to dist/test/soak/soak.js and runs that. Environment:
 *   SOAK_SECONDS  how long to send traffic (default 20)
 *   SOAK_CLIENTS  concurrent clients (default 50)
 *   SOAK_STORE    `memory` (default) or `redis`: a redis-server from the PATH
 *                 is started on a free port for the run (test/helpers/redis-server.ts).
 * Only 127.0.0.1 is ever contacted; node:http only, no dependencies.
 */

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RedisServer, findRedisServer, freePort } from '../helpers/redis-server';

// Compiled to dist/test/soak/soak.js: the project is three folders up.
const ROOT = resolve(__dirname, '..', '..', '..');
const HOST = '127.0.0.1';
const SECONDS = positiveInteger('SOAK_SECONDS', 20);
const CLIENTS = positiveInteger('SOAK_CLIENTS', 50);
const STORE = process.env.SOAK_STORE ?? 'memory';
const REQUEST_TIMEOUT_MS = 10_000;
/** The whole run, start-up and shutdown included, never takes longer than this. */
const HARD_TIMEOUT_MS = SECONDS * 1000 + 90_000;

/** The small key set every client works on: plain keys, a URL and non-ASCII ones. */
const KEYS = Array.from({ length: 20 }, (_, i) => {
  if (i === 3) return 'https://example.com/soak/3?x=1';
  if (i === 7) return 'soak-é-ключ-7';
  if (i === 11) return '__proto__';
  return `soak-${i}`;
});

interface Answer {
  status: number;
  text: string;
}
interface Call {
  method: string;
  path: string;
  body?: unknown;
}
interface Operation {
  name: string;
  weight: number;
  call: (key: string, n: number) => Call;
  expected: number[];
  interaction?: (answer: Answer) => boolean;
}
interface OperationStats {
  count: number;
  classes: Record<string, number>;
  errors: number;
  unexpected: Map<number, number>;
  latencies: number[];
}

const enc = encodeURIComponent;

const OPERATIONS: Operation[] = [
  {
    name: 'GET /resources/:id',
    weight: 25,
    call: (key) => ({ method: 'GET', path: `/resources/${enc(key)}` }),
    expected: [200, 404],
  },
  {
    name: 'GET /get_cached_resource',
    weight: 15,
    call: (key) => ({ method: 'GET', path: `/get_cached_resource?id=${enc(key)}` }),
    expected: [200],
  },
  {
    name: 'PUT /resources/:id',
    weight: 20,
    call: (key, n) => ({
      method: 'PUT',
      path: `/resources/${enc(key)}`,
      body: { data: { n, key, at: Date.now() }, ttl: 3600, tags: [`t${n % 3}`] },
    }),
    expected: [200, 201],
  },
  {
    name: 'DELETE /resources/:id',
    weight: 8,
    call: (key) => ({ method: 'DELETE', path: `/resources/${enc(key)}` }),
    expected: [204, 404],
  },
  {
    name: 'POST /interactions',
    weight: 12,
    call: (key, n) => ({
      method: 'POST',
      path: '/interactions',
      body: { resourceId: key, type: ['view', 'click', 'share'][n % 3] },
    }),
    expected: [201],
    interaction: (answer) => answer.status === 201,
  },
  {
    name: 'POST /interactions +data',
    weight: 8,
    call: (key, n) => ({
      method: 'POST',
      path: '/interactions',
      body: { resourceId: key, type: 'view', data: [n, key], ttl: 3600 },
    }),
    expected: [201],
    interaction: (answer) => answer.status === 201,
  },
  {
    name: 'POST /track_interaction',
    weight: 12,
    call: (key, n) => ({ method: 'POST', path: '/track_interaction', body: { id: key, data: n } }),
    expected: [200],
    interaction: (answer) =>
      answer.status === 200 && (parse(answer.text) as { status?: unknown })?.status === 'success',
  },
];
const TOTAL_WEIGHT = OPERATIONS.reduce((sum, op) => sum + op.weight, 0);

const children: ChildProcess[] = [];
const tempDirs: string[] = [];
let redis: RedisServer | undefined;

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`soak: ${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** Keeps the last lines a child printed, for the report when something goes wrong. */
class Tail {
  private lines: string[] = [];
  private partial = '';

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    this.lines.push(...lines);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }

  toString(): string {
    return [...this.lines, this.partial].filter(Boolean).join('\n');
  }
}

/** Starts a throw-away redis-server on a free loopback port; returns its URL. */
async function startRedis(): Promise<string> {
  if (!findRedisServer()) {
    throw new Error('SOAK_STORE=redis needs redis-server on the PATH (Debian: redis-server)');
  }
  // Nothing is kept on disk: the soak needs no durability, only a server under load.
  redis = await RedisServer.start({ durable: false });
  return redis.url;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS + 4 });

/** One request over the keep-alive agent. */
function send(port: number, { method, path, body }: Call): Promise<Answer> {
  return new Promise((done, fail) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const request = http.request(
      {
        host: HOST,
        port,
        method,
        path,
        agent,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': payload.length }
          : {},
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', fail);
        response.on('end', () =>
          done({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.setTimeout(REQUEST_TIMEOUT_MS, () =>
      request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)),
    );
    request.on('error', fail);
    request.end(payload);
  });
}

/**
 * Starts `node dist/main.js` and resolves once it answers GET /stats.
 * It runs in an empty folder, so a developer's `.env` cannot change it.
 */
async function startServer(env: Record<string, string>) {
  const port = await freePort();
  const cwd = mkdtempSync(join(tmpdir(), 'lapse-soak-'));
  tempDirs.push(cwd);
  const output = new Tail(200);
  const server = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
    cwd,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(server);
  server.stdout.on('data', (chunk: Buffer) => output.push(chunk));
  server.stderr.on('data', (chunk: Buffer) => output.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    server.once('exit', (code, signal) => done({ code, signal })),
  );
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (gone) throw new Error(`the server exited during start-up:\n${output.toString()}`);
    if (Date.now() > deadline) {
      throw new Error(`the server did not answer within 30 s:\n${output.toString()}`);
    }
    const answer = await send(port, { method: 'GET', path: '/stats' }).catch(() => undefined);
    if (answer?.status === 200) return { port, server, exited, output };
    await sleep(100);
  }
}

const percentile = (sorted: number[], q: number): number =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

const row = (cells: Array<string | number>, widths: number[]): string =>
  cells
    .map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i])))
    .join('  ');

async function main() {
  const started = Date.now();
  const env: Record<string, string> = {};
  if (STORE === 'redis') {
    Object.assign(env, {
      CACHE_STORE: 'redis',
      REDIS_URL: await startRedis(),
      CACHE_NAMESPACE: `soak-${process.pid}`,
    });
  } else if (STORE !== 'memory') {
    throw new Error(`SOAK_STORE must be memory or redis, got ${JSON.stringify(STORE)}`);
  }
  const { port, server, exited, output } = await startServer(env);
  console.log(
    `soak: ${CLIENTS} clients for ${SECONDS} s against http://${HOST}:${port} ` +
      `(${STORE} store, ${KEYS.length} keys)`,
  );

  const stats = new Map<string, OperationStats>(
    OPERATIONS.map((op) => [
      op.name,
      { count: 0, classes: {}, errors: 0, unexpected: new Map(), latencies: [] },
    ]),
  );
  /** Interactions the server acknowledged, per key. */
  const acknowledged = new Map(KEYS.map((key) => [key, 0]));
  const errorSamples: string[] = [];
  const unexpectedSamples: string[] = [];

  const trafficStart = Date.now();
  const deadline = trafficStart + SECONDS * 1000;
  let sequence = 0;
  /** One client: one request at a time, until the deadline. */
  const client = async () => {
    while (Date.now() < deadline) {
      let pick = Math.random() * TOTAL_WEIGHT;
      const op = OPERATIONS.find((candidate) => (pick -= candidate.weight) < 0) ?? OPERATIONS[0];
      const key = KEYS[Math.floor(Math.random() * KEYS.length)];
      const call = op.call(key, sequence++);
      const opStats = stats.get(op.name)!;
      opStats.count += 1;
      const sentAt = performance.now();
      try {
        const answer = await send(port, call);
        opStats.latencies.push(performance.now() - sentAt);
        const statusClass = `${Math.floor(answer.status / 100)}xx`;
        opStats.classes[statusClass] = (opStats.classes[statusClass] ?? 0) + 1;
        if (!op.expected.includes(answer.status)) {
          opStats.unexpected.set(answer.status, (opStats.unexpected.get(answer.status) ?? 0) + 1);
          if (unexpectedSamples.length < 5) {
            unexpectedSamples.push(
              `${call.method} ${call.path} -> ${answer.status} ${answer.text.slice(0, 200)}`,
            );
          }
        }
        if (op.interaction?.(answer)) acknowledged.set(key, (acknowledged.get(key) ?? 0) + 1);
      } catch (error) {
        opStats.errors += 1;
        if (errorSamples.length < 5)
          errorSamples.push(`${call.method} ${call.path}: ${String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const trafficSeconds = (Date.now() - trafficStart) / 1000;

  const checks: Array<{ name: string; ok: boolean; detail: string }> = [];
  const check = (name: string, ok: boolean, detail = '') => checks.push({ name, ok, detail });

  // The table.
  const widths = [26, 9, 8, 6, 6, 6, 7, 8, 8];
  const lines = [
    row(
      ['operation', 'requests', '2xx', '3xx', '4xx', '5xx', 'errors', 'p50 ms', 'p99 ms'],
      widths,
    ),
  ];
  const totals = { count: 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, errors: 0 };
  const allLatencies: number[] = [];
  for (const [name, s] of stats) {
    const sorted = s.latencies.sort((a, b) => a - b);
    allLatencies.push(...sorted);
    const cells = ['2xx', '3xx', '4xx', '5xx'].map((c) => s.classes[c] ?? 0);
    lines.push(
      row(
        [
          name,
          s.count,
          ...cells,
          s.errors,
          percentile(sorted, 0.5).toFixed(1),
          percentile(sorted, 0.99).toFixed(1),
        ],
        widths,
      ),
    );
    totals.count += s.count;
    totals['2xx'] += cells[0];
    totals['3xx'] += cells[1];
    totals['4xx'] += cells[2];
    totals['5xx'] += cells[3];
    totals.errors += s.errors;
  }
  allLatencies.sort((a, b) => a - b);
  lines.push(
    row(
      [
        'total',
        totals.count,
        totals['2xx'],
        totals['3xx'],
        totals['4xx'],
        totals['5xx'],
        totals.errors,
        percentile(allLatencies, 0.5).toFixed(1),
        percentile(allLatencies, 0.99).toFixed(1),
      ],
      widths,
    ),
  );
  console.log(lines.join('\n'));
  console.log(
    `throughput: ${Math.round(totals.count / trafficSeconds)} requests/s over ${trafficSeconds.toFixed(1)} s`,
  );

  check('zero 5xx answers', totals['5xx'] === 0, `${totals['5xx']} of ${totals.count}`);
  check(
    'zero connection errors or timeouts',
    totals.errors === 0,
    errorSamples.length ? `${totals.errors}; e.g. ${errorSamples.join(' | ')}` : '',
  );
  const unexpected = [...stats]
    .filter(([, s]) => s.unexpected.size > 0)
    .map(([name, s]) => `${name}: ${[...s.unexpected].map(([st, n]) => `${st}×${n}`).join(' ')}`);
  check(
    'every answer is one the API documents for its request',
    unexpected.length === 0,
    unexpected.length ? `${unexpected.join('; ')}; e.g. ${unexpectedSamples.join(' | ')}` : '',
  );

  // Exact interaction counts, key by key and in total.
  const miscounts: string[] = [];
  let expectedTotal = 0;
  for (const key of KEYS) {
    const expected = acknowledged.get(key) ?? 0;
    expectedTotal += expected;
    const answer = await send(port, { method: 'GET', path: `/interactions/${enc(key)}` }).catch(
      (error) => ({ status: 0, text: String(error) }),
    );
    const actual =
      answer.status === 200
        ? (parse(answer.text) as { total?: unknown })?.total
        : answer.status === 404
          ? 0
          : NaN;
    if (actual !== expected) {
      miscounts.push(
        `${JSON.stringify(key)}: acknowledged ${expected}, GET says ${answer.status} ${answer.text.slice(0, 120)}`,
      );
    }
  }
  check(
    `interaction totals equal acknowledged interactions for all ${KEYS.length} keys`,
    miscounts.length === 0,
    miscounts.length ? miscounts.join('; ') : `${expectedTotal} interactions`,
  );
  const statsAnswer = await send(port, { method: 'GET', path: '/stats' }).catch(() => undefined);
  const counted =
    statsAnswer?.status === 200
      ? (parse(statsAnswer.text) as { interactions?: unknown })?.interactions
      : undefined;
  check(
    '/stats counts every acknowledged interaction',
    counted === expectedTotal,
    `stats.interactions ${String(counted)}, acknowledged ${expectedTotal}`,
  );

  // Graceful shutdown.
  agent.destroy();
  server.kill('SIGTERM');
  const timeout = sleep(15_000).then(() => undefined);
  const outcome = await Promise.race([exited, timeout]);
  if (!outcome) server.kill('SIGKILL');
  check(
    'the server exits 0 on SIGTERM',
    outcome?.code === 0,
    outcome ? `code ${outcome.code}, signal ${outcome.signal}` : 'still running after 15 s: killed',
  );

  console.log('checks:');
  for (const { name, ok, detail } of checks) {
    console.log(`  ${ok ? 'ok  ' : 'FAIL'}  ${name}${detail ? ` (${detail})` : ''}`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  if (failed > 0) {
    console.log(
      `server output (last lines):\n${output.toString().split('\n').slice(-30).join('\n')}`,
    );
  }
  console.log(`run took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`soak: ${checks.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

/** Stops every child still running and removes the temporary folders. */
async function cleanUp(): Promise<void> {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  await redis?.stop();
}

const hardTimeout = setTimeout(() => {
  console.error(`soak: hard timeout after ${HARD_TIMEOUT_MS / 1000} s`);
  console.log('soak: 0 passed, 1 failed');
  void cleanUp().finally(() => process.exit(1));
}, HARD_TIMEOUT_MS);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130));
  });
}

void main()
  .then(
    (code) => code,
    (error) => {
      console.error(`soak: ${error instanceof Error ? error.message : String(error)}`);
      console.log('soak: 0 passed, 1 failed');
      return 1;
    },
  )
  .then(async (code) => {
    clearTimeout(hardTimeout);
    await cleanUp();
    process.exit(code);
  });
