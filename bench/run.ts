/**
 * `npm run bench`: measures Lapse against its floors in one run.
 *
 * Servers: a raw `node:http` + `Map` baseline, the Nest framework floor on
 * each adapter, and Lapse on each adapter with the memory store and (when a
 * `redis-server` binary is found) the Redis store. Rounds are interleaved: each
 * round starts every server in turn and runs every workload against it, so a
 * slow moment of the machine is spread over all servers. Figures are medians
 * over the rounds. Then the scale runs: 1,000 vs 1,000,000 entries, on two
 * servers side by side, interleaved the same way.
 *
 * Settings (environment): BENCH_ROUNDS (3), BENCH_SECONDS (3 per workload),
 * BENCH_CONNECTIONS (50), BENCH_SCALE_ENTRIES (1000000; 0 skips the scale runs),
 * BENCH_QUICK (1: GET hit and PUT, 2 rounds, printed only), BENCH_NODE (e.g.
 * 24: the servers run on the npm package node@24), BENCH_TRACKED (100000:
 * resources tracked for the windowed top-list runs), BENCH_ONLY (top-lists:
 * only the windowed top-list runs, printed and saved to
 * bench/results/top-lists.json; read-through: only the read-through runs,
 * printed and saved to bench/results/read-through.json, with
 * BENCH_READ_THROUGH_IDS (1000), BENCH_ORIGIN_MAX_AGE (3 s) and
 * BENCH_READ_THROUGH_SECONDS (12 per run); near-cache: GET hits on memory,
 * Redis and Redis with the near cache, with the Redis commands they cost, and
 * an idle instance's commands for BENCH_IDLE_SECONDS (60), printed and saved
 * to bench/results/near-cache.json; redis-cost: Redis commands, CPU time and
 * bytes per request of each kind, and Redis memory per entry, saved to
 * bench/results/redis-cost.json).
 *
 * Writes bench/results/latest.json (every figure) and latest.md (the full
 * report), the full report between the bench markers of docs/performance.md
 * and a short table between those of README.md. BENCH_REPORT_ONLY=1 (or
 * `--report`) measures nothing: it renders the reports again from the saved
 * latest.json.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@redis/client';
import * as prettier from 'prettier';
import { RedisServer, findRedisServer, freePort } from '../test/helpers/redis-server';
import type { LoadOptions, LoadResult } from './load';
import { WORKING_SET, WORKLOADS, benchValue, putRequest, readThroughRequest } from './workloads';
import type { WorkloadName } from './workloads';

const ROOT = resolve(__dirname, '..', '..', '..');
const HERE = __dirname;
const RESULTS = join(ROOT, 'bench', 'results');
const README = join(ROOT, 'README.md');
const PERFORMANCE = join(ROOT, 'docs', 'performance.md');
const REPORT_ONLY = process.env.BENCH_REPORT_ONLY === '1' || process.argv.includes('--report');
/**
 * For iterating: GET hit and PUT on the floors and Lapse's memory store, two
 * rounds, no scale runs; printed and saved to bench/results/quick.json only.
 */
const QUICK = process.env.BENCH_QUICK === '1';
/** `top-lists`: only the windowed top-list runs (see {@link topListRun}). */
const ONLY = process.env.BENCH_ONLY;
/** Resources tracked over the last hour for the windowed top-list runs. */
const TRACKED = Number(process.env.BENCH_TRACKED ?? 100_000);
/** Sequential requests per windowed query; clients that load the server meanwhile. */
const TOP_LIST_REQUESTS = 200;
const TOP_LIST_CLIENTS = 4;
const TOP_LIST_QUERIES = ['since=-1h&limit=10', 'since=-24h&limit=10'] as const;

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 3));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SCALE_ENTRIES = Number(process.env.BENCH_SCALE_ENTRIES ?? (QUICK ? 0 : 1_000_000));
const QUICK_WORKLOADS: readonly WorkloadName[] = ['get-hit', 'put'];
/**
 * The Node.js the servers run on: this one, or with BENCH_NODE=24 the npm
 * package `node@24` (fetched by npx once); the load generator stays on this one.
 */
const SERVER_NODE = process.env.BENCH_NODE
  ? execFileSync('npx', ['-y', `node@${process.env.BENCH_NODE}`, '-p', 'process.execPath'], {
      encoding: 'utf8',
    }).trim()
  : process.execPath;
const SERVER_NODE_VERSION = execFileSync(SERVER_NODE, ['-p', 'process.version'], {
  encoding: 'utf8',
}).trim();
/**
 * Servers on core 0, the load generator on core 1 (BENCH_PIN=0: wherever the
 * scheduler puts them). Unpinned, the scheduler now and then runs both on one
 * core for a while, and the same server's figures swung by a third between
 * rounds.
 */
const PINNED = process.env.BENCH_PIN !== '0' && cpus().length >= 2 && hasTaskset();

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
}

