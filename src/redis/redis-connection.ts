import { Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createClient, createCluster, ErrorReply } from '@redis/client';
import type { RedisClientType, RedisClusterType } from '@redis/client';
import { StoreUnavailableError } from '../common/store-unavailable.error';

/** Settings of a {@link RedisConnection}. */
export interface RedisConnectionOptions {
  /**
   * e.g. `redis://127.0.0.1:6379/0`. With `clusterNodes`, only its user,
   * password and scheme (`rediss:` for TLS) are used.
   */
  url: string;
  /** `host:port` of some nodes of a Redis Cluster: connects to the cluster they belong to. */
  clusterNodes?: readonly string[];
  /** How long one store call may take before it fails, in milliseconds. */
  timeoutMs: number;
}

/** The commands Lapse sends, with the reply types it expects: one Redis node's client. */
export type RedisClient = RedisClientType;

/** How one node of the deployment answered a {@link RedisConnection.checkNodes} check. */
export interface RedisNodeStatus {
  /** `host:port`. */
  address: string;
  /** Whether it answered PING within the timeout. */
  up: boolean;
}

/**
 * One Redis client shared by every Redis-backed store, and the rules for using it:
 *
 * - It connects in the background and reconnects by itself, so the process
 *   starts (and answers 503) while Redis is unreachable, and recovers without
 *   a restart once it is back.
 * - The offline queue is off: while disconnected, calls fail at once instead
 *   of piling up and answering late.
 * - Every call is bounded by `timeoutMs`; a late or failed call becomes a
 *   {@link StoreUnavailableError}, which the HTTP layer answers with 503.
 * - Failed calls are counted ({@link failedCalls}), not logged one by one:
 *   the log gets one line when Redis stops answering (connection lost, or a
 *   call timed out) and one when it answers again, however many requests
 *   failed in between.
 *
 * On a Redis Cluster (`clusterNodes`), `@redis/client`'s cluster client finds
 * the nodes, follows MOVED and ASK redirections and reconnects; each call
 * names the key whose slot it runs on ({@link run}), and runs on the client
 * of the master serving that slot. A master that is down fails only the calls
 * to its slots; after a failure, the slot map is read again (at most once per
 * {@link REDISCOVER_INTERVAL_MS}), so a promoted replica is found without a restart.
 */
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly single: RedisClient | undefined;
  private readonly cluster: RedisClusterType | undefined;
  private readonly logger = new Logger(RedisConnection.name);
  /** How long one call may take before it fails, in milliseconds. */
  readonly timeoutMs: number;
  /** How logs name what it connects to: `Redis at <url>` or `Redis Cluster at <nodes>`. */
  private readonly where: string;
  private reachable: boolean | undefined;
  private closing = false;
  private failures = 0;
  /** Error replies, logged at most once a minute. */
  private readonly errorReplies = new OncePerMinute();
  /** On a cluster: whether its slot map was read, so calls can be routed. */
  private discovered = false;
  private connecting: Promise<void> | undefined;
  private rediscoveredAt = -Infinity;
  /** On a cluster: the nodes whose connection is lost (`host:port`), logged once each. */
  private readonly nodesDown = new Set<string>();
  /** On a cluster: calls that timed out, logged at most once a minute. */
  private readonly clusterTimeouts = new OncePerMinute();
  private readonly url: string;
  private readonly clusterNodes: readonly string[];
  private readonly socket: {
    connectTimeout: number;
    reconnectStrategy: (retries: number) => number;
  };

  constructor({ url, clusterNodes = [], timeoutMs }: RedisConnectionOptions) {
    this.timeoutMs = timeoutMs;
    this.url = url;
    this.clusterNodes = clusterNodes;
    const socket = {
      connectTimeout: timeoutMs,
      // Retry quickly at first, then every second at most, forever.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
    };
    this.socket = socket;
    if (clusterNodes.length > 0) {
      this.where = `Redis Cluster at ${clusterNodes.join(', ')}`;
      const tls = url.startsWith('rediss:');
      this.cluster = createCluster({
        // Reading the slot map from a frozen node must fail, not wait forever.
        rootNodes: clusterNodes.map((node) => ({ socket: this.discoverySocket(node) })),
        defaults: { ...credentialsOf(url), disableOfflineQueue: true, socket: { ...socket, tls } },
        // Connect to a node on first use: discovery then never waits for a dead master.
        minimizeConnections: true,
      });
      // Without a listener, an error while reading the slot map ends the walk over the seeds.
      this.cluster.on('error', () => undefined);
      this.cluster.on('node-error', (error: Error, node: { host: string; port: number }) =>
        this.reportNode(`${node.host}:${node.port}`, false, error.message),
      );
      this.cluster.on('node-ready', (node: { host: string; port: number }) =>
        this.reportNode(`${node.host}:${node.port}`, true),
      );
      this.connectCluster();
      return;
    }
    this.where = `Redis at ${redactUrl(url)}`;
    const client = createClient({ url, disableOfflineQueue: true, socket });
    this.single = client;
    client.on('ready', () => this.reportReachable(true, `Connected to ${this.where}`));
    client.on('error', (error: Error) => this.reportReachable(false, error.message));
    client.connect().catch((error: Error) => this.reportReachable(false, error.message));
  }

  /**
   * A new client of its own, for a connection that listens to channels, with
   * the same settings. On a cluster, a message published on any node reaches
   * every node: it listens on the first seed node.
   */
  listeningClient(): RedisClient {
    if (this.single) return this.single.duplicate();
    return createClient({
      url: nodeUrl(this.url, this.clusterNodes[0]),
      ...credentialsOf(this.url),
      socket: this.socket,
    });
  }

  /** Whether this is a Redis Cluster's connection. */
  get isCluster(): boolean {
    return this.cluster !== undefined;
  }

  /**
   * The client of the one Redis (not on a cluster: there each call gets its
   * node's client from {@link run}).
   */
  get client(): RedisClient {
    if (!this.single) throw new Error('A Redis Cluster has no single client');
    return this.single;
  }

  /**
   * Gives the first connection up to one timeout to succeed, so that a normal
   * start serves from the first request; past it, start-up goes on without Redis.
   */
  async onModuleInit(): Promise<void> {
    if (this.isReady) return;
    let timer: NodeJS.Timeout | undefined;
    const ready = this.single
      ? new Promise<void>((resolve) => this.single?.once('ready', () => resolve()))
      : this.connecting;
    await Promise.race([
      ready,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  /** True while connected and ready for commands (on a cluster: once its slots are known). */
  get isReady(): boolean {
    return this.single ? this.single.isReady : this.discovered && !this.closing;
  }

  /**
   * Runs `call` against Redis, failing with {@link StoreUnavailableError} when
   * Redis is not connected, answers with an error, or takes longer than the timeout.
   * On a cluster, `call` gets the client of the master serving `key`'s slot;
   * there a key is required.
   */
  run<T>(call: (client: RedisClient) => Promise<T>, key?: string): Promise<T> {
    return this.bounded((late) => this.routed(call, key, late));
  }

  /**
   * Runs `call`, bounded by the timeout, counting and reporting its failure.
   * `call` is told whether it is too late: on a cluster, a node's client may
   * still be connecting when the caller has had its 503, and the command must
   * not be sent then (a 503 means nothing was applied).
   */
  private async bounded<T>(call: (late: () => boolean) => Promise<T>): Promise<T> {
    if (!this.isReady) {
      this.failures += 1;
      throw new StoreUnavailableError();
    }
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        // After the next poll of the sockets, not at once: when the event loop
        // itself was held up (a long collection, a burst of work), an answer
        // that came in meanwhile is still unread when timers run first, and
        // would otherwise lose the race to a timeout that Redis never caused.
        () =>
          setImmediate(() => {
            timedOut = true;
            reject(new StoreUnavailableError());
          }),
        this.timeoutMs,
      );
    });
    try {
      const result = await Promise.race([call(() => timedOut), timeout]);
      // A call answered in time: Redis is back after a freeze (a lost
      // connection reports its return by itself, with 'ready').
      if (!this.cluster && this.reachable === false && this.isReady) {
        this.reportReachable(true, `${this.where} answers again`);
      }
      return result;
    } catch (error) {
      this.failures += 1;
      if (timedOut && this.cluster) {
        this.reportClusterTimeout();
      } else if (timedOut) {
        this.reportReachable(false, `no answer within ${this.timeoutMs} ms`);
      } else if (error instanceof ErrorReply) {
        // Redis answered, with an error: not an outage, but worth a line now and then.
        this.reportErrorReply(error);
      }
      if (!(error instanceof ErrorReply)) this.rediscover();
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError('Cache store unavailable', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs `call` on every master (the one Redis, or each master of the
   * cluster), each bounded by the timeout; resolves what each answered, in
   * the order of the masters, or fails as {@link run} does if one fails.
   */
  async runOnEachMaster<T>(call: (client: RedisClient) => Promise<T>): Promise<T[]> {
    const cluster = this.cluster;
    if (!cluster) return [await this.run(call)];
    return Promise.all(
      cluster.masters.map((master) =>
        this.bounded(async (late) => {
          const client = (await cluster.nodeClient(master)) as RedisClient;
          if (late()) throw new StoreUnavailableError();
          return call(client);
        }),
      ),
    );
  }

  /**
   * Pings each master; resolves which answered within the timeout. Never
   * fails: a node that is down is reported, not thrown.
   */
  async checkNodes(): Promise<RedisNodeStatus[]> {
    const cluster = this.cluster;
    if (!cluster) {
      const up = await this.run((client) => client.ping()).then(
        () => true,
        () => false,
      );
      return [{ address: redactUrl(this.url), up }];
    }
    if (!this.isReady) return [{ address: this.where, up: false }];
    return Promise.all(
      cluster.masters.map(async (master) => {
        const up = await this.bounded(async (late) => {
          const client = await cluster.nodeClient(master);
          if (late()) throw new StoreUnavailableError();
          return client.ping();
        }).then(
          () => true,
          () => false,
        );
        return { address: master.address, up };
      }),
    );
  }

  /**
   * Calls that failed since start-up (Redis unreachable, too slow, or
   * answering with an error), whichever store or background task made them.
   */
  get failedCalls(): number {
    return this.failures;
  }

  /** Closes the connection once the HTTP server has finished its in-flight requests. */
  async onApplicationShutdown(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const client = this.single ?? this.cluster;
    if (!client?.isOpen) return;
    // close() waits for replies to queued commands, which a frozen Redis never sends.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    const outcome = await Promise.race([client.close().catch(() => 'failed' as const), gaveUp]);
    clearTimeout(timer);
    if (outcome !== undefined && client.isOpen) client.destroy();
  }

  /** `call` on the one client, or on the client of the master serving `key`'s slot. */
  private routed<T>(
    call: (client: RedisClient) => Promise<T>,
    key: string | undefined,
    late: () => boolean,
  ): Promise<T> {
    const cluster = this.cluster;
    if (!cluster) return call(this.client);
    if (key === undefined) throw new Error('A call on a Redis Cluster needs a key to route it');
    // _execute is how the cluster client runs each of its own commands: it
    // picks the slot's master (connecting to it first if need be) and follows
    // MOVED and ASK redirections, calling this again for each attempt.
    return cluster._execute(key, false, undefined, async (client) => {
      if (late()) throw new StoreUnavailableError();
      const result = await call(client);
      if (this.nodesDown.size > 0) this.reportNode(addressOf(client), true);
      return result;
    });
  }

  /** Reads the cluster's slot map until it succeeds, then keeps it fresh on failures. */
  private connectCluster(): void {
    const cluster = this.cluster;
    if (!cluster || this.closing) return;
    this.connecting = cluster.connect().then(
      () => {
        this.discovered = true;
        this.reportReachable(true, `Connected to ${this.where}`);
      },
      (error: Error) => {
        this.reportReachable(false, error.message);
        setTimeout(() => this.connectCluster(), 1000).unref();
      },
    );
  }

  /**
   * After a call failed without an answer: the slot's master may be gone
   * and a replica promoted in its place, so read the slot map again, at
   * most once per interval.
   */
  private rediscover(): void {
    const cluster = this.cluster;
    const now = performance.now();
    if (!cluster || !this.discovered || now - this.rediscoveredAt < REDISCOVER_INTERVAL_MS) return;
    this.rediscoveredAt = now;
    // From a master chosen at random: the one whose calls failed may be the
    // first. A frozen one times out, and the seeds are read instead.
    const masters = cluster.masters;
    const from = masters[Math.floor(Math.random() * masters.length)];
    if (!from) return;
    const start = { options: { socket: this.discoverySocket(`${from.host}:${from.port}`) } };
    cluster._slots.rediscover(start as unknown as RedisClient).catch(() => undefined);
  }

  /** How the slot map is read from `node` (`host:port`): bounded by the timeout, never retried. */
  private discoverySocket(node: string) {
    const colon = node.lastIndexOf(':');
    return {
      host: node.slice(0, colon),
      port: Number(node.slice(colon + 1)),
      tls: this.url.startsWith('rediss:'),
      connectTimeout: this.timeoutMs,
      socketTimeout: this.timeoutMs,
    };
  }

  /** On a cluster: one line when a node's connection is lost, one when it is back. */
  private reportNode(address: string, up: boolean, reason = 'connection lost'): void {
    if (this.closing || up !== this.nodesDown.has(address)) return;
    if (up) {
      this.nodesDown.delete(address);
      this.logger.log(`Redis Cluster node ${address} answers again`);
    } else {
      this.nodesDown.add(address);
      this.logger.error(
        `Redis Cluster node ${address} is unreachable (${reason}); ` +
          'its shards answer 503 until it or a replica is back',
      );
    }
  }

  /** On a cluster: calls that timed out, at most one line a minute however many. */
  private reportClusterTimeout(): void {
    const more = this.clusterTimeouts.due();
    if (more === undefined) return;
    this.logger.error(
      `${this.where}: a call got no answer within ${this.timeoutMs} ms` +
        inTheLastMinute(more) +
        '; GET /health/ready says which masters answer',
    );
  }

  /**
   * Logs transitions only, so a long outage is one line (no stack: the
   * reason says all there is), not one per retry or per failed request.
   */
  private reportReachable(reachable: true, message: string): void;
  private reportReachable(reachable: false, reason?: string): void;
  private reportReachable(reachable: boolean, detail = 'connection lost'): void {
    if (this.closing || this.reachable === reachable) return;
    this.reachable = reachable;
    if (reachable) this.logger.log(detail);
    else
      this.logger.error(`${this.where} is unreachable (${detail}); answering 503 until it is back`);
  }

  /** At most one line a minute, however many calls Redis refuses. */
  private reportErrorReply(error: ErrorReply): void {
    const more = this.errorReplies.due();
    if (more === undefined) return;
    this.logger.error(`${this.where} refused a call: ${error.message}` + inTheLastMinute(more));
  }
}

/** Lets a kind of log line through once a minute, counting those held back. */
class OncePerMinute {
  private loggedAt = -Infinity;
  private held = 0;

  /** How many were held back since the last line, when one is due now; else `undefined`. */
  due(): number | undefined {
    const now = performance.now();
    if (now - this.loggedAt < 60_000) {
      this.held += 1;
      return undefined;
    }
    const held = this.held;
    this.loggedAt = now;
    this.held = 0;
    return held;
  }
}

/** ` (and N more in the last minute)`, or nothing for none. */
function inTheLastMinute(more: number): string {
  return more > 0 ? ` (and ${more} more in the last minute)` : '';
}

/** Least time between two readings of a cluster's slot map after failed calls. */
export const REDISCOVER_INTERVAL_MS = 1000;

/** `host:port` of a cluster node's client. */
function addressOf(client: RedisClient): string {
  const socket = client.options?.socket as { host?: string; port?: number } | undefined;
  return `${socket?.host ?? ''}:${socket?.port ?? ''}`;
}

/** A seed `host:port` as a URL carrying the scheme of `url` (`rediss:` for TLS). */
function nodeUrl(url: string, node: string): string {
  const scheme = url.startsWith('rediss:') ? 'rediss' : 'redis';
  return `${scheme}://${node}`;
}

/** The user and password of `url`, if any, for every node of a cluster. */
function credentialsOf(url: string): { username?: string; password?: string } {
  try {
    const { username, password } = new URL(url);
    return {
      ...(username ? { username: decodeURIComponent(username) } : {}),
      ...(password ? { password: decodeURIComponent(password) } : {}),
    };
  } catch {
    return {};
  }
}

/** Hides a password in a Redis URL before it is logged. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured REDIS_URL';
  }
}
