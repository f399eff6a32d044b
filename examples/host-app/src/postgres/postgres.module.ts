import { Inject, Injectable, Module } from '@nestjs/common';
import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { PostgresCacheStore } from './postgres-cache.store';

/** Settings of {@link PostgresModule}. */
export interface PostgresModuleOptions {
  /** `postgres://user@host:port/database`. */
  connectionString: string;
  /** The cache's table; default `lapse_cache`. */
  cacheTable?: string;
  /** How often expired entries are swept (ms); default 1000. */
  sweepIntervalMs?: number;
}

/** Ends the pool once every store that uses it has shut down. */
@Injectable()
class PoolShutdown implements OnApplicationShutdown {
  constructor(@Inject(Pool) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
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
      ],
      exports: [Pool, PostgresCacheStore],
    };
  }
}
