/*
 * A real Redis Cluster on loopback for the tests. Settings, and why:
 *
 * - `cluster-port` is a free port of its own: the default (port + 10000)
 *   overflows 65535 for the high ports the OS hands out.
 * - `cluster-require-full-coverage no`: with the default (`yes`), once a
 *   master without a promoted replica is flagged FAIL, every node answers
 *   CLUSTERDOWN for every key; with `no`, only the dead master's slots fail
 *   and the other masters keep serving, which is what the store must cope
 *   with. `cluster_state` then stays `ok` while a master is down.
 * - `cluster-replica-validity-factor 0`: a replica may always be promoted,
 *   however long it has been cut off from its master (a paused test machine
 *   must not leave a shard without a master for good).
 * - `cluster-node-timeout` (default 1000 ms, Redis's own is 15 s): a dead
 *   master is flagged FAIL, and its replica promoted, within seconds.
 * - Nothing on disk but nodes.conf (`--save ''`, no append-only file): the
 *   data is throw-away, and nodes.conf is what lets a node restarted on the
 *   same port rejoin (as a replica when it lost its slots in a failover).
 *
 * Measured with these settings (3 masters, 1 replica each, Redis 7.0): a
 * SIGKILLed or SIGSTOPped master's replica serves its slots 2.3-3.3 s later
 * (waitForFailover). @redis/client 5.12.1's cluster client does not follow a
 * failover by itself: it reloads its slot map only on a MOVED reply.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRedisServer, freePort, waitForPing } from './redis-server';

/** Finds the `redis-cli` binary on the PATH, or `undefined`. */
export function findRedisCli(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

/**
 * Whether a local cluster can be started here (`redis-server` and `redis-cli`
 * installed). Under `CI=true` their absence is an error naming `suite`: CI
 * runs every cluster suite.
 */
export function canStartCluster(suite: string): boolean {
  const found = findRedisServer() !== undefined && findRedisCli() !== undefined;
  if (!found && process.env.CI === 'true') {
    throw new Error(`redis-server and redis-cli are needed: ${suite} cannot run in CI.`);
  }
  return found;
}

export interface RedisClusterOptions {
  /** Masters sharing the 16384 slots (at least 3). Default 3. */
  masters?: number;
  /** Replicas of each master, promoted when it fails. Default 0. */
  replicasPerMaster?: number;
  /** How long a node may be unreachable before it is flagged FAIL. Default 1000 ms. */
  nodeTimeoutMs?: number;
}

/** One `redis-server` of a {@link RedisCluster}. */
export interface RedisClusterNode {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The node's role when the cluster was created; a failover may change it. */
  readonly role: 'master' | 'replica';
  /** The cluster's id for the node (`CLUSTER MYID`). */
  readonly id: string;
}

/** A node as one member of the cluster sees it, from a line of `CLUSTER NODES`. */
interface NodeView {
  id: string;
  port: number;
  flags: string[];
  masterId: string;
  /** Slot ranges, `[from, to]`; importing/migrating markers left out. */
  slots: [number, number][];
}

/** A node as the helper keeps it: {@link RedisClusterNode}, writable, and its process. */
interface NodeState {
  port: number;
  url: string;
  role: 'master' | 'replica';
  id: string;
  busPort: number;
  dir: string;
  /** For a replica, its master's id when the cluster was created. */
  masterIdAtStart: string | undefined;
  process: ChildProcess | undefined;
  paused: boolean;
}

const HOST = '127.0.0.1';

/**
 * A real Redis Cluster that a test owns: `masters * (1 + replicasPerMaster)`
 * `redis-server` processes on free loopback ports, each in a temporary folder
 * of its own, joined by `redis-cli --cluster create`. Nodes can be killed,
 * paused and restarted (same port, same identity) to test failover.
 */
export class RedisCluster {
  private constructor(
    private readonly server: string,
    private readonly cli: string,
    private readonly nodeTimeoutMs: number,
    private readonly states: NodeState[],
  ) {}

  /** Starts and joins the nodes; fails when `redis-server` or `redis-cli` is missing. */
  static async start({
    masters = 3,
    replicasPerMaster = 0,
    nodeTimeoutMs = 1000,
  }: RedisClusterOptions = {}): Promise<RedisCluster> {
    const server = findRedisServer();
    if (!server) throw new Error('redis-server is not installed (Debian package: redis-server)');
    const cli = findRedisCli();
    if (!cli) throw new Error('redis-cli is not installed (Debian package: redis-tools)');
    // redis-cli refuses to build a cluster of fewer than 3 masters.
    if (masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');

    const count = masters * (1 + replicasPerMaster);
    const ports = await distinctFreePorts(count * 2);
    const states: NodeState[] = [];
    for (let i = 0; i < count; i++) {
      const port = ports[i * 2];
      states.push({
        port,
        busPort: ports[i * 2 + 1],
        url: `redis://${HOST}:${port}`,
        // redis-cli makes the first `masters` addresses masters.
        role: i < masters ? 'master' : 'replica',
        id: '',
        masterIdAtStart: undefined,
        dir: mkdtempSync(join(tmpdir(), 'lapse-redis-cluster-')),
        process: undefined,
        paused: false,
      });
    }
    const cluster = new RedisCluster(server, cli, nodeTimeoutMs, states);
    try {
      await Promise.all(states.map((state) => cluster.spawnNode(state)));
      for (const state of states)
        state.id = (await cluster.command(state, 'cluster', 'myid')).trim();
      await cluster.run(
        ['--cluster', 'create', ...states.map((s) => `${HOST}:${s.port}`)].concat([
          '--cluster-replicas',
          String(replicasPerMaster),
          '--cluster-yes',
        ]),
        30_000,
      );
      await cluster.waitUntil('the cluster to form', 20_000, () => cluster.whyNotReady());
      // redis-cli pairs replicas with masters as it likes: record what it did.
      const views = await cluster.view(states[0]);
      for (const state of states) {
        const view = views.find((v) => v.id === state.id);
        state.role = view?.flags.includes('master') ? 'master' : 'replica';
        state.masterIdAtStart = state.role === 'replica' ? view?.masterId : undefined;
      }
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Every node, masters and replicas, in start order. */
  get nodes(): readonly RedisClusterNode[] {
    return this.states;
  }

  /** The masters at start as `host:port,host:port,...`: the form REDIS_CLUSTER_NODES takes. */
  get seeds(): string {
    return this.states
      .filter((s) => s.role === 'master')
      .map((s) => `${HOST}:${s.port}`)
      .join(',');
  }

  /** The node that serves `key` now, as a live node sees it. */
  async masterFor(key: string): Promise<RedisClusterNode> {
    const slot = Number(await this.command(this.someLiveNode(), 'cluster', 'keyslot', key));
    return this.masterOfSlot(slot);
  }

  /** The node that serves `slot` now, as a live node sees it. */
  async masterOfSlot(slot: number): Promise<RedisClusterNode> {
    const views = await this.view(this.someLiveNode());
    const owner = views.find(
      (v) => v.flags.includes('master') && v.slots.some(([from, to]) => from <= slot && slot <= to),
    );
    const node = owner && this.states.find((s) => s.id === owner.id);
    if (!node) throw new Error(`no node serves slot ${slot}`);
    return node;
  }

  /** Kills a node at once (SIGKILL), as a crash would. */
  async kill(node: RedisClusterNode): Promise<void> {
    await this.signal(this.state(node), 'SIGKILL');
  }

  /** Freezes a node (SIGSTOP): connections stay open but nothing answers. */
  pause(node: RedisClusterNode): void {
    const state = this.state(node);
    state.process?.kill('SIGSTOP');
    state.paused = true;
  }

  /** Thaws a paused node (SIGCONT). */
  resume(node: RedisClusterNode): void {
    const state = this.state(node);
    state.process?.kill('SIGCONT');
    state.paused = false;
  }

  /**
   * Starts a killed node again on the same port with the same nodes.conf, so
   * it rejoins as the node it was (a replica, if it lost its slots meanwhile).
   */
  async restart(node: RedisClusterNode): Promise<void> {
    await this.spawnNode(this.state(node));
  }

  /**
   * Resolves once a replica of `deadNode` (a master that was killed or paused)
   * serves its slots on every live node's map and every live node reports
   * `cluster_state:ok`.
   */
  async waitForFailover(deadNode: RedisClusterNode, timeoutMs = 10_000): Promise<void> {
    const dead = this.state(deadNode);
    await this.waitUntil(`a replica of port ${dead.port} to take over`, timeoutMs, async () => {
      for (const state of this.liveStates()) {
        if (!(await this.info(state)).includes('cluster_state:ok')) {
          return `port ${state.port} is not in cluster_state:ok`;
        }
        const views = await this.view(state);
        if (views.find((v) => v.id === dead.id)?.slots.length) {
          return `port ${state.port} still maps slots to port ${dead.port}`;
        }
        const promoted = views.some(
          (v) => v.flags.includes('master') && v.slots.length && this.wasReplicaOf(v.id, dead.id),
        );
        if (!promoted) return `port ${state.port} knows no promoted replica of port ${dead.port}`;
      }
      return undefined;
    });
  }

  /** Empties every live master (FLUSHALL), so suites can share one cluster. */
  async flushAll(): Promise<void> {
    const views = await this.view(this.someLiveNode());
    const masters = this.liveStates().filter((s) =>
      views.some((v) => v.id === s.id && v.flags.includes('master')),
    );
    await Promise.all(masters.map((state) => this.command(state, 'flushall')));
  }

  /** Stops every node, even those already dead or paused, and removes their folders. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.states.map((state) => this.signal(state, 'SIGKILL')));
    for (const state of this.states) rmSync(state.dir, { recursive: true, force: true });
  }

  private async spawnNode(state: NodeState): Promise<void> {
    if (state.process) throw new Error(`redis-server on port ${state.port} is already running`);
    const child = spawn(
      this.server,
      [
        '--port',
        String(state.port),
        '--bind',
        HOST,
        '--protected-mode',
        'no',
        '--dir',
        state.dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(state.dir, 'nodes.conf'),
        '--cluster-port',
        String(state.busPort),
        '--cluster-node-timeout',
        String(this.nodeTimeoutMs),
        '--cluster-require-full-coverage',
        'no',
        '--cluster-replica-validity-factor',
        '0',
      ],
      { stdio: 'ignore' },
    );
    state.process = child;
    state.paused = false;
    child.once('exit', () => {
      if (state.process === child) state.process = undefined;
    });
    await waitForPing(state.port, 10_000);
  }

  private async signal(state: NodeState, signal: NodeJS.Signals): Promise<void> {
    const child = state.process;
    if (!child) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT'); // a paused node could not act on the signal
    child.kill(signal);
    await exited;
    state.process = undefined;
    state.paused = false;
  }

  /** Why the freshly created cluster is not usable yet, or `undefined` once it is. */
  private async whyNotReady(): Promise<string | undefined> {
    let agreed: string | undefined;
    for (const state of this.states) {
      if (!(await this.info(state)).includes('cluster_state:ok')) {
        return `port ${state.port} is not in cluster_state:ok`;
      }
      const views = await this.view(state);
      if (views.length !== this.states.length) {
        return `port ${state.port} knows ${views.length} of ${this.states.length} nodes`;
      }
      const slots = views
        .filter((v) => v.flags.includes('master'))
        .map((v) => `${v.id}:${JSON.stringify(v.slots)}`)
        .sort()
        .join(' ');
      if (agreed !== undefined && slots !== agreed) {
        return `port ${state.port} disagrees on the slots`;
      }
      agreed = slots;
    }
    return undefined;
  }

  /** Polls `check` (a reason to wait, or `undefined` when done) until `timeoutMs`. */
  private async waitUntil(
    what: string,
    timeoutMs: number,
    check: () => Promise<string | undefined>,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let reason: string | undefined = 'not checked yet';
    while (Date.now() < deadline) {
      reason = await check().catch((err: unknown) => String(err));
      if (reason === undefined) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`gave up waiting ${timeoutMs} ms for ${what}: ${reason}`);
  }

  /** Whether node `id` was created as a replica of node `masterId`. */
  private wasReplicaOf(id: string, masterId: string): boolean {
    return this.states.some((s) => s.id === id && s.masterIdAtStart === masterId);
  }

  private info(state: NodeState): Promise<string> {
    return this.command(state, 'cluster', 'info');
  }

  /** `CLUSTER NODES` as `state` sees it. */
  private async view(state: NodeState): Promise<NodeView[]> {
    const text = await this.command(state, 'cluster', 'nodes');
    return text
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => {
        const [id, address, flags, masterId, , , , , ...slots] = line.trim().split(' ');
        return {
          id,
          port: Number(address.split('@')[0].split(':').pop()),
          flags: flags.split(','),
          masterId,
          slots: slots
            .filter((range) => !range.startsWith('['))
            .map((range) => {
              const [from, to = from] = range.split('-').map(Number);
              return [from, to] as [number, number];
            }),
        };
      });
  }

  private liveStates(): NodeState[] {
    return this.states.filter((s) => s.process && !s.paused);
  }

  private someLiveNode(): NodeState {
    const state = this.liveStates()[0];
    if (!state) throw new Error('no node of the cluster is running');
    return state;
  }

  private state(node: RedisClusterNode): NodeState {
    const state = this.states.find((s) => s.port === node.port);
    if (!state) throw new Error(`port ${node.port} is no node of this cluster`);
    return state;
  }

  /** One command through redis-cli to `state`'s node; its raw reply. */
  private command(state: NodeState, ...args: string[]): Promise<string> {
    return this.run(['-h', HOST, '-p', String(state.port), ...args], 2_000);
  }

  private run(args: string[], timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(this.cli, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
        if (err) reject(new Error(`redis-cli ${args.join(' ')}: ${stderr || err.message}`));
        else resolve(stdout);
      });
    });
  }
}

/** `count` free loopback ports, no two alike. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
