/**
 * The bodies of the original two-route service, kept byte for byte:
 * clients written against it keep working unchanged.
 */
export const SEED_NOT_FOUND = { status: 'failure', message: 'Resource not found or expired.' };
export const SEED_CACHED = { status: 'success', message: 'Resource cached successfully.' };
export const SEED_INVALID = { status: 'failure', message: 'Invalid data provided.' };

/** `{"status":"success","data":DATA}`. */
export interface SeedFound {
  status: 'success';
  data: unknown;
}

export type SeedResponse =
  SeedFound | typeof SEED_NOT_FOUND | typeof SEED_CACHED | typeof SEED_INVALID;

/** The seed's write route answers client errors, even malformed JSON, with its own body. */
export const SEED_CLIENT_ERROR_BODIES: ReadonlyMap<string, unknown> = new Map([
  ['/track_interaction', SEED_INVALID],
]);
