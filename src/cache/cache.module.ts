import { CacheModule as CacheManagerModule } from '@nestjs/cache-manager';
import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { CACHE_ASYNC_OPTIONS_TYPE, CACHE_OPTIONS_TYPE } from './cache-module-options';
import { CacheStore } from './cache-store';
import { CacheStoreModule } from './cache-store.module';
import { CacheService } from './cache.service';

/**
 * Provides {@link CacheService}: an expiring cache backed by cache-manager
 * through `@nestjs/cache-manager`, over the store the options choose.
 *
 * ```ts
 * CacheModule.forRoot({ maxEntries: 10_000, isGlobal: true })
 * CacheModule.forRootAsync({ inject: [ConfigService], useFactory: (c) => c.get('cache') })
 * ```
 */
@Module({})
export class CacheModule {
  static forRoot(options: typeof CACHE_OPTIONS_TYPE = {}): DynamicModule {
    return CacheModule.around(CacheStoreModule.forRoot(options));
  }

  static forRootAsync(options: typeof CACHE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return CacheModule.around(CacheStoreModule.forRootAsync(options));
  }

  private static around(storeModule: DynamicModule): DynamicModule {
    return {
      module: CacheModule,
      global: storeModule.global,
      imports: [
        storeModule,
        CacheManagerModule.registerAsync({
          imports: [storeModule],
          inject: [CacheStore],
          useFactory: (store: CacheStore) => ({ stores: [store.keyv] }),
        }),
      ],
      providers: [CacheService],
      exports: [CacheService],
    };
  }
}
