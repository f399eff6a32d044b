import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { CacheModule } from './cache/cache.module';
import { LapseConfigModule } from './config/config.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import type { LapseConfig } from './config/lapse.config';
import { ResourcesModule } from './resources/resources.module';
import { SecurityModule } from './security/security.module';
import { CompatModule } from './compat/compat.module';
import { StatsModule } from './stats/stats.module';
import { STORES, StorageModule } from './storage/storage.module';
import type { Stores } from './storage/storage.module';
import { TrackingModule } from './tracking/tracking.module';

/** Wires Lapse's feature modules around one validated configuration. */
@Module({})
export class AppModule {
  static forRoot(config: LapseConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LapseConfigModule.forRoot(config),
        StorageModule.forRoot(),
        CacheModule.forRootAsync({
          isGlobal: true,
          inject: [STORES],
          useFactory: (stores: Stores) => ({ store: stores.cache }),
        }),
        LoggingModule,
        SecurityModule.forRootAsync({
          guards: {
            apiKeys: config.security.apiKeys.length > 0,
            rateLimit: config.security.throttleLimit > 0,
          },
          inject: [STORES],
          useFactory: (stores: Stores) => ({ throttlerStorage: stores.throttler }),
        }),
        ResourcesModule,
        TrackingModule,
        StatsModule,
        CompatModule,
        HealthModule,
        MetricsModule,
        DashboardModule,
      ],
    };
  }
}
