import { ConfigurableModuleBuilder } from '@nestjs/common';

import type { CacheStore } from './cache-store';

/** Options of {@link CacheModule}. */
export interface CacheModuleOptions {
  /**
   * The store adapter the cache keeps its entries in. The application chooses
   * it (Lapse's `StorageModule` does, from `CACHE_STORE`); the cache module
   * never picks one itself.
   */
  store: CacheStore;
}

export const {
  ConfigurableModuleClass: ConfigurableCacheOptionsModule,
  MODULE_OPTIONS_TOKEN: CACHE_MODULE_OPTIONS,
  OPTIONS_TYPE: CACHE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CACHE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<CacheModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, { isGlobal }) => ({
    ...definition,
    global: isGlobal,
  }))
  .build();
