import { describeCacheStoreContract } from 'lapse/testing';
import type { Pool } from 'pg';
import { PostgresCacheStore } from '../src/postgres/postgres-cache.store';
import { testPool, uniqueTable } from './postgres';

/** Lapse's own CacheStore contract, exported as lapse/testing, on the PostgreSQL adapter. */

let pool: Pool;

beforeAll(() => {
  pool = testPool();
});

afterAll(async () => {
  await pool.end();
});

describeCacheStoreContract('postgres', {
  create: () =>
    PostgresCacheStore.create(pool, { table: uniqueTable('cache'), sweepIntervalMs: 0 }),
  sweepExpired: (store) => store.sweepExpired(),
  destroy: (store) => store.drop(),
});
