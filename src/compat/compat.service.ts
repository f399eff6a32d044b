import { Injectable } from '@nestjs/common';
import { isResourceId } from '../validation/validation-rules';
import type { Resource } from '../resources/resource';
import { ResourcesService } from '../resources/resources.service';
import { TrackingService } from '../tracking/tracking.service';
import { SEED_CACHED, SEED_INVALID, SEED_NOT_FOUND } from './compat-responses';
import type { SeedResponse } from './compat-responses';

/** A seed lookup: the body to send, and the resource when there was one. */
export interface SeedLookup {
  body: SeedResponse;
  resource?: Resource;
}

/**
 * The original service's two operations, on top of the same cache and tracker
 * as the REST API. It answers bad input with a failure body and status 200,
 * as the original did, instead of a 400.
 */
@Injectable()
export class SeedService {
  constructor(
    private readonly resources: ResourcesService,
    private readonly tracking: TrackingService,
  ) {}

  async getCachedResource(id: unknown): Promise<SeedLookup> {
    if (!isResourceId(id)) return { body: SEED_NOT_FOUND };
    const resource = await this.resources.find(id);
    return resource
      ? { body: { status: 'success', data: resource.data }, resource }
      : { body: SEED_NOT_FOUND };
  }

  /** Caches `data` under `id` for the default TTL and records a `view`. */
  async trackInteraction(body: unknown): Promise<SeedResponse> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return SEED_INVALID;
    const { id, data } = body as Record<string, unknown>;
    // Unlike the original, falsy but valid data (0, false, "", [], {}) is accepted.
    if (!isResourceId(id) || data === undefined || data === null) return SEED_INVALID;
    await this.tracking.record({ resourceId: id, data });
    return SEED_CACHED;
  }
}
