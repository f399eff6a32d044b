/** Stops the server test/global-setup.ts started, and removes its files. */
export default function globalTeardown(): void {
  globalThis.hostAppPostgres?.stop();
}
