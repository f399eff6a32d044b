import { Module } from '@nestjs/common';
import type { DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LapseModule, StoreUnavailableFilter } from 'lapse';
import { PostgresCacheStore } from './postgres/postgres-cache.store';
import { PostgresModule } from './postgres/postgres.module';
import type { PostgresModuleOptions } from './postgres/postgres.module';
import { PostgresTrackingStore } from './postgres/postgres-tracking.store';
import { QuoteCatalogue } from './quotes/quote-catalogue';
import { QuotesController } from './quotes/quotes.controller';

/**
 * The host app: its own `/quotes`, and Lapse mounted under `/cache` with its
 * entries and interactions kept in PostgreSQL by the adapters of this app.
 */
@Module({})
export class AppModule {
  static forRoot(postgresOptions: PostgresModuleOptions): DynamicModule {
    const postgres = PostgresModule.forRoot(postgresOptions);
    return {
      module: AppModule,
      imports: [
        postgres,
        LapseModule.forRootAsync({
          // Lapse's routes under /cache: /cache/resources, /cache/interactions, /cache/stats...
          path: 'cache',
          imports: [postgres],
          inject: [PostgresCacheStore, PostgresTrackingStore],
          useFactory: (cacheStore: PostgresCacheStore, trackingStore: PostgresTrackingStore) => ({
            config: { cache: { defaultTtl: 300 } },
            cacheStore,
            trackingStore,
          }),
        }),
      ],
      controllers: [QuotesController],
      providers: [
        QuoteCatalogue,
        // An unreachable PostgreSQL answers 503 on the app's own routes too, as on Lapse's.
        { provide: APP_FILTER, useClass: StoreUnavailableFilter },
      ],
    };
  }
}
