import { Global, Module } from '@nestjs/common';
import type { Provider } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { ConfigService } from '@nestjs/config';
import { CacheStore } from '../cache/cache-store';
import { MemoryCacheStore } from '../cache/stores/memory-cache.store';
import { RedisCacheStore } from '../cache/stores/redis-cache.store';
import type { LapseConfig } from '../config/lapse.config';
import { RedisConnection } from '../redis/redis-connection';
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
  /** The Redis connection they share, when the store is Redis. */
  redis: RedisConnection | null;
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
    return {
      redis,
      cache: new RedisCacheStore(redis, {
        namespace: store.namespace,
        sweepIntervalMs: cache.sweepIntervalMs,
        retention: tracking.retention,
      }),
      tracking: new RedisTrackingStore(redis, {
        namespace: store.namespace,
        maxResources: tracking.maxResources,
        types,
        retention: tracking.retention,
      }),
      throttler: new RedisThrottlerStorage(redis, store.namespace),
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
  };
}

const providers: Provider[] = [
  { provide: STORES, inject: [ConfigService], useFactory: createStores },
  // Each adapter is its own provider so that Nest runs its shutdown hooks.
  { provide: CacheStore, inject: [STORES], useFactory: (stores: Stores) => stores.cache },
  { provide: TrackingStore, inject: [STORES], useFactory: (stores: Stores) => stores.tracking },
  { provide: RedisConnection, inject: [STORES], useFactory: (stores: Stores) => stores.redis },
  {
    provide: RATE_LIMIT_STORAGE,
    inject: [STORES],
    useFactory: (stores: Stores) => stores.throttler,
  },
];

/**
 * Provides the storage ports (`CacheStore`, `TrackingStore`) to the whole
 * application, backed by memory or by one shared Redis connection.
 */
@Global()
@Module({ providers, exports: [STORES, CacheStore, TrackingStore, RedisConnection] })
export class StorageModule {}
