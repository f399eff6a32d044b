import { randomUUID } from 'node:crypto';
import { StoreUnavailableError } from '../../common/store-unavailable.error';
import type { RedisConnection } from '../../redis/redis-connection';
import { RedisScript } from '../../redis/redis-script';
import type { RedisSubscriber } from '../../redis/redis-subscriber';
import type { FillLock } from '../fill-lock';

/** Settings of {@link RedisFillLock}. */
export interface RedisFillLockOptions {
  /** Prefix of every key and of the channel, as the other Redis stores use it. */
  namespace: string;
  /**
   * How long a lock lives unless its holder releases it, in ms: longer than a
   * fill may take, so that only a holder that died leaves it to expire. Also
   * the longest a waiter waits for fills of others before fetching for itself.
   */
  lockTtlMs: number;
}

/**
 * KEYS: the lock. ARGV: token, lifetime (ms). Takes the lock when it is free
 * and returns 0; else returns the ms it still lives (its full lifetime when it
 * has none, e.g. set by hand), so a waiter knows when to try again.
 */
const ACQUIRE_SCRIPT = new RedisScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then return tonumber(ARGV[2]) end
return math.max(left, 1)
`);

/**
 * KEYS: the lock. ARGV: token, channel, id. Deletes the lock only while it is
 * still this holder's (one that outlived its lifetime may have been taken over),
 * then tells the waiters of every instance that the id's fill is over.
 */
const RELEASE_SCRIPT = new RedisScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
`);

/** A caller waiting for an id's fill to end. */
interface Waiter {
  wake: () => void;
  fail: (error: Error) => void;
}

/**
 * Fill lock on Redis, shared by every instance on the same Redis and namespace:
 * `SET <ns>:fill:<id> <token> NX PX <lockTtlMs>`. The instance that takes it
 * fills, then releases it (compare-and-delete) and publishes the id on
 * `<ns>:fill-done`. The others never poll: each waits on the instance's one
 * subscriber connection for that message, or for the lock's remaining lifetime
 * to run out, then reads the cache, and takes the lock itself if nothing was
 * stored. While Redis is away every call fails fast with StoreUnavailableError,
 * and waiters are failed as soon as the subscriber connection drops.
 */
export class RedisFillLock implements FillLock {
  private readonly keyPrefix: string;
  private readonly channel: string;
  private readonly lockTtlMs: number;
  /** Waiters by id: those of one id are woken together. */
  private readonly waiters = new Map<string, Set<Waiter>>();
  private listening: Promise<void> | undefined;

  constructor(
    private readonly connection: RedisConnection,
    private readonly subscriber: RedisSubscriber,
    { namespace, lockTtlMs }: RedisFillLockOptions,
  ) {
    this.keyPrefix = `${namespace}:fill:`;
    this.channel = `${namespace}:fill-done`;
    this.lockTtlMs = lockTtlMs;
    // Notifications sent while the connection was away are lost: nobody waits blind.
    subscriber.onLost(() => this.failAll(new StoreUnavailableError()));
  }

  async fillOnce<T>(
    id: string,
    fill: () => Promise<T>,
    readFilled: () => Promise<T | undefined>,
  ): Promise<T> {
    await this.listen();
    const giveUpAt = performance.now() + this.lockTtlMs;
    for (;;) {
      const token = randomUUID();
      // Registered before the attempt, so a release right after it is still heard.
      const waiter = this.waiterFor(id);
      let lockLeftMs: number;
      try {
        lockLeftMs = await this.tryLock(id, token);
      } catch (error) {
        waiter.cancel();
        throw error;
      }
      if (lockLeftMs === 0) {
        waiter.cancel();
        return this.fillHoldingLock(id, token, fill);
      }
      const waitMs = Math.min(lockLeftMs, giveUpAt - performance.now());
      if (waitMs <= 0) {
        // Waited as long as one fill may take, and others keep filling without
        // storing anything: ask the origin for this instance's callers.
        waiter.cancel();
        return fill();
      }
      await waiter.wait(waitMs);
      const filled = await readFilled();
      if (filled !== undefined) return filled;
    }
  }

  /** The key of `id`'s lock. */
  lockKey(id: string): string {
    return this.keyPrefix + id;
  }

  private readonly wakeWaiters = (id: string): void => {
    for (const waiter of this.waiters.get(id) ?? []) waiter.wake();
  };

  private listen(): Promise<void> {
    this.listening ??= this.subscriber
      .subscribe(this.channel, this.wakeWaiters)
      .catch((error: unknown) => {
        // Tried again by the next caller.
        this.listening = undefined;
        throw error;
      });
    return this.listening;
  }

  private async tryLock(id: string, token: string): Promise<number> {
    const lock = this.lockKey(id);
    const reply = await this.connection.run(
      (client) =>
        ACQUIRE_SCRIPT.evaluate(client, {
          keys: [lock],
          arguments: [token, String(this.lockTtlMs)],
        }),
      lock,
    );
    return Number(reply);
  }

  private async fillHoldingLock<T>(id: string, token: string, fill: () => Promise<T>): Promise<T> {
    try {
      return await fill();
    } finally {
      const lock = this.lockKey(id);
      await this.connection
        .run(
          (client) =>
            RELEASE_SCRIPT.evaluate(client, {
              keys: [lock],
              arguments: [token, this.channel, id],
            }),
          lock,
        )
        // The fill's outcome stands: a lock not released expires by itself,
        // and its waiters wake then.
        .catch(() => undefined);
    }
  }

  /** A waiter for `id`'s next notification; `cancel` it unless it is waited for. */
  private waiterFor(id: string): { wait: (ms: number) => Promise<void>; cancel: () => void } {
    let waiter!: Waiter;
    const woken = new Promise<void>((resolve, reject) => {
      waiter = { wake: resolve, fail: reject };
    });
    // A failure before anybody awaits it is not an unhandled rejection.
    woken.catch(() => undefined);
    const ofId = this.waiters.get(id) ?? new Set<Waiter>();
    ofId.add(waiter);
    this.waiters.set(id, ofId);
    let timer: NodeJS.Timeout | undefined;
    const cancel = (): void => {
      clearTimeout(timer);
      ofId.delete(waiter);
      if (ofId.size === 0 && this.waiters.get(id) === ofId) this.waiters.delete(id);
    };
    const wait = async (ms: number): Promise<void> => {
      if (!this.subscriber.isReady) {
        cancel();
        throw new StoreUnavailableError();
      }
      timer = setTimeout(waiter.wake, ms);
      try {
        await woken;
      } finally {
        cancel();
      }
    };
    return { wait, cancel };
  }

  private failAll(error: Error): void {
    for (const ofId of this.waiters.values()) for (const waiter of ofId) waiter.fail(error);
  }
}
