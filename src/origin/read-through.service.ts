import { BadGatewayException, Inject, Injectable, Logger } from '@nestjs/common';
import { LapseConfigService } from '../config/lapse-config.service';
import computeEtag from 'etag';
import { CacheService } from '../cache';
import type { CacheEntry } from '../cache';
import { FillLock } from './fill-lock';
import { OriginCounters } from './origin-counters';
import { OriginFetcher } from './origin-fetcher';
import type { OriginConditions, OriginResponse } from './origin-fetcher';
import {
  allowedOriginUrl,
  freshnessAt,
  hasFreshnessHeaders,
  keptSeconds,
  mayServeStaleOnError,
  originTtl,
} from './origin-policy';
import type { FreshnessHeaders, StaleWindows, TtlBounds } from './origin-policy';

/** The key under which a fetched entry's value keeps what the origin said. */
export const ORIGIN_KEY = 'lapse:origin';

/** What Lapse keeps of an origin's answer, next to its body. */
export interface OriginMeta {
  url: string;
  /** 200, or 404 for a negative entry. */
  status: number;
  contentType: string;
  /** `base64` when the body is binary (neither JSON nor text): `data` holds its bytes so. */
  encoding?: 'base64';
  /** The origin's validators, sent back when the entry is refreshed (a 304 keeps the body). */
  etag?: string;
  lastModified?: string;
  /**
   * Seconds the entry is kept past its freshness, to be served stale (the
   * longer of STALE_WHILE_REVALIDATE and STALE_IF_ERROR when it was stored):
   * its freshness ends that long before it expires, for every instance alike.
   * A duration rather than a date, so that an answer fetched again unchanged
   * keeps the entry's ETag. Absent: fresh until the entry expires.
   */
  staleFor?: number;
}

/**
 * The value of a fetched entry: the body as data (JSON parsed, text as a
 * string, other types as base64) and what the origin said of it.
 */
export interface OriginValue {
  [ORIGIN_KEY]: OriginMeta;
  data: unknown;
}

/** Why a stale entry was served. */
export type StaleReason =
  /** Within STALE_WHILE_REVALIDATE: a refresh runs in the background. */
  | 'revalidating'
  /** Within STALE_IF_ERROR: the refresh failed. */
  | 'origin-error';

/** What reading an id through to its origin gave. */
export type ReadThrough =
  /** The cache had it (a plain entry, or one fetched earlier), fresh unless `stale` says why not. */
  | { source: 'cache'; entry: CacheEntry; stale?: StaleReason }
  /**
   * Fetched just now; `stored` says whether it was kept. `refreshed`: in place
   * of a stale entry, with a new answer (`replaced`) or a 304 (`revalidated`).
   */
  | {
      source: 'origin';
      entry: CacheEntry;
      stored: boolean;
      refreshed?: 'replaced' | 'revalidated';
    }
  /** Not cached, and not an id on an allowed origin. */
  | { source: 'none' };

/** An origin request under way for one id. */
interface Flight {
  answer: Promise<ReadThrough>;
  /** A stale-while-revalidate refresh: readers serve the stale entry rather than wait. */
  background: boolean;
}

/**
 * Read-through: an id that is an absolute URL on an allowed origin (ORIGINS)
 * is fetched when the cache misses it, stored for the time the origin allows
 * (clamped by ORIGIN_MIN_TTL / ORIGIN_MAX_TTL), and served. Past that time a
 * fetched entry is stale: kept STALE_WHILE_REVALIDATE or STALE_IF_ERROR
 * seconds longer, served while it is refreshed or when its origin fails, and
 * refreshed conditionally (a 304 renews it without a new body). Concurrent
 * reads of one id in this process share one origin request, and the
 * {@link FillLock} makes it one across instances sharing Redis. With ORIGINS
 * unset this is a plain cache read.
 */
@Injectable()
export class ReadThroughService {
  private readonly logger = new Logger('ReadThrough');
  private readonly allowed: string[];
  private readonly bounds: TtlBounds;
  private readonly negativeTtl: number;
  private readonly windows: StaleWindows;
  /** Origin requests under way, by id: the reads of one id wait for the same one. */
  private readonly inFlight = new Map<string, Flight>();

