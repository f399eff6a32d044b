import { Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createClient, ErrorReply } from '@redis/client';
import type { RedisClientType } from '@redis/client';
import { StoreUnavailableError } from '../common/store-unavailable.error';

/** Settings of a {@link RedisConnection}. */
export interface RedisConnectionOptions {
  /** e.g. `redis://127.0.0.1:6379/0`. */
  url: string;
  /** How long one store call may take before it fails, in milliseconds. */
  timeoutMs: number;
}

/** The commands Lapse sends, with the reply types it expects. */
export type RedisClient = RedisClientType;

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
 */
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  readonly client: RedisClient;
  private readonly logger = new Logger(RedisConnection.name);
  /** How long one call may take before it fails, in milliseconds. */
  readonly timeoutMs: number;
  private readonly where: string;
  private reachable: boolean | undefined;
  private closing = false;
  private failures = 0;
  /** When an error reply was last logged: they are logged at most once a minute. */
  private errorReplyLoggedAt = -Infinity;
  private errorRepliesUnlogged = 0;

  constructor({ url, timeoutMs }: RedisConnectionOptions) {
    this.timeoutMs = timeoutMs;
    this.where = redactUrl(url);
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: timeoutMs,
        // Retry quickly at first, then every second at most, forever.
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
      },
    });
    this.client.on('ready', () =>
      this.reportReachable(true, `Connected to Redis at ${this.where}`),
    );
    this.client.on('error', (error: Error) => this.reportReachable(false, error.message));
    this.client.connect().catch((error: Error) => this.reportReachable(false, error.message));
  }

  /**
   * Gives the first connection up to one timeout to succeed, so that a normal
   * start serves from the first request; past it, start-up goes on without Redis.
   */
  async onModuleInit(): Promise<void> {
    if (this.client.isReady) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.client.once('ready', () => resolve())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  /** True while connected and ready for commands. */
  get isReady(): boolean {
    return this.client.isReady;
  }

  /**
   * Runs `call` against Redis, failing with {@link StoreUnavailableError} when
   * Redis is not connected, answers with an error, or takes longer than the timeout.
   */
  async run<T>(call: (client: RedisClient) => Promise<T>): Promise<T> {
    if (!this.client.isReady) {
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
      const result = await Promise.race([call(this.client), timeout]);
      // A call answered in time: Redis is back after a freeze (a lost
      // connection reports its return by itself, with 'ready').
      if (this.reachable === false && this.client.isReady) {
        this.reportReachable(true, `Redis at ${this.where} answers again`);
      }
      return result;
    } catch (error) {
      this.failures += 1;
      if (timedOut) {
        this.reportReachable(false, `no answer within ${this.timeoutMs} ms`);
      } else if (error instanceof ErrorReply) {
        // Redis answered, with an error: not an outage, but worth a line now and then.
        this.reportErrorReply(error);
      }
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError('Cache store unavailable', { cause: error });
    } finally {
      clearTimeout(timer);
    }
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
    if (!this.client.isOpen) return;
    // close() waits for replies to queued commands, which a frozen Redis never sends.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    const outcome = await Promise.race([
      this.client.close().catch(() => 'failed' as const),
      gaveUp,
    ]);
    clearTimeout(timer);
    if (outcome !== undefined && this.client.isOpen) this.client.destroy();
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
      this.logger.error(
        `Redis at ${this.where} is unreachable (${detail}); answering 503 until it is back`,
      );
  }

  /** At most one line a minute, however many calls Redis refuses. */
  private reportErrorReply(error: ErrorReply): void {
    const now = performance.now();
    if (now - this.errorReplyLoggedAt < 60_000) {
      this.errorRepliesUnlogged += 1;
      return;
    }
    const more = this.errorRepliesUnlogged;
    this.errorReplyLoggedAt = now;
    this.errorRepliesUnlogged = 0;
    this.logger.error(
      `Redis at ${this.where} refused a call: ${error.message}` +
        (more > 0 ? ` (and ${more} more in the last minute)` : ''),
    );
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
