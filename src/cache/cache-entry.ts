/** A cached value with its validator and the times that bound its life (epoch milliseconds). */
export interface CacheEntry<T = unknown> {
  value: T;
  /** Labels for finding and purging entries in groups. */
  tags: string[];
  /** Strong entity tag of the value (quoted): it changes whenever the value does. */
  etag: string;
  storedAt: number;
  expiresAt: number;
}

/**
 * Conditions on the current entry under which a write or delete may happen
 * (the meaning of HTTP's If-Match and If-None-Match). Entity tags are compared
 * as given: callers pass strong tags for `ifMatch` and tags stripped of `W/`
 * for `ifNoneMatch`.
 */
export interface Precondition {
  /** The entry must exist (`*`) or carry one of these tags. */
  ifMatch?: readonly string[] | '*';
  /** The entry must not exist (`*`) or must carry none of these tags. */
  ifNoneMatch?: readonly string[] | '*';
}

/** Whether `precondition` holds for an entry with `etag`, or for no entry (`undefined`). */
export function preconditionHolds(etag: string | undefined, precondition: Precondition): boolean {
  const { ifMatch, ifNoneMatch } = precondition;
  if (ifMatch !== undefined) {
    if (etag === undefined) return false;
    if (ifMatch !== '*' && !ifMatch.includes(etag)) return false;
  }
  if (ifNoneMatch !== undefined && etag !== undefined) {
    if (ifNoneMatch === '*' || ifNoneMatch.includes(etag)) return false;
  }
  return true;
}

/** What a conditional write did. */
export type WriteOutcome =
  { written: true; created: boolean } | { written: false; reason: 'precondition-failed' };

/** What a (conditional) delete did. */
export type DeleteOutcome = 'deleted' | 'absent' | 'precondition-failed';

/** Which entries to list: by id prefix, by tag, or both; paged by id. */
export interface ListQuery {
  prefix?: string;
  tag?: string;
  /** List ids after this one (the previous page's last). */
  after?: string;
  limit: number;
}

/** One listed entry. */
export interface ListedEntry {
  key: string;
  tags: string[];
  expiresAt: number;
}

/** A page of entries in id order (UTF-8 byte order), and where the next one starts. */
export interface ListPage {
  entries: ListedEntry[];
  /** The id to list after for the next page; absent on the last page. */
  next?: string;
}

/** Which entries to purge: by prefix, by tag, or both; neither means all of them. */
export interface PurgeSelector {
  prefix?: string;
  tag?: string;
}
