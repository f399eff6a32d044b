import { Injectable, Logger } from '@nestjs/common';
import type { OnModuleInit } from '@nestjs/common';
import { LapseConfigService } from '../config/lapse-config.service';
import fresh from 'fresh';
import type { RequestHeaders } from './conditional-request';
import { httpDate } from '../common/dates';
import { setHeaders } from '../http/adapter-neutral';
import type { Resource } from './resource';

/** The name Lapse gives itself in `Cache-Status` (RFC 9211). */
const CACHE_NAME = 'Lapse';
/** `Cache-Status` of an answer fetched from its origin and stored (read-through). */
const STORED_STATUS = `${CACHE_NAME}; fwd=miss; stored`;
/** `Cache-Status` of a miss. */
const MISS_STATUS = `${CACHE_NAME}; fwd=miss`;
/** `Cache-Status` of a hit on an entry with `secondsLeft` to live. */
const hitStatus = (secondsLeft: number): string => `${CACHE_NAME}; hit; ttl=${secondsLeft}`;
/**
 * `Cache-Status` of a stale entry served (read-through): `ttl` is negative, the
 * seconds since its freshness ended (RFC 9211); `detail` says when the origin failed.
 */
const staleStatus = (secondsLeft: number, originFailed: boolean): string =>
  `${CACHE_NAME}; hit; fwd=stale; ttl=${secondsLeft}` +
  (originFailed ? '; detail=origin-error' : '');

/**
 * How the answer of a read came about, for `Cache-Status` and `X-Cache`:
 * - `hit`: a fresh entry;
 * - `stored`: fetched from its origin on a miss and stored;
 * - `replaced`: a stale entry fetched again, the new answer stored;
 * - `revalidated`: a stale entry the origin confirmed with a 304, renewed;
 * - `stale`: a stale entry served while it is refreshed in the background;
 * - `stale-error`: a stale entry served because its origin failed.
 */
export type ReadOutcome = 'hit' | 'stored' | 'replaced' | 'revalidated' | 'stale' | 'stale-error';

const FETCHED_STATUS: Partial<Record<ReadOutcome, string>> = {
  stored: STORED_STATUS,
  replaced: `${CACHE_NAME}; fwd=stale; stored`,
  revalidated: `${CACHE_NAME}; fwd=stale; fwd-status=304; stored`,
};

/** Whole seconds before `expiresAt`, rounded down, so no cache keeps a copy past it. */
const wholeSecondsLeft = (expiresAt: number, now: number): number =>
  Math.max(0, Math.floor((expiresAt - now) / 1000));

/**
 * HTTP caching headers for cached resources (RFC 9111 / RFC 9110): validators
 * (ETag, Last-Modified), freshness (Cache-Control max-age and s-maxage,
 * Expires), Cache-Status (RFC 9211), the entry's tags for CDNs that purge by
 * tag, plus the conditional GET check that turns a request for an unchanged
 * resource into a 304.
 *
 * Lapse is the origin of these answers, so it sends no `Age`: a cache
 * subtracts `Age` from `max-age`, and `max-age` already counts down to the
 * entry's expiry.
 */
@Injectable()
export class HttpCacheHeaders implements OnModuleInit {
  private readonly logger = new Logger('HttpCaching');
  private readonly scope: 'public' | 'private';
  /** Most seconds a shared cache may keep a public answer (`CACHE_SHARED_MAX_AGE`). */
  private readonly sharedMaxAge: number;
  private readonly xCache: boolean;
  private readonly publicScopeOverridden: boolean;

  constructor(config: LapseConfigService) {
    const { cacheControlScope, sharedMaxAge, xCacheHeader } = config.get('http');
    const { apiKeys, authReads } = config.get('security');
    // An answer fetched with a key must never be handed by a shared cache to a
    // client without one: no shared cache varies on Authorization or X-API-Key.
    const readsNeedKey = apiKeys.length > 0 && authReads;
    this.publicScopeOverridden = readsNeedKey && cacheControlScope === 'public';
    this.scope = readsNeedKey ? 'private' : cacheControlScope;
    this.sharedMaxAge = sharedMaxAge ?? Number.POSITIVE_INFINITY;
    this.xCache = xCacheHeader;
  }

  onModuleInit(): void {
    if (this.publicScopeOverridden) {
      this.logger.warn(
        'CACHE_CONTROL_SCOPE=public is ignored because reads need an API key (AUTH_READS=true): ' +
          'answers are sent private, so shared caches never serve a keyed answer to a client without a key',
      );
    }
  }