/** `command args` run on one core when {@link PINNED}. */
function onCore(core: number, command: string, args: string[]): [string, string[]] {
  return PINNED ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

const MEASURED_WORKLOADS = QUICK
  ? WORKLOADS.filter((workload) => QUICK_WORKLOADS.includes(workload.name))
  : WORKLOADS;
const SMALL_ENTRIES = 1_000;
/** Entries per bulk write when filling Lapse (one Redis call each). */
const FILL_BATCH = 250;

type Adapter = 'express' | 'fastify';
type Store = 'memory' | 'redis';

interface Target {
  id: string;
  title: string;
  kind: 'raw' | 'floor' | 'floor-logs' | 'platform' | 'lapse' | 'lapse-tracked';
  adapter?: Adapter;
  store?: Store;
  /** What the server's routes start with. */
  prefix?: string;
  /** Settings on top of the defaults. */
  env?: Record<string, string>;
  /** The workloads it runs, when not all of them. */
  workloads?: readonly WorkloadName[];
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function targets(withRedis: boolean): Target[] {
  const list: Target[] = [{ id: 'raw', title: 'raw node:http + Map', kind: 'raw' }];
  // The same server sending a Lapse GET hit's headers: what those headers cost
  // in Node.js's own HTTP code, whatever the framework.
  list.push({
    id: 'raw-headers',
    title: "raw node:http + Map, a Lapse hit's headers",
    kind: 'raw',
    env: { RAW_HEADERS: 'lapse' },
    workloads: ['get-hit'],
  });
  for (const adapter of ['express', 'fastify'] as const) {
    list.push({ id: `floor-${adapter}`, title: `Nest floor, ${adapter}`, kind: 'floor', adapter });
  }
  // What logging alone costs: the same floor with Fastify's default request logs.
  list.push({
    id: 'floor-fastify-logs',
    title: 'Nest floor, fastify, request logs',
    kind: 'floor-logs',
    adapter: 'fastify',
  });
  for (const adapter of ['express', 'fastify'] as const) {
    list.push({
      id: `platform-${adapter}`,
      title: `platform floor, ${adapter}`,
      kind: 'platform',
      adapter,
      prefix: '/floor',
    });
  }
  for (const store of withRedis && !QUICK
    ? (['memory', 'redis'] as const)
    : (['memory'] as const)) {
    for (const adapter of ['express', 'fastify'] as const) {
      list.push({
        id: `lapse-${adapter}-${store}`,
        title: `Lapse, ${adapter}, ${store}`,
        kind: 'lapse',
        adapter,
        store,
      });
    }
  }
  // Reads with both guards installed: an API key for writes, a rate limit it never reaches.
  if (!QUICK) {
    list.push({
      id: 'lapse-fastify-memory-guarded',
      title: 'Lapse, fastify, memory, API_KEYS and THROTTLE_LIMIT',
      kind: 'lapse',
      adapter: 'fastify',
      store: 'memory',
      env: { API_KEYS: 'bench-key', THROTTLE_LIMIT: '100000000', THROTTLE_TTL: '60' },
      workloads: ['get-hit', 'seed-hit'],
    });
  }
  return list;
}

/** A server under test, started as its own process. */
class RunningServer {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    private readonly errors: () => string,
  ) {}

  /**
   * Starts `target`. With `weighable`, the process can be asked for its
   * memory after a full garbage collection ({@link settledMemory}).
   */
  static async start(
    target: Target,
    redisUrl?: string,
    { weighable = false } = {},
  ): Promise<RunningServer> {
    const port = await freePort();
    let command: string[];
    let env: NodeJS.ProcessEnv = { ...process.env };
    if (target.kind === 'raw') {
      command = [join(HERE, 'servers', 'raw.js'), String(port)];
      env = { ...env, ...target.env };
    } else if (target.kind === 'floor' || target.kind === 'floor-logs') {
      command = [join(HERE, 'servers', 'floor.js'), String(port), target.adapter ?? 'express'];
      if (target.kind === 'floor-logs') command.push('logs');
    } else {
      command =
        target.kind === 'platform'
          ? [join(HERE, 'servers', 'platform-floor.js')]
          : target.kind === 'lapse-tracked'
            ? [join(HERE, 'servers', 'lapse-tracked.js')]
            : [join(ROOT, 'dist', 'main.js')];
      env = {
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        HTTP_ADAPTER: target.adapter,
        CACHE_STORE: target.store ?? 'memory',
        CACHE_MAX_ENTRIES: String(Math.max(SCALE_ENTRIES, WORKING_SET) * 2),
        TRACKING_MAX_RESOURCES: String(WORKING_SET * 2),
        ...(redisUrl
          ? { REDIS_URL: redisUrl, CACHE_NAMESPACE: `bench-${port}-${Date.now()}` }
          : {}),
        ...target.env,
      };
    }
    // Lapse logs at its default level (info: one line per request), to /dev/null.
    const nodeOptions = weighable
      ? ['--expose-gc', '--require', join(HERE, 'servers', 'settle-memory.js')]
      : [];
    // taskset execs the server: the child's pid is the server's.
    const child = spawn(...onCore(0, SERVER_NODE, [...nodeOptions, ...command]), {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)),
    );
    const server = new RunningServer(child, port, () => stderr);
    try {
      // A server that fills its tracker first takes longer to answer.
      await server.waitUntilAnswering(target.kind === 'lapse-tracked' ? 300_000 : 30_000);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return server;
  }

  private async waitUntilAnswering(withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) break;
      try {
        await fetch(`http://127.0.0.1:${this.port}/resources/key-0`);
        return;
      } catch {
        await sleep(100);
      }
    }
    throw new Error(`server on port ${this.port} did not start:\n${this.errors()}`);
  }

  /** Resident set size, in bytes. */
  rss(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  }

  /** Memory left after full garbage collections (a server started `weighable`). */
  async settledMemory(): Promise<{ rss: number; heapUsed: number }> {
    const report = new Promise<{ rss: number; heapUsed: number }>((done) => {
      const onData = (chunk: Buffer) => {
        const line = /bench-memory (\{.*\})/.exec(chunk.toString());
        if (!line) return;
        this.child.stderr?.off('data', onData);
        done(JSON.parse(line[1]) as { rss: number; heapUsed: number });
      };
      this.child.stderr?.on('data', onData);
    });
    this.child.kill('SIGUSR2');
    const settled = await Promise.race([report, sleep(30_000).then(() => undefined)]);
    if (!settled) throw new Error(`no memory report from port ${this.port}:\n${this.errors()}`);
    return settled;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((done) => this.child.once('exit', done));
    this.child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Stores `key-from` … `key-(to-1)`: bulk writes on Lapse, single PUTs elsewhere. */
async function fill(server: RunningServer, target: Target, from: number, to: number) {
  const base = `http://127.0.0.1:${server.port}${target.prefix ?? ''}`;
  const batches: Array<() => Promise<Response>> = [];
  if (target.kind === 'lapse') {
    for (let start = from; start < to; start += FILL_BATCH) {
      const items = [];
      for (let i = start; i < Math.min(to, start + FILL_BATCH); i++) {
        items.push({ id: `key-${i}`, data: benchValue(i), ttl: 86_400 });
      }
      const body = JSON.stringify({ items });
      batches.push(() =>
        fetch(`${base}/resources/_mset`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(target.env?.API_KEYS && { authorization: `Bearer ${target.env.API_KEYS}` }),
          },
          body,
        }),
      );
    }
  } else {
    for (let i = from; i < to; i++) {
      const { path, method, headers, body } = putRequest(i);
      batches.push(() => fetch(`${base}${path}`, { method, headers, body }));
    }
  }
  const parallel = target.kind === 'lapse' ? 2 : 32;
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < batches.length) {
        const res = await batches[next++]();
        if (!res.ok) throw new Error(`fill failed: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
    }),
  );
}

async function load(
  port: number,
  workload: WorkloadName,
  keys: number,
  seconds = SECONDS,
  prefix = '',
  origin?: string,
) {
  const options: LoadOptions = {
    port,
    workload,
    keys,
    seconds,
    connections: CONNECTIONS,
    prefix,
    origin,
  };
  const { stdout } = await promisify(execFile)(
    ...onCore(1, process.execPath, [join(HERE, 'load.js'), JSON.stringify(options)]),
    { timeout: (seconds + 60) * 1000 },
  );
  return JSON.parse(stdout) as LoadResult;
}

interface Figures extends LoadResult {
  rss: number;
}

/** Median of every figure over the rounds. */
function medianOf(runs: Figures[]): Figures {
  const keys = Object.keys(runs[0]) as Array<keyof Figures>;
  return Object.fromEntries(
    keys.map((key) => [key, median(runs.map((run) => run[key]))]),
  ) as unknown as Figures;
}

async function mainRounds(list: Target[], redisUrl?: string) {
  const runs = new Map<string, Figures[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const target of list) {
      log(`round ${round}/${ROUNDS}: ${target.title}`);
      const server = await RunningServer.start(
        target,
        target.store === 'redis' ? redisUrl : undefined,
      );
      try {
        await fill(server, target, 0, WORKING_SET);
        await load(server.port, 'get-hit', WORKING_SET, 1, target.prefix); // warm-up, not counted
        for (const workload of MEASURED_WORKLOADS) {
          if (target.workloads && !target.workloads.includes(workload.name)) continue;
          const result = await load(
            server.port,
            workload.name,
            WORKING_SET,
            SECONDS,
            target.prefix,
          );
          const key = `${target.id}/${workload.name}`;
          runs.set(key, [...(runs.get(key) ?? []), { ...result, rss: server.rss() }]);
        }
      } finally {
        await server.stop();
      }
    }
  }
  return runs;
}

interface ScaleFigures {
  store: Store;
  adapter: Adapter;
  small: Figures;
  large: Figures;
  entries: number;
  /** Growth of resident memory per added entry, after full collections. */
  bytesPerEntry: number;
  /** Growth of the V8 heap in use per added entry, after full collections. */
  heapBytesPerEntry: number;
}

/**
 * GET of random keys with 1,000 entries vs 1,000,000, on two servers that run
 * side by side (each with a Redis of its own for the Redis store), their loads
 * interleaved round by round as in the main table: measured one after the
 * other, a drift of the machine's speed would read as a cost of size.
 */
async function scaleRun(store: Store): Promise<ScaleFigures> {
  const adapter: Adapter = 'fastify';
  const target: Target = { id: `scale-${store}`, title: '', kind: 'lapse', adapter, store };
  log(`scale: ${store} store, ${SMALL_ENTRIES} vs ${SCALE_ENTRIES} entries`);
  const redises: RedisServer[] = [];
  const servers: RunningServer[] = [];
  try {
    if (store === 'redis') {
      for (let i = 0; i < 2; i++) redises.push(await RedisServer.start());
    }
    // Both weighable, so that both run with the same Node flags.
    const small = await RunningServer.start(target, redises[0]?.url, { weighable: true });
    servers.push(small);
    const large = await RunningServer.start(target, redises[1]?.url, { weighable: true });
    servers.push(large);
    await fill(small, target, 0, SMALL_ENTRIES);
    await fill(large, target, 0, SMALL_ENTRIES);
    // Both warmed alike. The large one is loaded before it is weighed as after,
    // so what serving itself holds (a grown young generation, compiled code)
    // is in both of its weights.
    await load(small.port, 'get-random', SMALL_ENTRIES);
    await load(large.port, 'get-random', SMALL_ENTRIES);
    // Weighed after full collections, as the plain Map is: the garbage that
    // requests leave behind is not memory the entries hold.
    const before = await large.settledMemory();
    await fill(large, target, SMALL_ENTRIES, SCALE_ENTRIES);
    await load(large.port, 'get-random', SCALE_ENTRIES, 1);
    const smallRuns: Figures[] = [];
    const largeRuns: Figures[] = [];
    const measure = async (server: RunningServer, entries: number, runs: Figures[]) =>
      runs.push({ ...(await load(server.port, 'get-random', entries)), rss: server.rss() });
    for (let round = 0; round < ROUNDS; round++) {
      // Which size goes first alternates, so neither always follows the other.
      const pair = [
        () => measure(small, SMALL_ENTRIES, smallRuns),
        () => measure(large, SCALE_ENTRIES, largeRuns),
      ];
      for (const run of round % 2 === 0 ? pair : pair.reverse()) await run();
    }
    const after = await large.settledMemory();
    const added = SCALE_ENTRIES - SMALL_ENTRIES;
    return {
      store,
      adapter,
      small: medianOf(smallRuns),
      large: medianOf(largeRuns),
      entries: SCALE_ENTRIES,
      bytesPerEntry: (after.rss - before.rss) / added,
      heapBytesPerEntry: (after.heapUsed - before.heapUsed) / added,
    };
  } finally {
    for (const server of servers) await server.stop();
    for (const redis of redises) await redis.stop();
  }
}

interface MapWeight {
  bytesPerEntry: number;
  heapBytesPerEntry: number;
}

async function plainMapBytesPerEntry(): Promise<MapWeight> {
  const { stdout } = await promisify(execFile)(SERVER_NODE, [
    '--expose-gc',
    join(HERE, 'servers', 'plain-map.js'),
    String(SCALE_ENTRIES),
  ]);
  return JSON.parse(stdout) as MapWeight;
}

/** Latencies of one windowed query on a server with {@link TRACKED} resources. */
interface TopListFigures {
  store: Store;
  adapter: Adapter;
  tracked: number;
  /** Per query: median and p99 of sequential requests, in ms. */
  queries: Record<string, { p50: number; p99: number }>;
  /** GET /health while {@link TOP_LIST_CLIENTS} clients ask for the windowed lists, in ms. */
  health: { p50: number; p99: number; max: number };
  /** Answers that were not 200, over every request above. */
  failures: number;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const round = (ms: number): number => Math.round(ms * 10) / 10;

/**
 * The windowed top list at scale: a server whose tracker holds {@link TRACKED}
 * resources, each with an interaction in the last hour (bench/servers/
 * lapse-tracked.ts), asked for the dashboard's lists one request at a time;
 * then /health, polled while {@link TOP_LIST_CLIENTS} clients keep asking.
 * Each store gets a server (and the Redis store a Redis) of its own.
 */
async function topListRun(store: Store): Promise<TopListFigures> {
  const adapter: Adapter = 'fastify';
  log(`top lists: ${store} store, ${fmt(TRACKED)} resources tracked`);
  const target: Target = {
    id: `top-lists-${store}`,
    title: '',
    kind: 'lapse-tracked',
    adapter,
    store,
    env: { TRACKING_MAX_RESOURCES: String(TRACKED * 2), BENCH_TRACKED: String(TRACKED) },
  };
  const redis = store === 'redis' ? await RedisServer.start() : undefined;
  let server: RunningServer | undefined;
  let failures = 0;
  try {
    server = await RunningServer.start(target, redis?.url);
    const base = `http://127.0.0.1:${server.port}`;
    const timed = async (path: string): Promise<number> => {
      const start = performance.now();
      const response = await fetch(`${base}${path}`);
      await response.arrayBuffer();
      if (response.status !== 200) failures += 1;
      return performance.now() - start;
    };
    const queries: TopListFigures['queries'] = {};
    for (const query of TOP_LIST_QUERIES) {
      for (let i = 0; i < 20; i++) await timed(`/interactions?${query}`); // warm-up, not counted
      const times: number[] = [];
      for (let i = 0; i < TOP_LIST_REQUESTS; i++) times.push(await timed(`/interactions?${query}`));
      queries[query] = { p50: round(percentile(times, 50)), p99: round(percentile(times, 99)) };
    }
    let loading = true;
    const clients = Array.from({ length: TOP_LIST_CLIENTS }, async (_, i) => {
      for (let n = i; loading; n++) {
        await timed(`/interactions?${TOP_LIST_QUERIES[n % TOP_LIST_QUERIES.length]}`);
      }
    });
    const health: number[] = [];
    const until = Date.now() + SECONDS * 1000;
    while (Date.now() < until) {
      health.push(await timed('/health'));
      await sleep(10);
    }
    loading = false;
    await Promise.all(clients);
    return {
      store,
      adapter,
      tracked: TRACKED,
      queries,
      health: {
        p50: round(percentile(health, 50)),
        p99: round(percentile(health, 99)),
        max: round(Math.max(...health)),
      },
      failures,
    };
  } finally {
    await server?.stop();
    await redis?.stop();
  }
}

