import { PostgresServer } from './postgres-server';

declare global {
  var hostAppPostgres: PostgresServer | undefined;
}

/** Starts one PostgreSQL server for the whole run and hands its URL to the suites. */
export default async function globalSetup(): Promise<void> {
  const server = await PostgresServer.start();
  globalThis.hostAppPostgres = server;
  process.env.TEST_POSTGRES_URL = server.url;
  // pg_ctl leaves the server detached: stop it even if Jest exits without its teardown.
  process.once('exit', () => server.stop());
}
