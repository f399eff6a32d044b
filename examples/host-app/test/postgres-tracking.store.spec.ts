import { describeTrackingStoreContract } from 'lapse/testing';
import type { Pool } from 'pg';
import { PostgresTrackingStore } from '../src/postgres/postgres-tracking.store';
import { testPool, uniqueTable } from './postgres';

/** Lapse's own TrackingStore contract, exported as lapse/testing, on the PostgreSQL adapter. */

let pool: Pool;

beforeAll(() => {
  pool = testPool();
});

afterAll(async () => {
  await pool.end();
});

describeTrackingStoreContract('postgres', {
  create: (settings) =>
    PostgresTrackingStore.create(pool, { table: uniqueTable('tracking'), ...settings }),
  destroy: (store) => store.drop(),
});
