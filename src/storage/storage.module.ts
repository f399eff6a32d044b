import { Global, Module } from '@nestjs/common';
import type { DynamicModule, InjectionToken, ModuleMetadata, Provider } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { LapseConfigService } from '../config/lapse-config.service';
import { CacheStore } from '../cache/cache-store';
import { MemoryCacheStore } from '../cache/stores/memory-cache.store';
import { RedisCacheStore } from '../cache/stores/redis-cache.store';
import { FillLock } from '../origin/fill-lock';
import { MemoryFillLock } from '../origin/stores/memory-fill-lock';
import { RedisFillLock } from '../origin/stores/redis-fill-lock';
import { RedisConnection } from '../redis/redis-connection';
import { openClusterKeyspace, RedisKeyspace } from '../redis/redis-keyspace';
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

/**
 * Adapters an application brings instead of the ones `store.kind` chooses,
 * as `@nestjs/throttler` takes a `storage`. Lapse builds no default adapter
 * for a port given one here. The given adapter is the value of Lapse's
 * `CacheStore` (or `TrackingStore`) provider, so Nest runs its lifecycle
 * hooks as a provider's; when the application provides the same instance
 * too, they run once per provider (twice), as with `@nestjs/throttler`'s
 * storage: such hooks must tolerate a second call.
 */
export interface StoreAdapters {
  /** Where cache entries and their counters live. */
  cache?: CacheStore;
  /** Where interactions are counted. */
  tracking?: TrackingStore;
}

/** {@link StoreAdapters} made by a factory, with what it injects. */
export interface StorageModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: InjectionToken[];
  useFactory: (...deps: never[]) => StoreAdapters | Promise<StoreAdapters>;
}

const STORE_ADAPTERS = Symbol('StoreAdapters');

/** The rate-limit storage, a provider of its own so that Nest stops its timers. */
const RATE_LIMIT_STORAGE = Symbol('RateLimitStorage');

/** The one place where `CACHE_STORE` chooses the adapters. */
async function createStores(config: LapseConfigService, adapters: StoreAdapters): Promise<Stores> {
  const store = config.get('store');
  const cache = config.get('cache');
  const tracking = config.get('tracking');
  const types: TypeBound = { maxTypes: tracking.maxTypes, reserved: DEFAULT_INTERACTION_TYPE };
  if (store.kind === 'redis') {
    const redis = new RedisConnection({
      url: store.redisUrl,
      clusterNodes: store.redisClusterNodes,
      timeoutMs: store.redisTimeoutMs,
    });
    const keyspace = redis.isCluster
      ? await openClusterKeyspace(redis, store.namespace, store.redisShards)
      : RedisKeyspace.single(store.namespace);
    const redisSubscriber = new RedisSubscriber(redis, { timeoutMs: store.redisTimeoutMs });
    return {
      redis,
      redisSubscriber,
      cache:
        adapters.cache ??
        new RedisCacheStore(redis, {
          namespace: store.namespace,
          keyspace,
          sweepIntervalMs: cache.sweepIntervalMs,
          retention: tracking.retention,
          nearCacheMaxEntries: store.nearCacheMaxEntries,
        }),
      tracking:
        adapters.tracking ??
        new RedisTrackingStore(redis, {
          namespace: store.namespace,
          keyspace,
          maxResources: tracking.maxResources,
          types,
          retention: tracking.retention,
        }),
      throttler: new RedisThrottlerStorage(redis, store.namespace),
      fillLock: new RedisFillLock(redis, redisSubscriber, {
        namespace: store.namespace,
        // A fill is a cache read, one origin request and a cache write.
        lockTtlMs: config.get('origin').timeoutMs + 2 * store.redisTimeoutMs,
      }),
    };
  }
  return {
    redis: null,
    cache:
      adapters.cache ??
      new MemoryCacheStore({
        maxEntries: cache.maxEntries,
        sweepIntervalMs: cache.sweepIntervalMs,
        retention: tracking.retention,
      }),
    tracking:
      adapters.tracking ??
      new MemoryTrackingStore({
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
  { provide: STORES, inject: [LapseConfigService, STORE_ADAPTERS], useFactory: createStores },
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
 * application, backed by memory or by one shared Redis connection, or by
 * adapters the application brings ({@link StoreAdapters}).
 */
@Global()
@Module({})
export class StorageModule {
  static forRoot(adapters: StoreAdapters = {}): DynamicModule {
    return StorageModule.forRootAsync({ useFactory: () => adapters });
  }

  static forRootAsync(options: StorageModuleAsyncOptions): DynamicModule {
    return {
      module: StorageModule,
      imports: options.imports ?? [],
      providers: [
        { provide: STORE_ADAPTERS, inject: options.inject ?? [], useFactory: options.useFactory },
        ...providers,
      ],
      exports: [STORES, CacheStore, TrackingStore, FillLock, RedisConnection],
    };
  }
}
