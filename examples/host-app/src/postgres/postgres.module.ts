import { Inject, Injectable, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { DEFAULT_INTERACTION_TYPE } from 'lapse';
import { PostgresCacheStore } from './postgres-cache.store';
import { PostgresTrackingStore } from './postgres-tracking.store';

const DAY = 86_400_000;

/** Settings of {@link PostgresModule}. */
export interface PostgresModuleOptions {
  /** `postgres://user@host:port/database`. */
  connectionString: string;
  /** The cache's table; default `lapse_cache`. */
  cacheTable?: string;
  /** How often expired entries are swept (ms); default 1000. */
  sweepIntervalMs?: number;
  /** Prefix of the tracker's tables; default `lapse_tracking`. */
  trackingTable?: string;
  /** Most resources the tracker remembers; default 100,000. */
  maxResources?: number;
}

/** Ends the pool once every store that uses it has shut down. */
@Injectable()
class PoolShutdown implements OnApplicationShutdown {
  constructor(@Inject(Pool) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }
}

/**
 * The host app's PostgreSQL: one `pg` pool, and the Lapse store adapters
 * built on it, created (with their tables) before the app starts.
 */
@Module({})
export class PostgresModule {
  static forRoot({
    connectionString,
    cacheTable = 'lapse_cache',
    sweepIntervalMs = 1_000,
    trackingTable = 'lapse_tracking',
    maxResources = 100_000,
  }: PostgresModuleOptions): DynamicModule {
    return {
      module: PostgresModule,
      providers: [
        { provide: Pool, useFactory: () => new Pool({ connectionString }) },
        PoolShutdown,
        {
          provide: PostgresCacheStore,
          inject: [Pool],
          useFactory: (pool: Pool) =>
            PostgresCacheStore.create(pool, { table: cacheTable, sweepIntervalMs }),
        },
        {
          provide: PostgresTrackingStore,
          inject: [Pool],
          useFactory: (pool: Pool) =>
            PostgresTrackingStore.create(pool, {
              table: trackingTable,
              maxResources,
              // Lapse's defaults: a day of minutes, 30 days of hours, 20 types per resource.
              retention: { minute: DAY, hour: 30 * DAY },
              types: { maxTypes: 20, reserved: DEFAULT_INTERACTION_TYPE },
            }),
        },
      ],
      exports: [Pool, PostgresCacheStore, PostgresTrackingStore],
    };
  }
}
