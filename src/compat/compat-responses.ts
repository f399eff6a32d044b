/**
 * The bodies of the original two-route service, kept byte for byte:
 * clients written against it keep working unchanged.
 */
export const COMPAT_NOT_FOUND = { status: 'failure', message: 'Resource not found or expired.' };
export const COMPAT_CACHED = { status: 'success', message: 'Resource cached successfully.' };
export const COMPAT_INVALID = { status: 'failure', message: 'Invalid data provided.' };

/** `{"status":"success","data":DATA}`. */
export interface CompatFound {
  status: 'success';
  data: unknown;
}

export type CompatResponse =
  CompatFound | typeof COMPAT_NOT_FOUND | typeof COMPAT_CACHED | typeof COMPAT_INVALID;

/** The original write route answers client errors, even malformed JSON, with its own body. */
export const COMPAT_CLIENT_ERROR_BODIES: ReadonlyMap<string, unknown> = new Map([
  ['/track_interaction', COMPAT_INVALID],
]);
