import { Pool } from 'pg';

/** A pool on the run's PostgreSQL server (started by test/global-setup.ts). */
export function testPool(): Pool {
  const connectionString = process.env.TEST_POSTGRES_URL;
  if (!connectionString) throw new Error('TEST_POSTGRES_URL is not set: run the tests with Jest');
  return new Pool({ connectionString, max: 10 });
}

let tables = 0;
/** A table name no other store of this run uses, so tests never see each other's rows. */
export const uniqueTable = (prefix: string): string => `${prefix}_${process.pid}_${++tables}`;
