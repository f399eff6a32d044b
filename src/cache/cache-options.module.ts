import { Module } from '@nestjs/common';
import { CACHE_MODULE_OPTIONS, ConfigurableCacheOptionsModule } from './cache-module-options';

/**
 * Holds the options of `CacheModule` (the store among them). Internal to
 * `CacheModule`, which imports it twice, for itself and for cache-manager's
 * module, so that both use the same store instance.
 */
@Module({ exports: [CACHE_MODULE_OPTIONS] })
export class CacheOptionsModule extends ConfigurableCacheOptionsModule {}