/** The windowed top-list runs, on the memory store and (with a redis-server) the Redis store. */
async function topListRuns(withRedis: boolean): Promise<TopListFigures[]> {
  const runs = [await topListRun('memory')];
  if (withRedis) runs.push(await topListRun('redis'));
  return runs;
}

/** The figures of the last top-list run (`bench/results/top-lists.json`), if any. */
function savedTopLists(): TopListFigures[] {
  const file = join(RESULTS, 'top-lists.json');
  if (!existsSync(file)) return [];
  return (JSON.parse(readFileSync(file, 'utf8')) as { topLists: TopListFigures[] }).topLists;
}

/** BENCH_ONLY=top-lists: the windowed top-list runs alone, printed and saved. */
async function topListsOnly(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'main.js')))
    throw new Error('dist/main.js is missing: run `npm run build`');
  const topLists = await topListRuns(findRedisServer() !== undefined);
  const { topLists: table, checkList } = report([], new Map(), [], undefined, topLists);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'top-lists.json'),
    `${JSON.stringify({ machine: machine(), topLists }, null, 2)}\n`,
  );
  const checks = checkList.filter((c) => /^GET \/(interactions\?|health under)/.test(c.what));
  const failures = topLists.reduce((sum, t) => sum + t.failures, 0);
  process.stdout.write(
    [
      table,
      '',
      ...checks.map((c) => `${c.met ? 'met' : 'NOT MET'}: ${c.what}: ${c.measured} (${c.target})`),
      `answers other than 200: ${failures}`,
      '',
    ].join('\n'),
  );
}