  /**
   * Sets the headers of a hit; resolves true when the client's copy is still
   * good (If-None-Match, else If-Modified-Since), so the answer is a 304.
   */
  hit(
    request: RequestHeaders,
    response: unknown,
    resource: Resource,
    now = Date.now(),
    /** How the answer came about (read-through); a plain hit by default. */
    outcome: ReadOutcome = 'hit',
  ): boolean {
    const stale = outcome === 'stale' || outcome === 'stale-error';
    const etag = resource.etag;
    const lastModified = httpDate(resource.createdAt);
    const secondsLeft = wholeSecondsLeft(resource.expiresAt, now);
    // Shared caches such as nginx count whole seconds and keep a copy fresh
    // through the last second of its lifetime (even with `s-maxage=0`, and after
    // a 304 whatever it says): ending that lifetime one whole second before the
    // entry's expiry second means no copy is served after it.
    const untilExpirySecond = Math.floor(resource.expiresAt / 1000) - Math.floor(now / 1000) - 1;
    const sharedSeconds =
      this.scope === 'public' ? Math.min(this.sharedMaxAge, untilExpirySecond) : 0;
    const headers: Record<string, string> = {
      ETag: etag,
      'Last-Modified': lastModified,
      // A stale answer: no shared cache keeps it, and no other cache uses
      // it again without asking (by then Lapse may have a fresh one).
      'Cache-Control': stale
        ? 'private, no-cache'
        : sharedSeconds >= 1
          ? `public, max-age=${secondsLeft}, s-maxage=${sharedSeconds}`
          : `private, max-age=${secondsLeft}`,
      Expires: httpDate(resource.expiresAt),
      'Cache-Status': stale
        ? staleStatus(Math.floor((resource.expiresAt - now) / 1000), outcome === 'stale-error')
        : (FETCHED_STATUS[outcome] ?? hitStatus(secondsLeft)),
    };
    if (this.xCache) headers['X-Cache'] = stale ? 'STALE' : outcome === 'hit' ? 'HIT' : 'MISS';
    if (resource.tags.length > 0) {
      const tags = resource.tags.map(headerSafeTag);
      headers['Cache-Tag'] = tags.join(',');
      headers['Surrogate-Key'] = tags.join(' ');
    }
    setHeaders(response, headers);
    const ifNoneMatch = request['if-none-match'];
    const ifModifiedSince = request['if-modified-since'];
    // Most reads are not conditional: nothing to compare.
    if (ifNoneMatch === undefined && ifModifiedSince === undefined) return false;
    // Too close to the expiry for a shared cache to keep its copy: a 304 would
    // make that copy fresh again (nginx does), so the answer goes out in full.
    // The request loses its conditions, or Express's `send` would make it a 304 itself.
    if (this.scope === 'public' && this.sharedMaxAge >= 1 && untilExpirySecond < 1) {
      delete request['if-none-match'];
      delete request['if-modified-since'];
      return false;
    }
    // `fresh` (jshttp, as used by Express) applies RFC 9110's rules: If-None-Match
    // with weak comparison wins over If-Modified-Since; `no-cache` forces a full answer.
    return fresh(
      {
        'if-none-match': single(ifNoneMatch),
        'if-modified-since': single(ifModifiedSince),
        'cache-control': single(request['cache-control']),
      },
      { etag, 'last-modified': lastModified },
    );
  }

  /** Sets the headers of a miss: nothing to keep. */
  miss(response: unknown): void {
    const headers: Record<string, string> = {
      'Cache-Control': 'no-store',
      'Cache-Status': MISS_STATUS,
    };
    if (this.xCache) headers['X-Cache'] = 'MISS';
    setHeaders(response, headers);
  }

  /**
   * Sets the headers of an origin's answer other than 200 (a 404 may be
   * cached): not to be kept by clients, and where it came from.
   */
  originError(response: unknown, resource: Resource, fetched?: 'stored' | 'passed'): void {
    setHeaders(response, {
      'Cache-Control': 'no-store',
      'Cache-Status':
        fetched === undefined
          ? hitStatus(wholeSecondsLeft(resource.expiresAt, Date.now()))
          : fetched === 'stored'
            ? STORED_STATUS
            : MISS_STATUS,
    });
  }

  /** Sets the validators of a resource just written or touched. */
  written(response: unknown, resource: Resource): void {
    setHeaders(response, { ETag: resource.etag, 'Last-Modified': httpDate(resource.createdAt) });
  }
}

/** A character a tag cannot keep as is in `Cache-Tag` or `Surrogate-Key`. */
const UNSAFE_TAG_CHARACTER = /[^\x21-\x24\x26-\x2b\x2d-\x7e]/gu;
const LONE_SURROGATE = /^[\ud800-\udfff]$/;

/**
 * A tag as it can go into `Cache-Tag` (comma-separated) and `Surrogate-Key`
 * (space-separated): unchanged when it is printable ASCII without `,`, `%` or
 * spaces (the usual case); otherwise every other character is percent-encoded as
 * UTF-8, so that no tag splits in two or breaks the header, and
 * `decodeURIComponent` gives the tag back (a lone surrogate comes back as U+FFFD).
 */
export function headerSafeTag(tag: string): string {
  return tag.replace(UNSAFE_TAG_CHARACTER, (char) =>
    encodeURIComponent(LONE_SURROGATE.test(char) ? '\ufffd' : char),
  );
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
