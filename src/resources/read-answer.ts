import { HttpStatus } from '@nestjs/common';
import type { RequestHeaders } from './conditional-request';
import { setStatus } from '../http/adapter-neutral';
import { toResourceResponse } from './dto/resource-response.dto';
import type { ResourceResponseDto } from './dto/resource-response.dto';
import type { HttpCacheHeaders } from './http-cache-headers';
import { resourceNotFound } from './resources.service';
import type { ResourcesService } from './resources.service';

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
  const { resource, fetched, originError } = await resources.read(id);
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
  if (httpCache.hit(headers, response, resource, Date.now(), fetched === 'stored')) {
    setStatus(response, HttpStatus.NOT_MODIFIED);
    return undefined;
  }
  return toResourceResponse(resource);
}
