import { HttpStatus, StreamableFile } from '@nestjs/common';
import type { RequestHeaders } from './conditional-request';
import { setHeaders, setStatus } from '../http/adapter-neutral';
import { toResourceResponse } from './dto/resource-response.dto';
import type { ResourceResponseDto } from './dto/resource-response.dto';
import type { HttpCacheHeaders, ReadOutcome } from './http-cache-headers';
import { resourceNotFound } from './resources.service';
import type { RawBody, ResourceRead, ResourcesService } from './resources.service';

/** How a read is answered. */
export interface ReadAnswerOptions {
  /**
   * Serve a fetched body that is not JSON (text or bytes) as it came, with
   * the origin's Content-Type, rather than in the resource envelope (`GET /fetch`).
   */
  rawBody?: boolean;
}

/**
 * The answer to a read of `id`, as `GET /resources/{id}` and `GET /fetch`
 * give it: the resource (or 304), fetched from its origin on a miss when the
 * id is a URL on ORIGINS; a 404 on any other miss. With `rawBody`, a fetched
 * text or binary body is the answer itself, with the same caching headers and 304s.
 */
export function answerRead(
  resources: ResourcesService,
  httpCache: HttpCacheHeaders,
  id: string,
  headers: RequestHeaders,
  response: unknown,
): Promise<ResourceResponseDto | undefined>;
export function answerRead(
  resources: ResourcesService,
  httpCache: HttpCacheHeaders,
  id: string,
  headers: RequestHeaders,
  response: unknown,
  options: ReadAnswerOptions,
): Promise<ResourceResponseDto | StreamableFile | undefined>;
export async function answerRead(
  resources: ResourcesService,
  httpCache: HttpCacheHeaders,
  id: string,
  headers: RequestHeaders,
  response: unknown,
  { rawBody = false }: ReadAnswerOptions = {},
): Promise<ResourceResponseDto | StreamableFile | undefined> {
  const { resource, fetched, refreshed, stale, originError, raw } = await resources.read(id);
  if (!resource) {
    httpCache.miss(response);
    throw resourceNotFound(id);
  }
  if (originError) {
    httpCache.originError(response, resource, fetched);
    throw originError;
  }
  const body = (): ResourceResponseDto | StreamableFile =>
    rawBody && raw ? rawAnswer(raw, response) : toResourceResponse(resource);
  if (fetched === 'passed') {
    httpCache.miss(response);
    return body();
  }
  if (
    httpCache.hit(headers, response, resource, Date.now(), outcomeOf(fetched, refreshed, stale))
  ) {
    setStatus(response, HttpStatus.NOT_MODIFIED);
    return undefined;
  }
  return body();
}

/**
 * A policy for bytes served as they came: an origin's `image/svg+xml` (or any
 * type a browser renders) opened from Lapse's own address must not run
 * scripts or load anything there.
 */
const RAW_BODY_POLICY = "default-src 'none'; sandbox";

/** The bytes with their type and length; both adapters send a StreamableFile as is (HEAD: no body). */
function rawAnswer({ contentType, bytes }: RawBody, response: unknown): StreamableFile {
  setHeaders(response, {
    'Content-Security-Policy': RAW_BODY_POLICY,
    'X-Content-Type-Options': 'nosniff',
  });
  return new StreamableFile(bytes, { type: contentType, length: bytes.length });
}

/** How a served read came about, as its headers tell it. */
function outcomeOf(
  fetched: ResourceRead['fetched'],
  refreshed: ResourceRead['refreshed'],
  stale: ResourceRead['stale'],
): ReadOutcome {
  if (stale) return stale === 'origin-error' ? 'stale-error' : 'stale';
  if (fetched !== 'stored') return 'hit';
  return refreshed ?? 'stored';
}
