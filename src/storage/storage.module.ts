import { Global, Module } from '@nestjs/common';
import type { Provider } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { ConfigService } from '@nestjs/config';
import { CacheStore } from '../cache/cache-store';
import { MemoryCacheStore } from '../cache/stores/memory-cache.store';
import { RedisCacheStore } from '../cache/stores/redis-cache.store';
import type { LapseConfig } from '../config/lapse.config';
import { FillLock } from '../origin/fill-lock';
import { MemoryFillLock } from '../origin/stores/memory-fill-lock';
import { RedisFillLock } from '../origin/stores/redis-fill-lock';
import { RedisConnection } from '../redis/redis-connection';
import { RedisSubscriber } from '../redis/redis-subscriber';
import { MemoryThrottlerStorage } from '../security/stores/memory-throttler.storage';
import { RedisThrottlerStorage } from '../security/stores/redis-throttler.storage';
import { MemoryTrackingStore } from '../tracking/stores/memory-tracking.store';
import { RedisTrackingStore } from '../tracking/stores/redis-tracking.store';
import { DEFAULT_INTERACTION_TYPE, TrackingStore } from '../tracking/tracking-store';
import type { TypeBound } from '../tracking/tracking-store';

/** The adapters behind every storage port, chosen together. */
export interface Stores {
  cache: CacheStore;
  tracking: TrackingStore;
  /** Rate-limit counters. */
  throttler: ThrottlerStorage;
  /** Which instance fills a missed id from its origin. */
  fillLock: FillLock;
  /** The Redis connection they share, when the store is Redis. */
  redis: RedisConnection | null;
  /** The instance's one listening connection, when the store is Redis (opened on first use). */
  redisSubscriber: RedisSubscriber | null;
}

/** Injection token of the {@link Stores} chosen at start-up. */
export const STORES = Symbol('Stores');

/** The rate-limit storage, a provider of its own so that Nest stops its timers. */
const RATE_LIMIT_STORAGE = Symbol('RateLimitStorage');

/** The one place where `CACHE_STORE` chooses the adapters. */
function createStores(config: ConfigService<LapseConfig, true>): Stores {
  const store = config.get('store', { infer: true });
  const cache = config.get('cache', { infer: true });
  const tracking = config.get('tracking', { infer: true });
  const types: TypeBound = { maxTypes: tracking.maxTypes, reserved: DEFAULT_INTERACTION_TYPE };
  if (store.kind === 'redis') {
    const redis = new RedisConnection({ url: store.redisUrl, timeoutMs: store.redisTimeoutMs });
    const redisSubscriber = new RedisSubscriber(redis, { timeoutMs: store.redisTimeoutMs });
    return {
      redis,
      redisSubscriber,
      cache: new RedisCacheStore(redis, {
        namespace: store.namespace,
        sweepIntervalMs: cache.sweepIntervalMs,
        retention: tracking.retention,
        nearCacheMaxEntries: store.nearCacheMaxEntries,
      }),
      tracking: new RedisTrackingStore(redis, {
        namespace: store.namespace,
        maxResources: tracking.maxResources,
        types,
        retention: tracking.retention,
      }),
      throttler: new RedisThrottlerStorage(redis, store.namespace),
      fillLock: new RedisFillLock(redis, redisSubscriber, {
        namespace: store.namespace,
        // A fill is a cache read, one origin request and a cache write.
        lockTtlMs: config.get('origin', { infer: true }).timeoutMs + 2 * store.redisTimeoutMs,
      }),
    };
  }
  return {
    redis: null,
    cache: new MemoryCacheStore({
      maxEntries: cache.maxEntries,
      sweepIntervalMs: cache.sweepIntervalMs,
      retention: tracking.retention,
    }),
    tracking: new MemoryTrackingStore({
      maxResources: tracking.maxResources,
      types,
      retention: tracking.retention,
    }),
    throttler: new MemoryThrottlerStorage(),
    fillLock: new MemoryFillLock(),
    redisSubscriber: null,
  };
}

const providers: Provider[] = [
  { provide: STORES, inject: [ConfigService], useFactory: createStores },
  // Each adapter is its own provider so that Nest runs its shutdown hooks.
  { provide: CacheStore, inject: [STORES], useFactory: (stores: Stores) => stores.cache },
  { provide: TrackingStore, inject: [STORES], useFactory: (stores: Stores) => stores.tracking },
  { provide: FillLock, inject: [STORES], useFactory: (stores: Stores) => stores.fillLock },
  { provide: RedisConnection, inject: [STORES], useFactory: (stores: Stores) => stores.redis },
  {
    provide: RedisSubscriber,
    inject: [STORES],
    useFactory: (stores: Stores) => stores.redisSubscriber,
  },
  {
    provide: RATE_LIMIT_STORAGE,
    inject: [STORES],
    useFactory: (stores: Stores) => stores.throttler,
  },
];

/**
 * Provides the storage ports (`CacheStore`, `TrackingStore`, `FillLock`) to the whole
 * application, backed by memory or by one shared Redis connection.
 */
@Global()
@Module({
  providers,
  exports: [STORES, CacheStore, TrackingStore, FillLock, RedisConnection],
})
export class StorageModule {}
