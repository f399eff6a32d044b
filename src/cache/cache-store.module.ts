import { Module } from '@nestjs/common';
import type { CacheModuleOptions } from './cache-module-options';
import {
  CACHE_MODULE_OPTIONS,
  ConfigurableCacheStoreModule,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_SWEEP_INTERVAL_MS,
} from './cache-module-options';
import { CacheStore } from './cache-store';
import { MemoryCacheStore } from './stores/memory-cache.store';

/**
 * Holds the module options and the one {@link CacheStore} built from them.
 * Internal to `CacheModule`, which imports it twice (for itself and for
 * cache-manager's module) so that both share the same store instance.
 */
@Module({
  providers: [
    {
      provide: CacheStore,
      inject: [CACHE_MODULE_OPTIONS],
      useFactory: (options: CacheModuleOptions): CacheStore =>
        options.store ??
        new MemoryCacheStore({
          maxEntries: options.maxEntries ?? DEFAULT_MAX_ENTRIES,
          sweepIntervalMs: options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
        }),
    },
  ],
  exports: [CacheStore, CACHE_MODULE_OPTIONS],
})
export class CacheStoreModule extends ConfigurableCacheStoreModule {}
