import { Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CacheService } from '../cache';
import type { CacheEntry } from '../cache';
import type { LapseConfig } from '../config/lapse.config';
import type { Resource, ResourceWrite, StoredResource } from './resource';

/** Result of {@link ResourcesService.put}. */
export interface PutResult {
  resource: Resource;
  /** False when an unexpired entry was replaced. */
  created: boolean;
}

/** Stores resources in the cache for a time-to-live and serves them back until they expire. */
@Injectable()
export class ResourcesService {
  private readonly defaultTtlSeconds: number;

  constructor(
    private readonly cache: CacheService,
    config: ConfigService<LapseConfig, true>,
  ) {
    this.defaultTtlSeconds = config.get('cache', { infer: true }).defaultTtl;
  }

  /** Caches `data` under `id`, replacing any entry; tags not given are cleared. */
  async put(id: string, { data, ttl, tags = [] }: ResourceWrite): Promise<PutResult> {
    const created = (await this.cache.peek(id)) === undefined;
    const value: StoredResource = { data, tags: [...new Set(tags)] };
    const entry = await this.cache.set(id, value, this.ttlMs(ttl));
    return { resource: toResource(id, entry), created };
  }

  /** The resource under `id` (counted as a hit), or `undefined` (a miss). */
  async find(id: string): Promise<Resource | undefined> {
    const entry = await this.cache.get<StoredResource>(id);
    return entry && toResource(id, entry);
  }

  /** Like {@link find}, but a miss is a 404. */
  async get(id: string): Promise<Resource> {
    return (await this.find(id)) ?? notFound(id);
  }

  /** Gives the resource a new time-to-live from now, keeping its data. */
  async touch(id: string, ttl?: number): Promise<Resource> {
    const entry = await this.cache.touch<StoredResource>(id, this.ttlMs(ttl));
    return entry ? toResource(id, entry) : notFound(id);
  }

  /** Removes the resource; a 404 when there was none. */
  async delete(id: string): Promise<void> {
    if (!(await this.cache.delete(id))) notFound(id);
  }

  /** The default time-to-live, in seconds. */
  get defaultTtl(): number {
    return this.defaultTtlSeconds;
  }

  private ttlMs(ttlSeconds = this.defaultTtlSeconds): number {
    return ttlSeconds * 1000;
  }
}

function toResource(
  id: string,
  { value, storedAt, expiresAt }: CacheEntry<StoredResource>,
): Resource {
  return { id, data: value.data, tags: value.tags, createdAt: storedAt, expiresAt };
}

function notFound(id: string): never {
  throw new NotFoundException(`Resource ${JSON.stringify(id)} not found or expired`);
}
