import { HttpStatus } from '@nestjs/common';
import type { RequestHeaders } from './conditional-request';
import { setStatus } from '../http/adapter-neutral';
import { toResourceResponse } from './dto/resource-response.dto';
import type { ResourceResponseDto } from './dto/resource-response.dto';
import type { HttpCacheHeaders, ReadOutcome } from './http-cache-headers';
import { resourceNotFound } from './resources.service';
import type { ResourceRead, ResourcesService } from './resources.service';

/**
 * The answer to a read of `id`, as `GET /resources/{id}` and `GET /fetch`
 * give it: the resource (or 304), fetched from its origin on a miss when the
 * id is a URL on ORIGINS; a 404 on any other miss.
 */
export async function answerRead(
  resources: ResourcesService,
  httpCache: HttpCacheHeaders,
  id: string,
  headers: RequestHeaders,
  response: unknown,
): Promise<ResourceResponseDto | undefined> {
  const { resource, fetched, refreshed, stale, originError } = await resources.read(id);
  if (!resource) {
    httpCache.miss(response);
    throw resourceNotFound(id);
  }
  if (originError) {
    httpCache.originError(response, resource, fetched);
    throw originError;
  }
  if (fetched === 'passed') {
    httpCache.miss(response);
    return toResourceResponse(resource);
  }
  if (
    httpCache.hit(headers, response, resource, Date.now(), outcomeOf(fetched, refreshed, stale))
  ) {
    setStatus(response, HttpStatus.NOT_MODIFIED);
    return undefined;
  }
  return toResourceResponse(resource);
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
