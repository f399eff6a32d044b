import { LRUCache } from 'lru-cache';

/** How many formatted times each formatter keeps (the least recently used goes first). */
const KEPT = 10_000;

/**
 * A formatter of epoch-millisecond times that keeps what it formatted: the
 * times formatted are those of cached entries (written at, expires at), read
 * again on every hit, and `Date` formatting is a visible share of a hit.
 */
export function keptFormat(format: (date: Date) => string): (ms: number) => string {
  // Not a Map that drops its first key when full: a Map's iterator walks over
  // the slots of deleted keys, so with many distinct times (a million entries
  // read at random) finding that first key costs ~10 µs per call.
  const kept = new LRUCache<number, string>({ max: KEPT });
  return (ms) => {
    let text = kept.get(ms);
    if (text === undefined) {
      text = format(new Date(ms));
      kept.set(ms, text);
    }
    return text;
  };
}

/** An HTTP date (RFC 9110 IMF-fixdate), e.g. `Tue, 01 Dec 2026 10:00:00 GMT`. */
export const httpDate = keptFormat((date) => date.toUTCString());

/** An ISO 8601 time, e.g. `2026-12-01T10:00:00.000Z`. */
export const isoDate = keptFormat((date) => date.toISOString());