// ---------------------------------------------------------------------------
// Read-through
// ---------------------------------------------------------------------------

/** Items of the bench's origin; how long it takes to answer; the max-age it sends (s). */
const READ_THROUGH_IDS = Number(process.env.BENCH_READ_THROUGH_IDS ?? 1_000);
const ORIGIN_DELAY_MS = 50;
const ORIGIN_MAX_AGE = Number(process.env.BENCH_ORIGIN_MAX_AGE ?? 3);
/** How long each read-through load runs (s); origin requests are counted over all but its first and last second. */
const READ_THROUGH_SECONDS = Number(process.env.BENCH_READ_THROUGH_SECONDS ?? 12);

/** The origin of the read-through runs, in the bench process, noting when each item is asked for. */
interface BenchOrigin {
  url: string;
  /** Item and time (performance.now()) of every request since the last `reset`. */
  requests: Array<{ item: number; at: number }>;
  reset: () => void;
  close: () => Promise<void>;
}

async function startBenchOrigin(): Promise<BenchOrigin> {
  let requests: BenchOrigin['requests'] = [];
  const server = createServer((request, response) => {
    const item = Number(/^\/items\/(\d+)$/.exec(request.url ?? '')?.[1] ?? -1);
    requests.push({ item, at: performance.now() });
    setTimeout(() => {
      response.writeHead(item < 0 ? 404 : 200, {
        'content-type': 'application/json',
        'cache-control': `max-age=${ORIGIN_MAX_AGE}`,
      });
      response.end(JSON.stringify(item < 0 ? {} : benchValue(item)));
    }, ORIGIN_DELAY_MS);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return requests;
    },
    reset: () => {
      requests = [];
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

interface ReadThroughFigures extends LoadResult {
  adapter: Adapter;
  /** Origin requests per second over the measured window. */
  originPerSecond: number;
  /** Items / max-age: one fetch per item per lifetime. */
  expectedPerSecond: number;
  /** originPerSecond / expectedPerSecond. */
  ratio: number;
  /** Fetches of an item sooner than max-age after its previous fetch, in the window: duplicates. */
  earlyRefetches: number;
}

/**
 * Lapse on the memory store with ORIGINS set to the bench's origin: items
 * first filled at an even pace over one max-age (so their expiries are spread
 * as under steady traffic, not all due at once), then GETs of random items
 * from {@link CONNECTIONS} connections. With one fetch per item per lifetime,
 * the origin sees about items / max-age requests a second (a little less: an
 * item is fetched again only once it has expired and been asked for).
 */
async function readThroughRun(origin: BenchOrigin, adapter: Adapter): Promise<ReadThroughFigures> {
  log(`read-through: ${adapter}, ${fmt(READ_THROUGH_IDS)} items, max-age ${ORIGIN_MAX_AGE} s`);
  const target: Target = {
    id: `read-through-${adapter}`,
    title: '',
    kind: 'lapse',
    adapter,
    store: 'memory',
    env: { ORIGINS: origin.url },
  };
  const server = await RunningServer.start(target);
  try {
    origin.reset();
    const base = `http://127.0.0.1:${server.port}`;
    const spacing = (ORIGIN_MAX_AGE * 1000) / READ_THROUGH_IDS;
    await Promise.all(
      Array.from({ length: READ_THROUGH_IDS }, async (_, i) => {
        await sleep(i * spacing);
        const response = await fetch(`${base}${readThroughRequest(origin.url, i).path}`);
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`read-through fill failed: ${response.status}`);
      }),
    );
    const loadStart = performance.now();
    const result = await load(
      server.port,
      'read-through',
      READ_THROUGH_IDS,
      READ_THROUGH_SECONDS,
      '',
      origin.url,
    );
    // Inside the load: the load generator takes a moment to start.
    const from = loadStart + 1000;
    const to = from + (READ_THROUGH_SECONDS - 2) * 1000;
    const inWindow = origin.requests.filter(({ at }) => at >= from && at < to);
    const lastFetch = new Map<number, number>();
    let earlyRefetches = 0;
    for (const { item, at } of origin.requests) {
      const previous = lastFetch.get(item);
      if (previous !== undefined && at >= from && at < to && at - previous < ORIGIN_MAX_AGE * 1000)
        earlyRefetches += 1;
      lastFetch.set(item, at);
    }
    const originPerSecond = inWindow.length / ((to - from) / 1000);
    const expectedPerSecond = READ_THROUGH_IDS / ORIGIN_MAX_AGE;
    return {
      ...result,
      adapter,
      originPerSecond,
      expectedPerSecond,
      ratio: originPerSecond / expectedPerSecond,
      earlyRefetches,
    };
  } finally {
    await server.stop();
  }
}

/** BENCH_ONLY=read-through: the read-through runs alone, printed and saved. */
async function readThroughOnly(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'main.js')))
    throw new Error('dist/main.js is missing: run `npm run build`');
  const origin = await startBenchOrigin();
  const runs: Record<Adapter, ReadThroughFigures[]> = { fastify: [], express: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Which adapter goes first alternates, so neither always follows the other.
      const order: Adapter[] = round % 2 === 0 ? ['fastify', 'express'] : ['express', 'fastify'];
      for (const adapter of order) runs[adapter].push(await readThroughRun(origin, adapter));
    }
  } finally {
    await origin.close();
  }
  const medians = Object.fromEntries(
    (['fastify', 'express'] as const).map((adapter) => {
      const figures = runs[adapter];
      const numbers = (key: keyof ReadThroughFigures) =>
        median(figures.map((figure) => figure[key] as number));
      const keys = Object.keys(figures[0]).filter((key) => key !== 'adapter') as Array<
        keyof ReadThroughFigures
      >;
      return [adapter, { adapter, ...Object.fromEntries(keys.map((key) => [key, numbers(key)])) }];
    }),
  ) as Record<Adapter, ReadThroughFigures>;
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'read-through.json'),
    `${JSON.stringify(
      {
        machine: machine(),
        settings: {
          rounds: ROUNDS,
          seconds: READ_THROUGH_SECONDS,
          connections: CONNECTIONS,
          items: READ_THROUGH_IDS,
          originDelayMs: ORIGIN_DELAY_MS,
          maxAgeSeconds: ORIGIN_MAX_AGE,
        },
        medians,
        runs,
      },
      null,
      2,
    )}\n`,
  );
  const lines = [
    '| Lapse (memory) on | req/s | p50 | p99 | origin req/s | items / max-age | ratio | early refetches | errors, non-2xx |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const f of Object.values(medians)) {
    lines.push(
      `| ${f.adapter} | ${fmt(f.requestsPerSecond)} | ${f.p50} ms | ${f.p99} ms | ` +
        `${fmt(f.originPerSecond, 1)} | ${fmt(f.expectedPerSecond, 1)} | ${ratio(f.ratio)} | ` +
        `${fmt(f.earlyRefetches)} | ${fmt(f.errors + f.timeouts + f.non2xx)} |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------------------
// Near cache
// ---------------------------------------------------------------------------

/** How long an idle instance is watched for the Redis commands it sends (s). */
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60);

type NearVariant = 'memory' | 'redis' | 'redis-near';
const NEAR_VARIANTS: readonly NearVariant[] = ['memory', 'redis', 'redis-near'];

interface NearFigures extends Figures {
  /** Commands Redis ran during the load (a script's own commands included), per request. */
  redisCommandsPerRequest: number;
}

function nearTarget(adapter: Adapter, variant: NearVariant): Target {
  return {
    id: `lapse-${adapter}-${variant}`,
    title: `Lapse, ${adapter}, ${variant}`,
    kind: 'lapse',
    adapter,
    store: variant === 'memory' ? 'memory' : 'redis',
    env: variant === 'redis-near' ? { NEAR_CACHE_MAX_ENTRIES: String(WORKING_SET * 2) } : {},
  };
}

/** What the bench asks of Redis: its command statistics. */
interface BenchRedisClient {
  info(section?: string): Promise<string>;
  configResetStat(): Promise<unknown>;
}

/**
 * Runs `measure` with a Redis of its own (nothing kept on disk) and a client
 * that reads its statistics; requires a built Lapse and `redis-server`.
 */
async function withBenchRedis<T>(
  measure: (redis: RedisServer, observer: BenchRedisClient) => Promise<T>,
): Promise<T> {
  if (!existsSync(join(ROOT, 'dist', 'main.js')))
    throw new Error('dist/main.js is missing: run `npm run build`');
  if (!findRedisServer()) throw new Error('redis-server is not installed');
  const redis = await RedisServer.start({ durable: false });
  const observer = createClient({ url: redis.url });
  await observer.connect();
  try {
    return await measure(redis, observer);
  } finally {
    await observer.quit();
    await redis.stop();
  }
}

/** GET hits on one server, with the Redis commands they cost. */
async function nearRun(
  adapter: Adapter,
  variant: NearVariant,
  redis: RedisServer,
  observer: BenchRedisClient,
): Promise<NearFigures> {
  const target = nearTarget(adapter, variant);
  const server = await RunningServer.start(target, variant === 'memory' ? undefined : redis.url);
  try {
    await fill(server, target, 0, WORKING_SET);
    // Warm-up, not counted: every entry read once (held near, with the near cache).
    await load(server.port, 'get-hit', WORKING_SET, 2);
    await observer.configResetStat();
    const result = await load(server.port, 'get-hit', WORKING_SET, SECONDS);
    const commands = variant === 'memory' ? 0 : (await redisCounters(observer)).commands;
    return { ...result, rss: server.rss(), redisCommandsPerRequest: commands / result.total };
  } finally {
    await server.stop();
  }
}

/** Commands an instance that nobody calls sends Redis in {@link IDLE_SECONDS}, per minute. */
async function idleCommandsPerMinute(
  near: boolean,
  redis: RedisServer,
  observer: BenchRedisClient,
): Promise<number> {
  const target = nearTarget('fastify', near ? 'redis-near' : 'redis');
  log(`near cache: an idle instance, near cache ${near ? 'on' : 'off'}, ${IDLE_SECONDS} s`);
  const server = await RunningServer.start(target, redis.url);
  try {
    await fill(server, target, 0, 1_000);
    await load(server.port, 'get-hit', 1_000, 1);
    // The last hit batch and the first sweep go out before the watch begins.
    await sleep(2_000);
    await observer.configResetStat();
    await sleep(IDLE_SECONDS * 1000);
    return ((await redisCounters(observer)).commands * 60) / IDLE_SECONDS;
  } finally {
    await server.stop();
  }
}

/** BENCH_ONLY=near-cache: GET hits on memory, Redis and Redis with the near cache; idle load. */
async function nearCacheOnly(): Promise<void> {
  const runs = new Map<string, NearFigures[]>();
  const idle: Record<'off' | 'on', number> = { off: 0, on: 0 };
  await withBenchRedis(async (redis, observer) => {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const adapter of ['fastify', 'express'] as const) {
        for (const variant of NEAR_VARIANTS) {
          log(`near cache: round ${round}/${ROUNDS}, ${adapter}, ${variant}`);
          const key = `${adapter}/${variant}`;
          const figures = await nearRun(adapter, variant, redis, observer);
          runs.set(key, [...(runs.get(key) ?? []), figures]);
        }
      }
    }
    idle.off = await idleCommandsPerMinute(false, redis, observer);
    idle.on = await idleCommandsPerMinute(true, redis, observer);
  });
  const medians = Object.fromEntries(
    [...runs].map(([key, values]) => [key, medianOf(values) as NearFigures]),
  );
  const checks: Check[] = [];
  const lines = [
    '| GET hit on | req/s | p50 | p99 | Redis commands per request | × memory | errors, non-2xx |',
    '|---|--:|--:|--:|--:|--:|--:|',
  ];
  for (const adapter of ['fastify', 'express'] as const) {
    const memory = medians[`${adapter}/memory`];
    for (const variant of NEAR_VARIANTS) {
      const f = medians[`${adapter}/${variant}`];
      lines.push(
        `| ${adapter}, ${variant} | ${fmt(f.requestsPerSecond)} | ${f.p50} ms | ${f.p99} ms | ` +
          `${variant === 'memory' ? '–' : fmt(f.redisCommandsPerRequest, 3)} | ` +
          `${ratio(f.requestsPerSecond / memory.requestsPerSecond)} | ` +
          `${fmt(f.errors + f.timeouts + f.non2xx)} |`,
      );
    }
    const near = medians[`${adapter}/redis-near`];
    const share = near.requestsPerSecond / memory.requestsPerSecond;
    checks.push({
      what: `GET hit, Redis with the near cache vs memory, ${adapter}`,
      measured: ratio(share),
      target: '≥ 0.90×',
      met: share >= 0.9,
    });
    checks.push({
      what: `Redis commands per GET hit with the near cache, ${adapter}`,
      measured: fmt(near.redisCommandsPerRequest, 3),
      // Without it, 7: the read script's own commands. What is left is per
      // second, not per read: a hit batch every 200 ms at most, a PING every 500 ms.
      target: '≤ 0.050',
      met: near.redisCommandsPerRequest <= 0.05,
    });
  }
  const failures = Object.values(medians).reduce(
    (sum, f) => sum + f.errors + f.timeouts + f.non2xx,
    0,
  );
  checks.push({
    what: 'errors and non-2xx',
    measured: fmt(failures),
    target: '0',
    met: failures === 0,
  });
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'near-cache.json'),
    `${JSON.stringify(
      {
        machine: machine(),
        settings: {
          rounds: ROUNDS,
          seconds: SECONDS,
          connections: CONNECTIONS,
          idleSeconds: IDLE_SECONDS,
        },
        medians,
        runs: Object.fromEntries(runs),
        idleCommandsPerMinute: idle,
        checks,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(
    [
      ...lines,
      '',
      `Redis commands per minute from one idle instance (fastify, 1,000 entries): ` +
        `${fmt(idle.off, 1)} with the near cache off, ${fmt(idle.on, 1)} with it on.`,
      '',
      ...checks.map((c) => `${c.met ? 'met' : 'NOT MET'}: ${c.what}: ${c.measured} (${c.target})`),
      '',
    ].join('\n'),
  );
}

// ---------------------------------------------------------------------------
// Redis cost per request
// ---------------------------------------------------------------------------

/** What Redis did for one kind of request, per request (BENCH_ONLY=redis-cost). */
interface RedisCost {
  workload: WorkloadName;
  nearCache: boolean;
  requests: number;
  commands: number;
  /**
   * Redis's CPU time (`used_cpu_user` + `used_cpu_sys`), network handling
   * included, in microseconds: what bounds the requests one node serves.
   */
  redisMicros: number;
  bytesIn: number;
  bytesOut: number;
}

/** Redis's counters since its statistics were last reset, but the bench's own INFO and CONFIG calls. */
async function redisCounters(
  observer: BenchRedisClient,
): Promise<Omit<RedisCost, 'workload' | 'nearCache' | 'requests'>> {
  const stats = await observer.info('commandstats');
  let commands = 0;
  for (const [, command, calls] of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (command !== 'info' && command !== 'config') commands += Number(calls);
  }
  const info = await observer.info();
  const figure = (name: string) =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return {
    commands,
    redisMicros: (figure('used_cpu_user') + figure('used_cpu_sys')) * 1e6,
    bytesIn: figure('total_net_input_bytes'),
    bytesOut: figure('total_net_output_bytes'),
  };
}

/**
 * BENCH_ONLY=redis-cost: Redis commands, Redis time and network bytes per
 * request of each kind on the Redis store (fastify), and Redis memory per
 * entry: the figures docs/scaling.md sizes deployments with.
 */
async function redisCostOnly(): Promise<void> {
  const costs: RedisCost[] = [];
  let bytesPerEntry = 0;
  await withBenchRedis(async (redis, observer) => {
    for (const nearCache of [false, true]) {
      const target = nearTarget('fastify', nearCache ? 'redis-near' : 'redis');
      const server = await RunningServer.start(target, redis.url);
      try {
        const memoryBefore = Number(
          /^used_memory:(\d+)/m.exec(await observer.info('memory'))?.[1] ?? 0,
        );
        await fill(server, target, 0, WORKING_SET);
        const memoryAfter = Number(
          /^used_memory:(\d+)/m.exec(await observer.info('memory'))?.[1] ?? 0,
        );
        if (!nearCache) bytesPerEntry = (memoryAfter - memoryBefore) / WORKING_SET;
        const workloads: WorkloadName[] = nearCache
          ? ['get-hit']
          : ['get-hit', 'get-miss', 'put', 'interaction'];
        for (const workload of workloads) {
          log(`redis cost: ${workload}${nearCache ? ', near cache' : ''}`);
          await load(server.port, workload, WORKING_SET, 1); // warm-up, not counted
          await sleep(300);
          await observer.configResetStat();
          // CPU time is not reset with the other statistics.
          const before = await redisCounters(observer);
          const result = await load(server.port, workload, WORKING_SET, SECONDS);
          // The last batch of near hits is counted too.
          await sleep(300);
          const after = await redisCounters(observer);
          costs.push({
            workload,
            nearCache,
            requests: result.total,
            commands: after.commands,
            redisMicros: after.redisMicros - before.redisMicros,
            bytesIn: after.bytesIn,
            bytesOut: after.bytesOut,
          });
        }
      } finally {
        await server.stop();
      }
    }
  });
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'redis-cost.json'),
    `${JSON.stringify({ machine: machine(), redisBytesPerEntry: bytesPerEntry, costs }, null, 2)}\n`,
  );
  const lines = [
    '| request | commands | Redis CPU µs | bytes to Redis | bytes from Redis |',
    '|---|--:|--:|--:|--:|',
    ...costs.map(
      (c) =>
        `| ${c.workload}${c.nearCache ? ', near cache' : ''} | ${fmt(c.commands / c.requests, 3)} | ` +
        `${fmt(c.redisMicros / c.requests, 2)} | ${fmt(c.bytesIn / c.requests)} | ` +
        `${fmt(c.bytesOut / c.requests)} |`,
    ),
    '',
    `Redis memory per entry (~100-byte value, indexes included): ${fmt(bytesPerEntry)} bytes.`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

// ---------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ratio = (n: number) => `${n.toFixed(2)}×`;
const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MB`;

interface Check {
  what: string;
  measured: string;
  target: string;
  met: boolean;
}

function report(
  list: Target[],
  medians: Map<string, Figures>,
  scale: ScaleFigures[],
  mapBytes?: MapWeight,
  topLists: TopListFigures[] = [],
) {
  const get = (target: string, workload: WorkloadName) => medians.get(`${target}/${workload}`);
  const lines: string[] = [];
  lines.push(
    '| workload | server | req/s | p50 | p99 | errors | non-2xx | RSS | × raw | × Nest floor | × platform floor |',
  );
  lines.push('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const workload of WORKLOADS) {
    for (const target of list) {
      const f = get(target.id, workload.name);
      if (!f) continue;
      const raw = get('raw', workload.name);
      const floor = target.adapter ? get(`floor-${target.adapter}`, workload.name) : undefined;
      const platform = target.adapter
        ? get(`platform-${target.adapter}`, workload.name)
        : undefined;
      lines.push(
        `| ${workload.title} | ${target.title} | ${fmt(f.requestsPerSecond)} | ${f.p50} ms | ${f.p99} ms | ` +
          `${f.errors + f.timeouts} | ${f.non2xx} | ${mb(f.rss)} | ` +
          `${raw ? ratio(f.requestsPerSecond / raw.requestsPerSecond) : ''} | ` +
          `${floor && target.kind !== 'floor' ? ratio(f.requestsPerSecond / floor.requestsPerSecond) : ''} | ` +
          `${platform && target.kind === 'lapse' ? ratio(f.requestsPerSecond / platform.requestsPerSecond) : ''} |`,
      );
    }
  }
  const scaleLines: string[] = [];
  if (scale.length > 0) {
    scaleLines.push(
      `| store (${scale[0].adapter}) | req/s, ${fmt(SMALL_ENTRIES)} entries | req/s, ${fmt(scale[0].entries)} | ratio | p99, ${fmt(SMALL_ENTRIES)} | p99, ${fmt(scale[0].entries)} | p99 ratio | server RSS under load | bytes per entry (RSS) | bytes per entry (heap) |`,
    );
    scaleLines.push('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const s of scale) {
      scaleLines.push(
        `| ${s.store} | ${fmt(s.small.requestsPerSecond)} | ${fmt(s.large.requestsPerSecond)} | ` +
          `${ratio(s.large.requestsPerSecond / s.small.requestsPerSecond)} | ${s.small.p99} ms | ${s.large.p99} ms | ` +
          `${ratio(s.large.p99 / Math.max(s.small.p99, 1))} | ${mb(s.large.rss)} | ` +
          (s.store === 'memory'
            ? `${fmt(s.bytesPerEntry)} | ${fmt(s.heapBytesPerEntry)} |`
            : '(in Redis) | (in Redis) |'),
      );
    }
    if (mapBytes !== undefined) {
      scaleLines.push(
        `| plain \`Map\`, same data | | | | | | | | ${fmt(mapBytes.bytesPerEntry)} | ${fmt(mapBytes.heapBytesPerEntry)} |`,
      );
    }
  }

  const checks: Check[] = [];
  const share = (a?: Figures, b?: Figures) =>
    a && b ? a.requestsPerSecond / b.requestsPerSecond : NaN;
  const atLeast = (what: string, measured: number, goal: number) =>
    checks.push({
      what,
      measured: ratio(measured),
      target: `≥ ${goal.toFixed(2)}×`,
      met: measured >= goal,
    });
  // The bar of the speed work: default configuration (request logs at info,
  // metrics and security headers on), against the bare Nest floor.
  for (const workload of ['get-hit', 'seed-hit'] as const) {
    const title = workload === 'get-hit' ? 'GET hit (REST)' : 'GET hit (seed route)';
    const hit = get('lapse-fastify-memory', workload);
    const floor = get('floor-fastify', workload);
    atLeast(`${title}, memory, fastify: × Nest floor`, share(hit, floor), 0.8);
    atLeast(`${title}, memory, fastify: × raw node:http`, share(hit, get('raw', workload)), 0.3);
    if (hit && floor) {
      const p = hit.p99 / Math.max(floor.p99, 1);
      checks.push({
        what: `${title}, memory, fastify: p99 × Nest floor's`,
        measured: ratio(p),
        target: '≤ 1.50×',
        met: p <= 1.5,
      });
    }
  }
  atLeast(
    'GET hit, memory, express: × Nest floor',
    share(get('lapse-express-memory', 'get-hit'), get('floor-express', 'get-hit')),
    0.8,
  );
  for (const adapter of ['express', 'fastify'] as const) {
    for (const workload of ['put', 'interaction'] as const) {
      atLeast(
        `${workload === 'put' ? 'PUT' : 'POST /interactions'}, memory, ${adapter}: × Nest floor`,
        share(get(`lapse-${adapter}-memory`, workload), get(`floor-${adapter}`, workload)),
        0.7,
      );
    }
  }
  atLeast(
    'GET hit, API keys and rate limit on, fastify: × Nest floor',
    share(get('lapse-fastify-memory-guarded', 'get-hit'), get('floor-fastify', 'get-hit')),
    0.7,
  );
  for (const adapter of ['express', 'fastify'] as const) {
    const redisHit = get(`lapse-${adapter}-redis`, 'get-hit');
    if (redisHit) {
      atLeast(
        `GET hit, Redis vs memory, ${adapter}`,
        share(redisHit, get(`lapse-${adapter}-memory`, 'get-hit')),
        0.7,
      );
    }
  }
  for (const s of scale) {
    const r = s.large.requestsPerSecond / s.small.requestsPerSecond;
    const p = s.large.p99 / Math.max(s.small.p99, 1);
    atLeast(`${fmt(s.entries)} vs ${fmt(SMALL_ENTRIES)} entries, ${s.store}: req/s`, r, 0.9);
    checks.push({
      what: `${fmt(s.entries)} vs ${fmt(SMALL_ENTRIES)} entries, ${s.store}: p99`,
      measured: ratio(p),
      target: '≤ 2×',
      met: p <= 2,
    });
    if (s.store === 'memory') {
      checks.push({
        what: 'memory store, bytes per entry',
        measured: fmt(s.bytesPerEntry),
        target: '≤ 600',
        met: s.bytesPerEntry <= 600,
      });
    }
  }
  for (const t of topLists) {
    for (const [query, { p99 }] of Object.entries(t.queries)) {
      checks.push({
        what: `GET /interactions?${query} at ${fmt(t.tracked)} resources, ${t.store}: p99`,
        measured: `${p99} ms`,
        target: '≤ 50 ms',
        met: p99 <= 50,
      });
    }
    checks.push({
      what: `GET /health under ${TOP_LIST_CLIENTS} top-list clients, ${t.store}: p99`,
      measured: `${t.health.p99} ms`,
      target: '≤ 50 ms',
      met: t.health.p99 <= 50,
    });
  }
  let failures = 0;
  for (const target of list.filter((t) => t.kind === 'lapse')) {
    for (const workload of WORKLOADS.filter((w) => w.expectsSuccess)) {
      const f = get(target.id, workload.name);
      if (f) failures += f.errors + f.timeouts + f.non2xx;
    }
  }
  for (const t of topLists) failures += t.failures;
  checks.push({
    what: 'errors and non-2xx where success is expected',
    measured: fmt(failures),
    target: '0',
    met: failures === 0,
  });

  const topListLines: string[] = [];
  if (topLists.length > 0) {
    topListLines.push(
      `| store (${topLists[0].adapter}) | query | p50 | p99 | /health p50 | /health p99 | /health max |`,
    );
    topListLines.push('|---|---|--:|--:|--:|--:|--:|');
    for (const t of topLists) {
      for (const [query, { p50, p99 }] of Object.entries(t.queries)) {
        topListLines.push(
          `| ${t.store} | \`?${query}\` | ${p50} ms | ${p99} ms | ${t.health.p50} ms | ${t.health.p99} ms | ${t.health.max} ms |`,
        );
      }
    }
  }
  const checkLines = ['| target | measured | goal | met |', '|---|--:|--:|:-:|'];
  for (const c of checks)
    checkLines.push(`| ${c.what} | ${c.measured} | ${c.target} | ${c.met ? 'yes' : '**no**'} |`);
  return {
    table: lines.join('\n'),
    scale: scaleLines.join('\n'),
    topLists: topListLines.join('\n'),
    checks: checkLines.join('\n'),
    checkList: checks,
  };
}

