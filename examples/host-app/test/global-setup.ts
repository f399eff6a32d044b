import { PostgresServer } from './postgres-server';

declare global {
  var hostAppPostgres: PostgresServer | undefined;
}

/** Starts one PostgreSQL server for the whole run and hands its URL to the suites. */
export default async function globalSetup(): Promise<void> {
  globalThis.hostAppPostgres = await PostgresServer.start();
  process.env.TEST_POSTGRES_URL = globalThis.hostAppPostgres.url;
}
