import type { OnModuleDestroy } from '@nestjs/common';
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import type { KeyvStoreAdapter } from 'keyv';
import type { RedisConnection } from '../redis/redis-connection';
import type { CacheAccessCounter, CacheCounters, CacheStore } from './cache-store';

/** Settings of {@link RedisCacheStore}. */
export interface RedisCacheStoreOptions {
  /** Prefix of every key, so that deployments can share one Redis. */
  namespace: string;
  /** How often expired entries are counted and dropped from the expiry index, in milliseconds. */
  sweepIntervalMs: number;
}

/** Most index entries one sweep handles. */
const SWEEP_BATCH = 1000;

/**
 * Counts entries Redis has expired and drops them from the expiry index.
 * ZREM answers 1 to one caller only, so instances sweeping together count
 * each expiry once. An entry whose value still exists (the index lagged a
 * write) is re-filed under its real expiry.
 */
const SWEEP_SCRIPT = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local expired = 0
for _, id in ipairs(due) do
  local left = redis.call('PTTL', ARGV[3] .. id)
  if left > 0 then
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + left, id)
  else
    expired = expired + redis.call('ZREM', KEYS[1], id)
  end
end
if expired > 0 then redis.call('HINCRBY', KEYS[2], 'expired', expired) end
return expired
`;

/**
 * Cache store on Redis, shared by every instance that uses the same Redis and
 * namespace. Values go through `@keyv/redis` with Redis's own expiry (`PX`).
 * Beside them, a sorted set indexes ids by expiry time: it counts live entries
 * without a scan and lets instances count expiries exactly once. Counters live
 * in one hash, moved with HINCRBY.
 *
 * Keys: `<ns>:cache:<id>` (values), `<ns>:cache-expiry` (index), `<ns>:stats` (counters).
 */
export class RedisCacheStore implements CacheStore, OnModuleDestroy {
  readonly name = 'redis';
  /** Redis bounds memory itself (`maxmemory` and its eviction policy). */
  readonly maxEntries = null;
  readonly keyv: Keyv;

  private readonly values: KeyvRedis<string>;
  private readonly valuePrefix: string;
  private readonly expiryKey: string;
  private readonly statsKey: string;
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(
    private readonly connection: RedisConnection,
    { namespace, sweepIntervalMs }: RedisCacheStoreOptions,
  ) {
    this.valuePrefix = `${namespace}:cache:`;
    this.expiryKey = `${namespace}:cache-expiry`;
    this.statsKey = `${namespace}:stats`;
    this.values = new KeyvRedis<string>(connection.client, {
      namespace: `${namespace}:cache`,
      keyPrefixSeparator: ':',
      throwOnErrors: true,
    });
    // Errors reach callers as StoreUnavailableError; these events would only duplicate them.
    this.values.on('error', () => undefined);
    this.keyv = new Keyv(this.keyvAdapter(), { useKeyPrefix: false, throwOnErrors: true });
    this.keyv.on('error', () => undefined);
    this.sweepTimer = setInterval(
      () => void this.sweepExpired().catch(() => undefined),
      sweepIntervalMs,
    );
    this.sweepTimer.unref();
  }

  countEntries(): Promise<number> {
    return this.connection.run((client) => client.zCount(this.expiryKey, `(${Date.now()}`, '+inf'));
  }

  increment(counter: CacheAccessCounter): Promise<void> {
    return this.connection.run(async (client) => {
      await client.hIncrBy(this.statsKey, counter, 1);
    });
  }

  readCounters(): Promise<CacheCounters> {
    return this.connection.run(async (client) => {
      const [stored, info] = await Promise.all([
        client.hGetAll(this.statsKey),
        client.info('stats'),
      ]);
      const count = (field: string): number => Number(stored[field] ?? 0);
      return {
        hits: count('hits'),
        misses: count('misses'),
        sets: count('sets'),
        deletes: count('deletes'),
        expired: count('expired'),
        // Redis does not say which keys it evicted: this is its server-wide count.
        evicted: Number(/evicted_keys:(\d+)/.exec(info)?.[1] ?? 0),
      };
    });
  }

  /** Counts and unindexes entries Redis has expired. Resolves how many. */
  async sweepExpired(): Promise<number> {
    if (!this.connection.isReady) return 0;
    const expired = await this.connection.run((client) =>
      client.eval(SWEEP_SCRIPT, {
        keys: [this.expiryKey, this.statsKey],
        arguments: [String(Date.now()), String(SWEEP_BATCH), this.valuePrefix],
      }),
    );
    return Number(expired);
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  private keyvAdapter(): KeyvStoreAdapter {
    const { connection, values, expiryKey } = this;
    // A Map-like store for Keyv; the connection bounds every call and turns
    // failures into StoreUnavailableError. It has no disconnect(): the shared
    // connection is closed by its owner, not by cache-manager.
    const adapter = {
      get: (key: string) => connection.run(() => values.get(key)),
      set: (key: string, value: string, ttl?: number) =>
        connection.run(async (client) => {
          const expiresAt = ttl ? Date.now() + ttl : Number.MAX_SAFE_INTEGER;
          await Promise.all([
            values.set(key, value, ttl),
            client.zAdd(expiryKey, { score: expiresAt, value: key }),
          ]);
          return true;
        }),
      delete: (key: string) =>
        connection.run(async (client) => {
          const [deleted] = await Promise.all([values.delete(key), client.zRem(expiryKey, key)]);
          return deleted;
        }),
      clear: () => connection.run(() => values.clear()),
      has: (key: string) => connection.run(() => values.has(key)),
    };
    return adapter as unknown as KeyvStoreAdapter;
  }
}
