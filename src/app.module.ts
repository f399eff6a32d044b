import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { DashboardModule } from './dashboard/dashboard.module';
import { HealthModule } from './health/health.module';
import { LapseModule } from './lapse.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import type { LapseConfig } from './config/lapse.config';
import { SecurityModule } from './security/security.module';
import { CompatModule } from './compat/compat.module';
import { STORES } from './storage/storage.module';
import type { Stores } from './storage/storage.module';

/**
 * The standalone server: all of {@link LapseModule} (what an application
 * embedding Lapse gets too), and the concerns a host application would bring
 * itself: logs, API keys and rate limits, the original routes, health,
 * metrics and the dashboard.
 */
@Module({})
export class AppModule {
  static forRoot(config: LapseConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LapseModule.forRoot({ config }),
        LoggingModule,
        SecurityModule.forRootAsync({
          guards: {
            apiKeys: config.security.apiKeys.length > 0,
            rateLimit: config.security.throttleLimit > 0,
          },
          inject: [STORES],
          useFactory: (stores: Stores) => ({ throttlerStorage: stores.throttler }),
        }),
        CompatModule,
        HealthModule,
        MetricsModule,
        DashboardModule,
      ],
    };
  }
}