  constructor(
    private readonly cache: CacheService,
    private readonly fetcher: OriginFetcher,
    config: LapseConfigService,
    private readonly counters: OriginCounters,
    @Inject(FillLock) private readonly fillLock: FillLock,
  ) {
    const { allowed, minTtl, maxTtl, negativeTtl, staleWhileRevalidate, staleIfError } =
      config.get('origin');
    this.allowed = allowed;
    this.bounds = { defaultTtl: config.get('cache').defaultTtl, minTtl, maxTtl };
    this.negativeTtl = negativeTtl;
    this.windows = { whileRevalidate: staleWhileRevalidate, ifError: staleIfError };
  }

  /** Whether ids can be fetched at all (ORIGINS is set). */
  get enabled(): boolean {
    return this.allowed.length > 0;
  }

  /** The URL `id` names when it is one Lapse may fetch, else `undefined`. */
  originUrl(id: string): URL | undefined {
    return allowedOriginUrl(id, this.allowed);
  }

  /**
   * The entry under `id` (counted as a hit or a miss); on a miss, for an id on
   * an allowed origin, the origin's answer. A stale fetched entry is served at
   * once within STALE_WHILE_REVALIDATE (refreshed in the background), else
   * refreshed first and served only if that fails within STALE_IF_ERROR.
   * Rejects with a 502 or 504 when the origin cannot be fetched from.
   */
  async read(id: string): Promise<ReadThrough> {
    const result = await this.lookUp(id);
    if (result.source === 'cache' && result.stale) this.counters.count('staleServed');
    return result;
  }

  private async lookUp(id: string): Promise<ReadThrough> {
    const url = this.originUrl(id);
    const flight = url && this.inFlight.get(id);
    // A background refresh is not waited for: the stale entry it refreshes is served meanwhile.
    if (flight && !flight.background) return this.join(flight);
    const entry = await this.cache.get(id);
    if (!url) return entry ? { source: 'cache', entry } : { source: 'none' };
    if (!entry) return this.joinOrStart(id, url);
    // A plain entry, written by a client, is served as written until it expires.
    if (originMetaOf(entry.value) === undefined) return { source: 'cache', entry };
    switch (freshnessAt(freshUntil(entry), this.windows, Date.now())) {
      case 'fresh':
        return { source: 'cache', entry };
      case 'stale-while-revalidate':
        if (!this.inFlight.has(id)) this.refreshInBackground(id, url, entry);
        return { source: 'cache', entry, stale: 'revalidating' };
      default:
        return this.joinOrStart(id, url, entry);
    }
  }

  private join(flight: Flight): Promise<ReadThrough> {
    this.counters.count('joined');
    return flight.answer;
  }

  private joinOrStart(id: string, url: URL, stale?: CacheEntry): Promise<ReadThrough> {
    const flight = this.inFlight.get(id);
    return flight ? this.join(flight) : this.startFlight(id, url, stale, false);
  }

