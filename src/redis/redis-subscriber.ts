import type { OnApplicationShutdown } from '@nestjs/common';
import { StoreUnavailableError } from '../common/store-unavailable.error';
import type { RedisClient, RedisConnection } from './redis-connection';

/** Settings of a {@link RedisSubscriber}. */
export interface RedisSubscriberOptions {
  /** How long connecting and subscribing may take before the caller gets a 503, in ms. */
  timeoutMs: number;
}

/**
 * The one connection per instance that listens to Redis channels (a RESP
 * connection that has subscribed can send nothing but subscriptions, so it
 * cannot be the shared {@link RedisConnection}). It opens on first use, so an
 * instance that never listens holds no second connection, and like the main
 * connection it reconnects by itself and subscribes again. Messages published
 * while it is away are lost: {@link onLost} listeners hear of every drop.
 */
export class RedisSubscriber implements OnApplicationShutdown {
  private client: RedisClient | undefined;
  private readonly timeoutMs: number;
  private readonly lostListeners: Array<() => void> = [];
  /** Listeners by channel, each channel subscribed to once whatever their number. */
  private readonly listeners = new Map<string, Set<(message: string) => void>>();
  /** Subscriptions made or under way: one per channel, even while Redis is away. */
  private readonly subscriptions = new Map<string, Promise<void>>();
  private closing = false;

  constructor(
    private readonly connection: RedisConnection,
    { timeoutMs }: RedisSubscriberOptions,
  ) {
    this.timeoutMs = timeoutMs;
  }

  /** True while connected: messages published now are heard. */
  get isReady(): boolean {
    return this.client?.isReady === true;
  }

  /** Calls `listener` whenever the connection drops (it comes back by itself). */
  onLost(listener: () => void): void {
    this.lostListeners.push(listener);
  }

  /**
   * Delivers every message of `channel` to `listener` from now on, connecting
   * and subscribing first when needed (once per channel). Fails with
   * {@link StoreUnavailableError} when that takes longer than the timeout; the
   * connection and the subscription keep trying in the background.
   */
  async subscribe(channel: string, listener: (message: string) => void): Promise<void> {
    const client = this.client ?? this.open();
    const ofChannel = this.listeners.get(channel) ?? new Set();
    ofChannel.add(listener);
    this.listeners.set(channel, ofChannel);
    let subscribing = this.subscriptions.get(channel);
    if (!subscribing) {
      // Goes on past a caller's timeout, so later callers wait for the same one.
      subscribing = this.subscribeWhenReady(client, channel, (message) => {
        for (const each of ofChannel) each(message);
      });
      this.subscriptions.set(channel, subscribing);
      subscribing.catch(() => this.subscriptions.delete(channel));
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError()), this.timeoutMs);
    });
    try {
      await Promise.race([subscribing, timeout]);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError('Cache store unavailable', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    const client = this.client;
    if (!client?.isOpen) return;
    // A frozen Redis never answers the goodbye: destroy after one timeout.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    const outcome = await Promise.race([client.close().catch(() => 'failed' as const), gaveUp]);
    clearTimeout(timer);
    if (outcome !== undefined && client.isOpen) client.destroy();
  }

  private open(): RedisClient {
    // Same server, timeouts and reconnect strategy as the main connection.
    const client = this.connection.listeningClient();
    // The main connection logs Redis going away; here a drop only wakes the listeners.
    client.on('error', () => {
      if (!this.closing) for (const listener of this.lostListeners) listener();
    });
    client.connect().catch(() => undefined);
    this.client = client;
    return client;
  }

  private async subscribeWhenReady(
    client: RedisClient,
    channel: string,
    listener: (message: string) => void,
  ): Promise<void> {
    if (!client.isReady) {
      await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    }
    await client.subscribe(channel, listener);
  }
}