type Machine = ReturnType<typeof machine>;

function machine() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: SERVER_NODE_VERSION,
    pinned: PINNED,
    date: new Date().toISOString().slice(0, 10),
  };
}

/** What a run saves in bench/results/latest.json; every report is rendered from it. */
interface Saved {
  machine: Machine;
  settings: { rounds: number; seconds: number; connections: number; scaleEntries: number };
  medians: Record<string, Figures>;
  runs: Record<string, Figures[]>;
  scale: ScaleFigures[];
  plainMap?: MapWeight;
  topLists?: TopListFigures[];
  checks: Check[];
}

interface Rendered {
  /** Every table: latest.md and docs/performance.md. */
  full: string;
  /** A few rows of Lapse against its floors: README.md. */
  short: string;
  checks: Check[];
}

/** The workloads and servers of the README's short table. */
const SHORT_WORKLOADS: WorkloadName[] = ['get-hit', 'put', 'interaction'];
const SHORT_SERVERS = ['fastify-memory', 'fastify-redis', 'express-memory', 'express-redis'];

function render(saved: Omit<Saved, 'checks'>): Rendered {
  const medians = new Map(Object.entries(saved.medians));
  const { machine: m, settings } = saved;
  // The servers that were measured (the Redis store only where redis-server was found).
  const list = targets(true).filter((target) =>
    WORKLOADS.some((workload) => medians.has(`${target.id}/${workload.name}`)),
  );
  const { table, scale, topLists, checks, checkList } = report(
    list,
    medians,
    saved.scale,
    saved.plainMap,
    saved.topLists,
  );
  const measured =
    `Measured on ${m.date}: ${m.cpu}, ${m.cores} cores, ${m.memory}, Node.js ${m.node}; ` +
    `load generator (autocannon, ${settings.connections} connections) on the same machine` +
    `${m.pinned ? ' (servers on one core, the load generator on the other)' : ''}; ` +
    `medians of ${settings.rounds} interleaved rounds of ${settings.seconds} s per workload.`;
  const full = [
    measured,
    '',
    '### Every workload',
    '',
    table,
    ...(scale
      ? ['', `### ${fmt(SMALL_ENTRIES)} entries against ${fmt(saved.scale[0].entries)}`, '', scale]
      : []),
    ...(topLists
      ? [
          '',
          `### Windowed top lists at ${fmt(saved.topLists?.[0]?.tracked ?? TRACKED)} tracked resources`,
          '',
          `Each resource had an interaction in the last hour (20 heavy hitters more); ${TOP_LIST_REQUESTS} ` +
            `sequential requests per query, then \`/health\` polled while ${TOP_LIST_CLIENTS} clients ask for both lists.`,
          '',
          topLists,
        ]
      : []),
    '',
    '### Target checks',
    '',
    checks,
  ].join('\n');

  const titles = new Map(WORKLOADS.map((workload) => [workload.name, workload.title]));
  const rows = [
    '| workload | Lapse on | req/s | p99 | × Nest floor | × platform floor |',
    '|---|---|--:|--:|--:|--:|',
  ];
  for (const workload of SHORT_WORKLOADS) {
    for (const server of SHORT_SERVERS) {
      const f = medians.get(`lapse-${server}/${workload}`);
      if (!f) continue;
      const adapter = server.split('-')[0];
      const floor = medians.get(`floor-${adapter}/${workload}`);
      const platform = medians.get(`platform-${adapter}/${workload}`);
      rows.push(
        `| ${titles.get(workload)} | ${server.replace('-', ', ')} | ${fmt(f.requestsPerSecond)} | ${f.p99} ms | ` +
          `${floor ? ratio(f.requestsPerSecond / floor.requestsPerSecond) : ''} | ` +
          `${platform ? ratio(f.requestsPerSecond / platform.requestsPerSecond) : ''} |`,
      );
    }
  }
  const sentences = [
    `Measured on ${m.date} (${m.cores} cores, Node.js ${m.node}, autocannon with ` +
      `${settings.connections} connections on the same machine, medians of ${settings.rounds} rounds).`,
  ];
  const [memory, redis] = ['memory', 'redis'].map((store) =>
    saved.scale.find((s) => s.store === store),
  );
  const scaleRatio = (s: ScaleFigures) =>
    ratio(s.large.requestsPerSecond / s.small.requestsPerSecond);
  if (memory) {
    sentences.push(
      `With ${fmt(memory.entries)} entries instead of ${fmt(SMALL_ENTRIES)} (${memory.adapter}, GET of ` +
        `random keys), the memory store serves ${scaleRatio(memory)} the req/s` +
        `${redis ? `, the Redis store ${scaleRatio(redis)}` : ''}; the memory store holds ` +
        `${fmt(memory.bytesPerEntry)} bytes per entry` +
        `${saved.plainMap ? ` (a plain \`Map\` of the same data: ${fmt(saved.plainMap.bytesPerEntry)})` : ''}.`,
    );
  }
  sentences.push(
    `${checkList.filter((c) => c.met).length} of ${checkList.length} targets met; ` +
      'every workload, server and target: [docs/performance.md](docs/performance.md).',
  );
  const short = [rows.join('\n'), '', sentences.join(' ')].join('\n');
  return { full, short, checks: checkList };
}

/** Replaces the text between a file's bench markers, if it has them. */
async function replaceBetweenMarkers(file: string, markdown: string): Promise<void> {
  const start = '<!-- bench:start -->';
  const end = '<!-- bench:end -->';
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) {
    log(`${file} has no bench markers: left as it is`);
    return;
  }
  const updated = `${text.slice(0, from + start.length)}\n${markdown}\n${text.slice(to)}`;
  // Formatted as the project formats it, so `npm run lint` stays clean.
  const options = await prettier.resolveConfig(file);
  writeFileSync(file, await prettier.format(updated, { ...options, filepath: file }));
}

/** Writes latest.md and the results in docs/performance.md and README.md. */
async function publish({ full, short }: Rendered): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'latest.md'), `${full}\n`);
  await replaceBetweenMarkers(PERFORMANCE, full);
  await replaceBetweenMarkers(README, short);
  process.stdout.write(`${full}\n`);
}

/** Renders the reports again from the saved latest.json, without measuring. */
async function reportOnly(): Promise<void> {
  const file = join(RESULTS, 'latest.json');
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run bench\` first`);
  await publish(render(JSON.parse(readFileSync(file, 'utf8')) as Saved));
}

/** Prints the quick run's table and saves its figures, leaving the published results alone. */
function quickReport(medians: Map<string, Figures>, list: Target[]): void {
  const { full } = render({
    machine: machine(),
    settings: { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS, scaleEntries: 0 },
    medians: Object.fromEntries(medians),
    runs: {},
    scale: [],
  });
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'quick.json'),
    `${JSON.stringify({ machine: machine(), targets: list.map((t) => t.id), medians: Object.fromEntries(medians) }, null, 2)}\n`,
  );
  // Targets of workloads a quick run leaves out have nothing to show.
  const shown = full.split('\n').filter((line) => !line.includes('NaN×'));
  process.stdout.write(`${shown.join('\n')}\n`);
}

