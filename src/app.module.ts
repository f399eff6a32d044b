import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CacheModule } from './cache';
import { LapseConfigModule } from './config/config.module';
import type { LapseConfig } from './config/lapse.config';
import { ResourcesModule } from './resources/resources.module';
import { SeedModule } from './seed/seed.module';
import { StatsModule } from './stats/stats.module';
import { TrackingModule } from './tracking/tracking.module';

/** Wires Lapse's feature modules around one validated configuration. */
@Module({})
export class AppModule {
  static forRoot(config: LapseConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LapseConfigModule.forRoot(config),
        CacheModule.forRootAsync({
          isGlobal: true,
          inject: [ConfigService],
          useFactory: (settings: ConfigService<LapseConfig, true>) => {
            const { maxEntries, sweepIntervalMs } = settings.get('cache', { infer: true });
            return { maxEntries, sweepIntervalMs };
          },
        }),
        ResourcesModule,
        TrackingModule,
        StatsModule,
        SeedModule,
      ],
    };
  }
}
