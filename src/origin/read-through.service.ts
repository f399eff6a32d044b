import { BadGatewayException, Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import computeEtag from 'etag';
import { CacheService } from '../cache';
import type { CacheEntry } from '../cache';
import type { LapseConfig } from '../config/lapse.config';
import { FillLock } from './fill-lock';
import { OriginFetcher } from './origin-fetcher';
import type { OriginResponse } from './origin-fetcher';
import { allowedOriginUrl, originTtl } from './origin-policy';
import type { TtlBounds } from './origin-policy';

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
  /** The origin's validators, for revalidating later. */
  etag?: string;
  lastModified?: string;
}

/**
 * The value of a fetched entry: the body as data (JSON parsed, text as a
 * string, other types as base64) and what the origin said of it.
 */
export interface OriginValue {
  [ORIGIN_KEY]: OriginMeta;
  data: unknown;
}

/** What reading an id through to its origin gave. */
export type ReadThrough =
  /** The cache had it (a plain entry, or one fetched earlier). */
  | { source: 'cache'; entry: CacheEntry }
  /** Fetched just now; `stored` says whether it was kept. */
  | { source: 'origin'; entry: CacheEntry; stored: boolean }
  /** Not cached, and not an id on an allowed origin. */
  | { source: 'none' };

/**
 * Read-through: an id that is an absolute URL on an allowed origin (ORIGINS)
 * is fetched when the cache misses it, stored for the time the origin allows
 * (clamped by ORIGIN_MIN_TTL / ORIGIN_MAX_TTL), and served. Concurrent misses
 * of one id in this process share one origin request, and the {@link FillLock}
 * makes it one across instances sharing Redis. With ORIGINS unset this is a
 * plain cache read.
 */
@Injectable()
export class ReadThroughService {
  private readonly allowed: string[];
  private readonly bounds: TtlBounds;
  private readonly negativeTtl: number;
  /** Origin requests under way, by id: the misses of one id wait for the same one. */
  private readonly inFlight = new Map<string, Promise<ReadThrough>>();

  constructor(
    private readonly cache: CacheService,
    private readonly fetcher: OriginFetcher,
    config: ConfigService<LapseConfig, true>,
    @Inject(FillLock) private readonly fillLock: FillLock,
  ) {
    const { allowed, minTtl, maxTtl, negativeTtl } = config.get('origin', { infer: true });
    this.allowed = allowed;
    this.bounds = { defaultTtl: config.get('cache', { infer: true }).defaultTtl, minTtl, maxTtl };
    this.negativeTtl = negativeTtl;
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
   * an allowed origin, the origin's answer. Rejects with a 502 or 504 when the
   * origin cannot be fetched from.
   */
  async read(id: string): Promise<ReadThrough> {
    const url = this.originUrl(id);
    const joined = url && this.inFlight.get(id);
    if (joined) return joined;
    const entry = await this.cache.get(id);
    if (entry) return { source: 'cache', entry };
    if (!url) return { source: 'none' };
    const flight = this.inFlight.get(id) ?? this.startFlight(id, url);
    return flight;
  }

  private startFlight(id: string, url: URL): Promise<ReadThrough> {
    const flight = this.fillLock
      .fillOnce(
        id,
        () => this.fetchAndStore(id, url),
        // What another instance's fill stored, when this one waited for it.
        async (): Promise<ReadThrough | undefined> => {
          const entry = await this.cache.peek(id);
          return entry && { source: 'cache', entry };
        },
      )
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, flight);
    return flight;
  }

  private async fetchAndStore(id: string, url: URL): Promise<ReadThrough> {
    // A flight that ended between this request's miss and now has stored its
    // answer: read it rather than asking the origin again.
    const stored = await this.cache.peek(id);
    if (stored) return { source: 'cache', entry: stored };
    const response = await this.fetcher.fetch(url);
    const value = toOriginValue(url, response);
    const ttl = this.ttlOf(response);
    if (ttl === undefined) return { source: 'origin', entry: unstoredEntry(value), stored: false };
    const entry = await this.cache.set(id, value, { ttlMs: ttl * 1000 });
    return { source: 'origin', entry, stored: true };
  }

  /** Seconds to keep an answer, or `undefined`: not kept. */
  private ttlOf({ status, headers }: OriginResponse): number | undefined {
    if (status === 404) return this.negativeTtl > 0 ? this.negativeTtl : undefined;
    if (status !== 200) return undefined;
    return originTtl(
      { cacheControl: headers['cache-control'], expires: headers.expires, date: headers.date },
      this.bounds,
    );
  }
}

/** The origin's meta data of a fetched entry's value, if it is one. */
export function originMetaOf(value: unknown): OriginMeta | undefined {
  return typeof value === 'object' && value !== null && ORIGIN_KEY in value
    ? (value as OriginValue)[ORIGIN_KEY]
    : undefined;
}

/** JSON types: `application/json` and any `+json` suffix. */
const JSON_TYPE = /^application\/([\w.-]+\+)?json$/i;
/** Types kept as text: `text/*` and the textual application types. */
const TEXT_TYPE =
  /^(text\/[\w.+-]+|application\/([\w.-]+\+)?xml|application\/(javascript|x-www-form-urlencoded))$/i;

function toOriginValue(url: URL, { status, headers, body }: OriginResponse): OriginValue {
  const contentType = headers['content-type'] ?? 'application/octet-stream';
  // Only a 200's body is served; of other answers Lapse keeps the status.
  const read = status === 200 ? bodyData(url, contentType, body) : { data: null };
  const meta: OriginMeta = {
    url: url.href,
    status,
    contentType,
    ...(read.encoding === undefined ? {} : { encoding: read.encoding }),
    ...(headers.etag === undefined ? {} : { etag: headers.etag }),
    ...(headers['last-modified'] === undefined ? {} : { lastModified: headers['last-modified'] }),
  };
  return { [ORIGIN_KEY]: meta, data: read.data };
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
