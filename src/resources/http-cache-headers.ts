import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import fresh from 'fresh';
import type { RequestHeaders } from './conditional-request';
import { httpDate } from '../common/dates';
import { setHeaders } from '../http/adapter-neutral';
import type { LapseConfig } from '../config/lapse.config';
import type { Resource } from './resource';

/**
 * HTTP caching headers for cached resources (RFC 9111 / RFC 9110): validators
 * (ETag, Last-Modified), freshness (Cache-Control max-age, Expires, Age) and
 * X-Cache, plus the conditional GET check that turns a request for an
 * unchanged resource into a 304.
 */
@Injectable()
export class HttpCacheHeaders {
  private readonly scope: 'public' | 'private';

  constructor(config: ConfigService<LapseConfig, true>) {
    this.scope = config.get('http', { infer: true }).cacheControlScope;
  }

  /**
   * Sets the headers of a hit; resolves true when the client's copy is still
   * good (If-None-Match, else If-Modified-Since), so the answer is a 304.
   */
  hit(request: RequestHeaders, response: unknown, resource: Resource, now = Date.now()): boolean {
    const etag = resource.etag;
    const lastModified = httpDate(resource.createdAt);
    setHeaders(response, {
      ETag: etag,
      'Last-Modified': lastModified,
      // Rounded down, so a client never keeps a copy past the entry's expiry.
      'Cache-Control': `${this.scope}, max-age=${Math.max(0, Math.floor((resource.expiresAt - now) / 1000))}`,
      Expires: httpDate(resource.expiresAt),
      Age: String(Math.max(0, Math.floor((now - resource.createdAt) / 1000))),
      'X-Cache': 'HIT',
    });
    const ifNoneMatch = request['if-none-match'];
    const ifModifiedSince = request['if-modified-since'];
    // Most reads are not conditional: nothing to compare.
    if (ifNoneMatch === undefined && ifModifiedSince === undefined) return false;
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
    setHeaders(response, { 'Cache-Control': 'no-store', 'X-Cache': 'MISS' });
  }

  /** Sets the validators of a resource just written. */
  written(response: unknown, resource: Resource): void {
    setHeaders(response, this.validators(resource));
  }

  private validators(resource: Resource): { ETag: string; 'Last-Modified': string } {
    return { ETag: resource.etag, 'Last-Modified': httpDate(resource.createdAt) };
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
