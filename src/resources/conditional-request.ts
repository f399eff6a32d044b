import type { Precondition } from '../cache/cache-entry';

/** Request headers as Nest hands them to `@Headers()`. */
export type RequestHeaders = Record<string, string | string[] | undefined>;

/**
 * Parses an If-Match / If-None-Match header: `*`, or the list of entity tags
 * (`"x"`, `W/"x"`) it holds. Absent or empty: `undefined`.
 */
export function parseEntityTags(header: string | string[] | undefined): string[] | '*' | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (text === undefined || text.trim() === '') return undefined;
  if (text.trim() === '*') return '*';
  return text.match(/(?:W\/)?"[^"]*"/g) ?? [];
}

/**
 * The precondition of a write or delete, from If-Match (strong comparison:
 * weak tags never match) and If-None-Match (weak comparison: `W/` ignored),
 * as RFC 9110 section 13.1 prescribes.
 */
export function preconditionOf(headers: RequestHeaders): Precondition {
  const ifMatch = parseEntityTags(headers['if-match']);
  const ifNoneMatch = parseEntityTags(headers['if-none-match']);
  return {
    ...(ifMatch !== undefined && {
      ifMatch: ifMatch === '*' ? '*' : ifMatch.filter((tag) => !tag.startsWith('W/')),
    }),
    ...(ifNoneMatch !== undefined && {
      ifNoneMatch: ifNoneMatch === '*' ? '*' : ifNoneMatch.map((tag) => tag.replace(/^W\//, '')),
    }),
  };
}