  private refreshInBackground(id: string, url: URL, stale: CacheEntry): void {
    this.startFlight(id, url, stale, true).catch((error: unknown) => {
      this.logger.warn(
        `Background refresh of ${url.href} failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }

  private startFlight(
    id: string,
    url: URL,
    stale: CacheEntry | undefined,
    background: boolean,
  ): Promise<ReadThrough> {
    const answer = this.fillLock
      .fillOnce(
        id,
        () => this.fetchAndStore(id, url, stale),
        // What another instance's fill stored, when this one waited for it:
        // this read then joined an origin request under way, elsewhere.
        async (): Promise<ReadThrough | undefined> => {
          const entry = await this.cache.peek(id);
          if (!entry || Date.now() >= freshUntil(entry)) return undefined;
          this.counters.count('joined');
          return { source: 'cache', entry };
        },
      )
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, { answer, background });
    return answer;
  }

  /** Fetches `url` (revalidating `stale` when given) and stores what may be kept. */
  private async fetchAndStore(id: string, url: URL, stale?: CacheEntry): Promise<ReadThrough> {
    // A flight that ended between this request's read and now (here or on
    // another instance sharing the store) has stored a fresh answer: serve it
    // rather than asking the origin again.
    const stored = await this.cache.peek(id);
    if (stored && Date.now() < freshUntil(stored)) return { source: 'cache', entry: stored };
    let response: OriginResponse;
    let value: OriginValue | undefined;
    try {
      this.counters.count('fetches');
      response = await this.fetcher.fetch(url, stale && conditionsOf(stale));
      if (response.status === 304 && !stale) {
        throw new BadGatewayException(
          `Origin ${url.origin} answered 304 to a request without conditions`,
        );
      }
      if (response.status !== 304) value = toOriginValue(url, response);
    } catch (error) {
      this.counters.count('errors');
      if (stale && this.mayServeStale(stale)) {
        return { source: 'cache', entry: stale, stale: 'origin-error' };
      }
      throw error;
    }
    if (value === undefined) return this.revalidated(id, stale as CacheEntry, response);
    if (response.status >= 500) {
      this.counters.count('errors');
      if (stale && this.mayServeStale(stale)) {
        return { source: 'cache', entry: stale, stale: 'origin-error' };
      }
    }
    const refreshed = stale ? 'replaced' : undefined;
    const freshFor = this.ttlOf(response);
    if (freshFor === undefined) {
      // The origin's new answer is not to be kept: nor is the stale one it
      // replaces (an error stays an error, and leaves the stale entry be).
      if (stale && response.status < 500) await this.cache.delete(id, { ifMatch: [stale.etag] });
      return { source: 'origin', entry: unstoredEntry(value), stored: false, refreshed };
    }
    const entry = await this.keep(id, value, freshFor);
    return { source: 'origin', entry, stored: true, refreshed };
  }

  /** A 304: the stale entry's body stands, fresh again for the lifetime the 304 gives. */
  private async revalidated(
    id: string,
    stale: CacheEntry,
    response: OriginResponse,
  ): Promise<ReadThrough> {
    this.counters.count('revalidations');
    const value = stale.value as OriginValue;
    const meta = value[ORIGIN_KEY];
    const headers = freshnessHeadersOf(response);
    // Headers a 304 leaves out are the stored answer's (RFC 9111 §4.3.4),
    // so without its own lifetime the entry is fresh as long as before.
    const freshFor = hasFreshnessHeaders(headers)
      ? originTtl(headers, this.bounds)
      : Math.max(1, Math.round((freshUntil(stale) - stale.storedAt) / 1000));
    const renewed: OriginValue = {
      [ORIGIN_KEY]: originMeta(
        meta.url,
        meta.status,
        meta.contentType,
        meta.encoding,
        response.headers.etag ?? meta.etag,
        response.headers['last-modified'] ?? meta.lastModified,
      ),
      data: value.data,
    };
    if (freshFor === undefined) {
      await this.cache.delete(id, { ifMatch: [stale.etag] });
      return {
        source: 'origin',
        entry: unstoredEntry(renewed),
        stored: false,
        refreshed: 'revalidated',
      };
    }
    const entry = await this.keep(id, renewed, freshFor);
    return { source: 'origin', entry, stored: true, refreshed: 'revalidated' };
  }

  /**
   * Stores an answer fresh for `freshFor` seconds. A 200 is kept the longer
   * stale window beyond, to be served stale; a 404 is not.
   */
  private keep(id: string, value: OriginValue, freshFor: number): Promise<CacheEntry> {
    const meta = value[ORIGIN_KEY];
    const kept = meta.status === 200 ? keptSeconds(freshFor, this.windows) : freshFor;
    const staleFor = kept - freshFor;
    const stored: OriginValue =
      staleFor > 0 ? { [ORIGIN_KEY]: { ...meta, staleFor }, data: value.data } : value;
    return this.cache.set(id, stored, { ttlMs: kept * 1000 });
  }

  private mayServeStale(stale: CacheEntry): boolean {
    return mayServeStaleOnError(freshUntil(stale), this.windows, Date.now());
  }

  /** Seconds to keep an answer, or `undefined`: not kept. */
  private ttlOf(response: OriginResponse): number | undefined {
    if (response.status === 404) return this.negativeTtl > 0 ? this.negativeTtl : undefined;
    if (response.status !== 200) return undefined;
    return originTtl(freshnessHeadersOf(response), this.bounds);
  }
}

/**
 * When a stored entry stops being fresh (epoch ms): for a fetched entry kept
 * to be served stale, `staleFor` before it expires; for any other, its expiry.
 */
export function freshUntil(entry: CacheEntry): number {
  return entry.expiresAt - (originMetaOf(entry.value)?.staleFor ?? 0) * 1000;
}

/** The origin's meta data of a fetched entry's value, if it is one. */
export function originMetaOf(value: unknown): OriginMeta | undefined {
  return typeof value === 'object' && value !== null && ORIGIN_KEY in value
    ? (value as OriginValue)[ORIGIN_KEY]
    : undefined;
}

/** JSON types: `application/json` and any `+json` suffix. */
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;

/** Whether a fetched body of `contentType` is kept as JSON data (else as text or bytes). */
export function isJsonType(contentType: string): boolean {
  return JSON_TYPE.test(contentType.split(';')[0].trim());
}
/** Types kept as text: `text/*` and the textual application types. */
const TEXT_TYPE =
  /^(text\/[\w.+-]+|application\/([\w.-]+\+)?xml|application\/(javascript|x-www-form-urlencoded))$/i;

function toOriginValue(url: URL, { status, headers, body }: OriginResponse): OriginValue {
  const contentType = headers['content-type'] ?? 'application/octet-stream';
  // Only a 200's body is served; of other answers Lapse keeps the status.
  const read = status === 200 ? bodyData(url, contentType, body) : { data: null };
  const meta = originMeta(
    url.href,
    status,
    contentType,
    read.encoding,
    headers.etag,
    headers['last-modified'],
  );
  return { [ORIGIN_KEY]: meta, data: read.data };
}

/**
 * The meta data of an answer, its fields always in the same order: an entry's
 * ETag is derived from its value as serialised, so an unchanged answer keeps it.
 */
function originMeta(
  url: string,
  status: number,
  contentType: string,
  encoding: 'base64' | undefined,
  etag: string | undefined,
  lastModified: string | undefined,
): OriginMeta {
  return {
    url,
    status,
    contentType,
    ...(encoding === undefined ? {} : { encoding }),
    ...(etag === undefined ? {} : { etag }),
    ...(lastModified === undefined ? {} : { lastModified }),
  };
}

function freshnessHeadersOf({ headers }: OriginResponse): FreshnessHeaders {
  return { cacheControl: headers['cache-control'], expires: headers.expires, date: headers.date };
}

/** The validators a stale entry's origin gave, to revalidate it with; none: a plain refetch. */
function conditionsOf(stale: CacheEntry): OriginConditions | undefined {
  const meta = originMetaOf(stale.value);
  if (meta?.etag === undefined && meta?.lastModified === undefined) return undefined;
  return {
    ...(meta.etag === undefined ? {} : { 'if-none-match': meta.etag }),
    ...(meta.lastModified === undefined ? {} : { 'if-modified-since': meta.lastModified }),
  };
}

/**
 * The body as data: JSON parsed, text as a string (UTF-8), any other type as
 * its bytes in base64, which a JSON value (and Redis) keeps intact.
 */
function bodyData(
  url: URL,
  contentType: string,
  body: Buffer,
): { data: unknown; encoding?: 'base64' } {
  const type = contentType.split(';')[0].trim();
  if (JSON_TYPE.test(type)) {
    try {
      return { data: JSON.parse(body.toString('utf8')) as unknown };
    } catch {
      throw new BadGatewayException(`Origin ${url.origin} answered invalid JSON`);
    }
  }
  if (TEXT_TYPE.test(type)) return { data: body.toString('utf8') };
  return { data: body.toString('base64'), encoding: 'base64' };
}

/** An entry for an answer served once and not kept: already expired. */
function unstoredEntry(value: OriginValue): CacheEntry {
  const now = Date.now();
  return {
    value,
    tags: [],
    etag: computeEtag(JSON.stringify(value)),
    storedAt: now,
    expiresAt: now,
  };
}
