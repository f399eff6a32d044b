import type { DynamicModule, InjectionToken, ModuleMetadata } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { CacheModule } from './cache/cache.module';
import type { CacheStore } from './cache/cache-store';
import { LapseConfigModule } from './config/config.module';
import { configWithDefaults } from './config/lapse.config';
import type { LapseConfigOverrides } from './config/lapse.config';
import { ResourcesModule } from './resources/resources.module';
import { StatsModule } from './stats/stats.module';
import { STORES, StorageModule } from './storage/storage.module';
import type { Stores } from './storage/storage.module';
import type { TrackingStore } from './tracking/tracking-store';
import { TrackingModule } from './tracking/tracking.module';

/** Options of {@link LapseModule}. */
export interface LapseModuleOptions {
  /**
   * Settings over Lapse's defaults, group by group (the defaults are those of
   * the standalone server with no environment variables set).
   */
  config?: LapseConfigOverrides;
  /**
   * The cache store to use instead of the one `config.store.kind` chooses
   * (memory by default), as `@nestjs/throttler` takes a `storage`.
   */
  cacheStore?: CacheStore;
  /** The tracking store to use instead of the one `config.store.kind` chooses. */
  trackingStore?: TrackingStore;
  /** A prefix of every Lapse route, e.g. `cache` for `/cache/resources/:id`. */
  path?: string;
}

/** {@link LapseModuleOptions} made by a factory, e.g. from the host's `ConfigService`. */
export interface LapseModuleAsyncOptions {
  /** Modules whose providers the factory injects. */
  imports?: ModuleMetadata['imports'];
  /** What the factory is called with. */
  inject?: InjectionToken[];
  useFactory: (
    ...deps: never[]
  ) => Omit<LapseModuleOptions, 'path'> | Promise<Omit<LapseModuleOptions, 'path'>>;
  /** A prefix of every Lapse route, known when the application is put together. */
  path?: string;
}

const LAPSE_MODULE_OPTIONS = Symbol('LapseModuleOptions');

/**
 * Holds the options of one `LapseModule.forRootAsync` call. Lapse's config
 * and storage modules both import this one module object, so the factory
 * runs once.
 */
@Module({})
class LapseOptionsModule {}

/**
 * All of Lapse for an application of its own: the cache (`CacheService`),
 * the REST API over resources (`/resources`, `/fetch`), interaction tracking
 * (`/interactions`, `TrackingService`) and `/stats`, over the
 * stores its options choose. The standalone server's own concerns (API keys,
 * rate limits, CORS, metrics, health, dashboard, Swagger UI) are left to the
 * host application, whose guards, interceptors and filters apply to Lapse's
 * routes as to its own. `CacheService` and `TrackingService` are global:
 * every module of the host can inject them.
 *
 * ```ts
 * LapseModule.forRoot({ path: 'cache', config: { cache: { defaultTtl: 60 } } })
 * LapseModule.forRootAsync({
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ config: { cache: { defaultTtl: config.get('TTL') } } }),
 * })
 * ```
 */
@Module({})
export class LapseModule {
  static forRoot(options: LapseModuleOptions = {}): DynamicModule {
    return LapseModule.forRootAsync({ path: options.path, useFactory: () => options });
  }

  static forRootAsync(options: LapseModuleAsyncOptions): DynamicModule {
    const optionsModule: DynamicModule = {
      module: LapseOptionsModule,
      imports: options.imports ?? [],
      providers: [
        {
          provide: LAPSE_MODULE_OPTIONS,
          inject: options.inject ?? [],
          useFactory: options.useFactory,
        },
      ],
      exports: [LAPSE_MODULE_OPTIONS],
    };
    return {
      module: LapseModule,
      // CacheService is global already; TrackingService too, so that any
      // feature module of the host can inject either.
      global: true,
      imports: [
        LapseConfigModule.forRootAsync({
          imports: [optionsModule],
          inject: [LAPSE_MODULE_OPTIONS],
          useFactory: ({ config }: LapseModuleOptions) => configWithDefaults(config),
        }),
        StorageModule.forRootAsync({
          imports: [optionsModule],
          inject: [LAPSE_MODULE_OPTIONS],
          useFactory: ({ cacheStore, trackingStore }: LapseModuleOptions) => ({
            cache: cacheStore,
            tracking: trackingStore,
          }),
        }),
        CacheModule.forRootAsync({
          isGlobal: true,
          inject: [STORES],
          useFactory: (stores: Stores) => ({ store: stores.cache }),
        }),
        ResourcesModule,
        TrackingModule,
        StatsModule,
        ...(options.path ? [LapseModule.mountedAt(options.path)] : []),
      ],
      exports: [TrackingModule],
    };
  }

  /** Nest's own way to prefix a module's routes, applied to each module that has routes. */
  private static mountedAt(path: string): DynamicModule {
    return RouterModule.register(
      [ResourcesModule, TrackingModule, StatsModule].map((module) => ({ path, module })),
    );
  }
}
