import { CacheModule as CacheManagerModule } from '@nestjs/cache-manager';
import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { CacheOptionsModule } from './cache-options.module';
import { CACHE_MODULE_OPTIONS } from './cache-module-options';
import type {
  CACHE_ASYNC_OPTIONS_TYPE,
  CACHE_OPTIONS_TYPE,
  CacheModuleOptions,
} from './cache-module-options';
import { CacheService } from './cache.service';

/**
 * Provides {@link CacheService}, an expiring cache over the store it is given,
 * and cache-manager (`CACHE_MANAGER`, through `@nestjs/cache-manager`) over
 * the same store.
 *
 * ```ts
 * CacheModule.forRoot({ store: new MemoryCacheStore({ maxEntries: 10_000, sweepIntervalMs: 1000 }) })
 * CacheModule.forRootAsync({ inject: [STORES], useFactory: (stores: Stores) => ({ store: stores.cache }) })
 * ```
 */
@Module({})
export class CacheModule {
  static forRoot(options: typeof CACHE_OPTIONS_TYPE): DynamicModule {
    return CacheModule.around(CacheOptionsModule.forRoot(options));
  }

  static forRootAsync(options: typeof CACHE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return CacheModule.around(CacheOptionsModule.forRootAsync(options));
  }

  private static around(optionsModule: DynamicModule): DynamicModule {
    return {
      module: CacheModule,
      global: optionsModule.global,
      imports: [
        optionsModule,
        CacheManagerModule.registerAsync({
          imports: [optionsModule],
          inject: [CACHE_MODULE_OPTIONS],
          useFactory: ({ store }: CacheModuleOptions) => ({ stores: [store.keyv] }),
        }),
      ],
      providers: [CacheService],
      // CACHE_MANAGER too, for code that wants cache-manager's API over the same store.
      exports: [CacheService, CacheManagerModule],
    };
  }
}
