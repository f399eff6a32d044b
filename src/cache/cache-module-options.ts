import { ConfigurableModuleBuilder } from '@nestjs/common';

import type { CacheStore } from './cache-store';

/** Options of {@link CacheModule}. */
export interface CacheModuleOptions {
  /**
   * The store adapter to use. Default: an in-memory store built from
   * `maxEntries` and `sweepIntervalMs`.
   */
  store?: CacheStore;
  /**
   * Most entries kept before the least recently used is evicted.
   * @default 100000
   */
  maxEntries?: number;
  /**
   * How often expired entries are reclaimed, in milliseconds.
   * @default 1000
   */
  sweepIntervalMs?: number;
}

export const DEFAULT_MAX_ENTRIES = 100_000;
export const DEFAULT_SWEEP_INTERVAL_MS = 1000;

export const {
  ConfigurableModuleClass: ConfigurableCacheStoreModule,
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