async function main(): Promise<void> {
  if (REPORT_ONLY) return reportOnly();
  if (ONLY === 'top-lists') return topListsOnly();
  if (ONLY === 'read-through') return readThroughOnly();
  if (ONLY === 'near-cache') return nearCacheOnly();
  if (ONLY === 'redis-cost') return redisCostOnly();
  if (!existsSync(join(ROOT, 'dist', 'main.js')))
    throw new Error('dist/main.js is missing: run `npm run build`');
  const redisBinary = findRedisServer();
  if (!redisBinary) log('redis-server not found: the Redis store is left out');
  const redis = redisBinary ? await RedisServer.start() : undefined;
  try {
    const list = targets(redis !== undefined);
    const runs = await mainRounds(list, redis?.url);
    const medians = new Map([...runs].map(([key, values]) => [key, medianOf(values)]));
    if (QUICK) return quickReport(medians, list);
    const scale: ScaleFigures[] = [];
    let mapBytes: MapWeight | undefined;
    if (SCALE_ENTRIES > 0) {
      scale.push(await scaleRun('memory'));
      if (redis) scale.push(await scaleRun('redis'));
      mapBytes = await plainMapBytesPerEntry();
    }
    // Measured by their own command (`npm run bench:top-lists`), which fills a
    // tracker of BENCH_TRACKED resources per store: the last figures saved.
    const topLists = savedTopLists();
    const measured: Omit<Saved, 'checks'> = {
      machine: machine(),
      settings: {
        rounds: ROUNDS,
        seconds: SECONDS,
        connections: CONNECTIONS,
        scaleEntries: SCALE_ENTRIES,
      },
      medians: Object.fromEntries(medians),
      runs: Object.fromEntries(runs),
      scale,
      plainMap: mapBytes,
      topLists,
    };
    const rendered = render(measured);
    const saved: Saved = { ...measured, checks: rendered.checks };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'latest.json'), `${JSON.stringify(saved, null, 2)}\n`);
    await publish(rendered);
  } finally {
    await redis?.stop();
  }
}

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
