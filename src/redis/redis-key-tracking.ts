import { Logger } from '@nestjs/common';
import type { RedisConnection } from './redis-connection';

/** Settings of a {@link RedisKeyTracking}. */
export interface RedisKeyTrackingOptions {
  /** Keys to hear about: every key that starts with it. */
  prefix: string;
  /** The connection's name in `CLIENT LIST` (no spaces), so operators can tell it apart. */
  connectionName: string;
  /**
   * How long a confirmation that every change was heard stays good, in
   * milliseconds ({@link RedisKeyTracking.vouches}).
   */
  leaseMs: number;
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
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  /**
   * When (local clock) the last command whose answer came back on this
   * connection was sent: every change Redis made before then has been heard.
   */
  private confirmedAt = -Infinity;
  private pinging = false;

  constructor(
    connection: RedisConnection,
    { prefix, connectionName, leaseMs }: RedisKeyTrackingOptions,
    private readonly listener: KeyTrackingListener,
  ) {
    this.timeoutMs = connection.timeoutMs;
    this.prefix = prefix;
    this.leaseMs = leaseMs;
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

  /**
   * Whether every change Redis made until `leaseMs` before `now` is known to
   * have been heard: tracking is on and a command sent since then was
   * answered. Redis answers in order on one connection, so an answer comes
   * after every invalidation message queued before it. A connection that
   * silently stops delivering (a partition without a reset) stops vouching
   * within the lease. Once half the lease is gone, a `PING` renews it: an
   * instance nobody reads from sends nothing.
   */
  vouches(now: number): boolean {
    if (!this.isOn) return false;
    const age = now - this.confirmedAt;
    if (age >= this.leaseMs / 2) this.renew();
    return age < this.leaseMs;
  }

  /** Closes the connection at once: nothing on it is worth waiting for. */
  close(): void {
    this.closing = true;
    this.lost();
    if (this.client.isOpen) this.client.destroy();
  }

  /**
   * Sends a `PING`, unless one is on its way. Unanswered within the
   * connection's timeout, the connection is taken for dead and opened anew:
   * tracking goes off, then on again once the new one tracks.
   */
  private renew(): void {
    if (this.pinging || this.closing) return;
    this.pinging = true;
    const connectionNumber = this.connectionCount;
    const sentAt = Date.now();
    const timer = setTimeout(() => this.reopen(connectionNumber), this.timeoutMs);
    timer.unref();
    this.client
      .ping()
      .then(
        () => {
          if (connectionNumber === this.connectionCount) this.confirmedAt = sentAt;
        },
        // A drop is reported by the events.
        () => undefined,
      )
      .finally(() => {
        clearTimeout(timer);
        this.pinging = false;
      });
  }

  private reopen(connectionNumber: number): void {
    if (this.closing || connectionNumber !== this.connectionCount) return;
    this.logger.warn(
      `No answer on the key-tracking connection within ${this.timeoutMs} ms, reconnecting`,
    );
    if (this.client.isOpen) this.client.destroy();
    this.client.connect().catch(() => undefined);
  }

  private async trackOnce(connectionNumber: number): Promise<void> {
    const sentAt = Date.now();
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
    this.confirmedAt = sentAt;
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
