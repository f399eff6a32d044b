import { Logger } from '@nestjs/common';
import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createClient } from '@redis/client';
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
 */
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  readonly client: RedisClient;
  private readonly logger = new Logger(RedisConnection.name);
  private readonly timeoutMs: number;
  private reachable: boolean | undefined;
  private closing = false;

  constructor({ url, timeoutMs }: RedisConnectionOptions) {
    this.timeoutMs = timeoutMs;
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: timeoutMs,
        // Retry quickly at first, then every second at most, forever.
        reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 1000),
      },
    });
    this.client.on('ready', () => this.reportReachable(true, url));
    this.client.on('error', (error: Error) => this.reportReachable(false, url, error));
    this.client.connect().catch((error: Error) => this.reportReachable(false, url, error));
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
    if (!this.client.isReady) throw new StoreUnavailableError();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError()), this.timeoutMs);
    });
    try {
      return await Promise.race([call(this.client), timeout]);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError('Cache store unavailable', { cause: error });
    } finally {
      clearTimeout(timer);
    }
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

  /** Logs transitions only, so a long outage is one line, not one per retry. */
  private reportReachable(reachable: boolean, url: string, error?: Error): void {
    if (this.closing || this.reachable === reachable) return;
    this.reachable = reachable;
    const where = redactUrl(url);
    if (reachable) this.logger.log(`Connected to Redis at ${where}`);
    else
      this.logger.error(
        `Redis at ${where} is unreachable (${error?.message ?? 'connection lost'}); ` +
          'answering 503 and reconnecting in the background',
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
