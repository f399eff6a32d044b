import { Injectable } from '@nestjs/common';
import { isResourceId } from '../validation/validation-rules';
import type { Resource } from '../resources/resource';
import { ResourcesService } from '../resources/resources.service';
import { TrackingService } from '../tracking/tracking.service';
import { COMPAT_CACHED, COMPAT_INVALID, COMPAT_NOT_FOUND } from './compat-responses';
import type { CompatResponse } from './compat-responses';

/** A lookup on the original read route: the body to send, and the resource when there was one. */
export interface CompatLookup {
  body: CompatResponse;
  resource?: Resource;
}

/**
 * The original service's two operations, on top of the same cache and tracker
 * as the REST API. It answers bad input with a failure body and status 200,
 * as the original did, instead of a 400.
 */
@Injectable()
export class CompatService {
  constructor(
    private readonly resources: ResourcesService,
    private readonly tracking: TrackingService,
  ) {}

  async getCachedResource(id: unknown): Promise<CompatLookup> {
    if (!isResourceId(id)) return { body: COMPAT_NOT_FOUND };
    const resource = await this.resources.find(id);
    return resource
      ? { body: { status: 'success', data: resource.data }, resource }
      : { body: COMPAT_NOT_FOUND };
  }

  /** Caches `data` under `id` for the default TTL and records a `view`. */
  async trackInteraction(body: unknown): Promise<CompatResponse> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return COMPAT_INVALID;
    const { id, data } = body as Record<string, unknown>;
    // Unlike the original, falsy but valid data (0, false, "", [], {}) is accepted.
    if (!isResourceId(id) || data === undefined || data === null) return COMPAT_INVALID;
    await this.tracking.record({ resourceId: id, data });
    return COMPAT_CACHED;
  }
}
