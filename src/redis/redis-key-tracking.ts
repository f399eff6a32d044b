import { Logger } from '@nestjs/common';
import type { RedisConnection } from './redis-connection';

/** Settings of a {@link RedisKeyTracking}. */
export interface RedisKeyTrackingOptions {
  /** Keys to hear about: every key that starts with it. */
  prefix: string;
  /** The connection's name in `CLIENT LIST` (no spaces), so operators can tell it apart. */
  connectionName: string;
}

/**
 * A RESP3 connection like the main one (same URL, timeouts and reconnect
 * strategy) that emits Redis's invalidation messages as `invalidate` events.
 * Maintenance notifications (a RESP3 extra of managed Redis) stay off: the
 * main connection does without them too.
 */
function trackingClient(connection: RedisConnection, name: string) {
  return connection.client.duplicate({
    RESP: 3,
    emitInvalidate: true,
    name,
    maintNotifications: 'disabled',
  });
}

type TrackingClient = ReturnType<typeof trackingClient>;

/** What a {@link RedisKeyTracking} reports. */
export interface KeyTrackingListener {
  /** Tracking is on: every change of a key from now on is heard. */
  on(): void;
  /** The connection dropped: changes may go unheard until the next {@link on}. */
  off(): void;
  /** A key changed (its name without the prefix), or every key may have (`null`: a flush). */
  invalidated(key: string | null): void;
}

/**
 * A connection of its own on which Redis tells this process whenever a key
 * under a prefix changes (server-assisted client-side caching in broadcasting
 * mode: `CLIENT TRACKING ON BCAST PREFIX <prefix>`), whoever changed it:
 * another instance, a script, an operator, an expiry or an eviction. It speaks
 * RESP3, so the invalidation messages arrive on the connection itself; it
 * reconnects by itself (like the main connection) and turns tracking on again
 * after each reconnection, before it reports {@link KeyTrackingListener.on}.
 */
export class RedisKeyTracking {
  private readonly logger = new Logger(RedisKeyTracking.name);
  private readonly client: TrackingClient;
  private readonly prefix: string;
  private isOn = false;
  /** Counts connections, so that tracking turned on for an earlier one is not taken for the current one. */
  private connectionCount = 0;
  private closing = false;
  private refusalLogged = false;

  constructor(
    connection: RedisConnection,
    { prefix, connectionName }: RedisKeyTrackingOptions,
    private readonly listener: KeyTrackingListener,
  ) {
    this.prefix = prefix;
    this.client = trackingClient(connection, connectionName);
    this.client.on('invalidate', (key: Buffer | string | null) => this.heard(key));
    // The main connection logs Redis going away; here a drop only turns tracking off.
    this.client.on('error', () => this.lost());
    this.client.on('end', () => this.lost());
    this.client.on('reconnecting', () => this.lost());
    this.client.on('ready', () => void this.trackOnce(++this.connectionCount));
    this.client.connect().catch(() => undefined);
  }

  /** True while tracking is on: a change to a key now is heard. */
  get tracking(): boolean {
    return this.isOn;
  }

  /** Closes the connection at once: nothing on it is worth waiting for. */
  close(): void {
    this.closing = true;
    this.lost();
    if (this.client.isOpen) this.client.destroy();
  }

  private async trackOnce(connectionNumber: number): Promise<void> {
    try {
      // The client turned default tracking on while connecting; Redis switches
      // to broadcasting only from off.
      await this.client.sendCommand(['CLIENT', 'TRACKING', 'OFF']);
      await this.client.sendCommand(['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', this.prefix]);
    } catch (error) {
      // A drop meanwhile is reported by the events; a refusal (an old Redis,
      // an ACL without CLIENT) leaves the near cache off, said once.
      if (this.client.isReady && !this.refusalLogged) {
        this.refusalLogged = true;
        this.logger.error(
          `Redis refused key tracking, near cache off: ${(error as Error).message}`,
        );
      }
      return;
    }
    if (this.closing || connectionNumber !== this.connectionCount || !this.client.isReady) return;
    this.isOn = true;
    this.listener.on();
  }

  private lost(): void {
    // Reported every time, even when already off: a drop between two reads is
    // one more reason to forget what they read.
    this.isOn = false;
    this.listener.off();
  }

  private heard(key: Buffer | string | null): void {
    if (key === null) {
      this.listener.invalidated(null);
      return;
    }
    const name = typeof key === 'string' ? key : key.toString('utf8');
    // Broadcasting mode only sends keys under the prefix.
    this.listener.invalidated(name.startsWith(this.prefix) ? name.slice(this.prefix.length) : name);
  }
}
