import {
  BadRequestException,
  HttpException,
  Injectable,
  NotFoundException,
  PreconditionFailedException,
} from '@nestjs/common';
import { LapseConfigService } from '../config/lapse-config.service';
import { CacheService } from '../cache';
import type { CacheEntry, Precondition, PurgeSelector } from '../cache';
import { isResourceId } from '../validation/validation-rules';
import {
  ReadThroughService,
  freshUntil,
  isJsonType,
  originMetaOf,
} from '../origin/read-through.service';
import type { StaleReason } from '../origin/read-through.service';
import type { IdentifiedResourceWrite, Resource, ResourcePage, ResourceWrite } from './resource';

/** Result of {@link ResourcesService.put}. */
export interface PutResult {
  resource: Resource;
  /** False when a live entry was replaced. */
  created: boolean;
}

/** Which resources to list. */
export interface ResourceQuery {
  prefix?: string;
  tag?: string;
  limit: number;
  /** From a previous page's `nextCursor`. */
  cursor?: string;
}

/** What {@link ResourcesService.read} found, and where. */
export interface ResourceRead {
  /** `undefined`: a miss that was not fetched. */
  resource?: Resource;
  /** Fetched from its origin just now: `stored` when kept, `passed` when served once. */
  fetched?: 'stored' | 'passed';
  /** The fetch refreshed a stale entry: with a new answer, or a 304 that kept its body. */
  refreshed?: 'replaced' | 'revalidated';
  /** Served past its freshness, and why. */
  stale?: StaleReason;
  /**
   * Set when the origin answered other than 200 (a 404 may be cached): the
   * answer to give instead of the resource.
   */
  originError?: HttpException;
  /**
   * Set for a fetched body that is not JSON (text or bytes): its bytes and
   * type, for an answer that serves them as they came (`GET /fetch`).
   */
  raw?: RawBody;
}

/** An origin's body as it came. */
export interface RawBody {
  contentType: string;
  bytes: Buffer;
}

/** How a binary body appears in a resource's `data`: its type and its bytes in base64. */
export interface BinaryData {
  contentType: string;
  base64: string;
}

/** Stores resources in the cache for a time-to-live and serves them back until they expire. */
@Injectable()
export class ResourcesService {
  private readonly defaultTtlSeconds: number;

  constructor(
    private readonly cache: CacheService,
    config: LapseConfigService,
    private readonly readThrough: ReadThroughService,
  ) {
    this.defaultTtlSeconds = config.get('cache').defaultTtl;
  }

  /**
   * Caches `data` under `id`, replacing any entry; tags not given are cleared.
   * With a precondition (If-Match / If-None-Match), check and write are one
   * atomic step, and a failed check is a 412 that changes nothing.
   */
  async put(
    id: string,
    { data, ttl, tags }: ResourceWrite,
    precondition: Precondition = {},
  ): Promise<PutResult> {
    // One atomic step, with or without a precondition: `created` cannot race.
    const result = await this.cache.setIf(id, data, { ttlMs: this.ttlMs(ttl), tags }, precondition);
    if (!result.written) throw new PreconditionFailedException(preconditionFailed(id));
    return { resource: toResource(id, result.entry), created: result.created };
  }

  /** Caches many resources; the caller has validated every one before any is written. */
  async putMany(writes: readonly IdentifiedResourceWrite[]): Promise<Resource[]> {
    return Promise.all(
      writes.map(async ({ id, ...write }) => (await this.put(id, write)).resource),
    );
  }

  /** The resource under `id` (counted as a hit), or `undefined` (a miss). */
  async find(id: string): Promise<Resource | undefined> {
    const entry = await this.cache.get(id);
    return entry && toResource(id, entry);
  }

  /**
   * Reads as `GET /resources/{id}` does: like {@link find}, but an id that is
   * a URL on an allowed origin (ORIGINS) is fetched from it on a miss. An
   * origin that fails is a 502 or 504.
   */
  async read(id: string): Promise<ResourceRead> {
    if (!this.readThrough.enabled) return { resource: await this.find(id) };
    const read = await this.readThrough.read(id);
    if (read.source === 'none') return {};
    const resource = toResource(id, read.entry);
    const meta = originMetaOf(read.entry.value);
    // Only entries of an allowed origin's id are read as fetched ones.
    if (meta === undefined || this.readThrough.originUrl(id) === undefined) {
      return { resource };
    }
    const how: Omit<ResourceRead, 'resource'> =
      read.source === 'origin'
        ? { fetched: read.stored ? 'stored' : 'passed', refreshed: read.refreshed }
        : { stale: read.stale };
    // A fetched entry is kept past its freshness to be served stale: it is
    // served as expiring when its freshness ends.
    const fetchedResource = { ...resource, expiresAt: freshUntil(read.entry) };
    if (meta.status !== 200) {
      return {
        resource: fetchedResource,
        ...how,
        originError: originAnswered(meta.url, meta.status),
      };
    }
    const data = (read.entry.value as { data: unknown }).data;
    if (meta.encoding === 'base64' && typeof data === 'string') {
      const binary: BinaryData = { contentType: meta.contentType, base64: data };
      const raw: RawBody = { contentType: meta.contentType, bytes: Buffer.from(data, 'base64') };
      return { resource: { ...fetchedResource, data: binary }, ...how, raw };
    }
    if (typeof data === 'string' && !isJsonType(meta.contentType)) {
      // Text: a string in the resource, its UTF-8 bytes when served as it came.
      const raw: RawBody = { contentType: meta.contentType, bytes: Buffer.from(data, 'utf8') };
      return { resource: { ...fetchedResource, data }, ...how, raw };
    }
    return { resource: { ...fetchedResource, data }, ...how };
  }

  /** Like {@link find}, but a miss is a 404. */
  async get(id: string): Promise<Resource> {
    return (await this.find(id)) ?? notFound(id);
  }

  /** Several resources at once (each a hit or a miss), and the ids not found. */
  async getMany(ids: readonly string[]): Promise<{ found: Resource[]; missing: string[] }> {
    const unique = [...new Set(ids)];
    const entries = await this.cache.getMany(unique);
    const found: Resource[] = [];
    const missing: string[] = [];
    entries.forEach((entry, index) => {
      if (entry) found.push(toResource(unique[index], entry));
      else missing.push(unique[index]);
    });
    return { found, missing };
  }

  /** Gives the resource a new time-to-live from now, keeping its data. */
  async touch(id: string, ttl?: number): Promise<Resource> {
    const entry = await this.cache.touch(id, this.ttlMs(ttl));
    return entry ? toResource(id, entry) : notFound(id);
  }

  /** Removes the resource: 404 when there was none, 412 when the precondition fails. */
  async delete(id: string, precondition: Precondition = {}): Promise<void> {
    const outcome = await this.cache.delete(id, precondition);
    if (outcome === 'absent') notFound(id);
    if (outcome === 'precondition-failed') {
      throw new PreconditionFailedException(preconditionFailed(id));
    }
  }

  /** A page of live resources, in id order (UTF-8 byte order). */
  async list({ prefix, tag, limit, cursor }: ResourceQuery): Promise<ResourcePage> {
    const page = await this.cache.list({ prefix, tag, limit, after: decodeCursor(cursor) });
    return {
      items: page.entries.map(({ key, tags, expiresAt }) => ({ id: key, tags, expiresAt })),
      nextCursor: page.next === undefined ? undefined : encodeCursor(page.next),
    };
  }

  /** Deletes the live resources matching the selector (all when empty); resolves how many. */
  purge(selector: PurgeSelector): Promise<number> {
    return this.cache.purge(selector);
  }

  /** The default time-to-live, in seconds. */
  get defaultTtl(): number {
    return this.defaultTtlSeconds;
  }

  private ttlMs(ttlSeconds = this.defaultTtlSeconds): number {
    return ttlSeconds * 1000;
  }
}

function toResource(id: string, entry: CacheEntry): Resource {
  return {
    id,
    data: entry.value,
    tags: entry.tags,
    etag: entry.etag,
    createdAt: entry.storedAt,
    expiresAt: entry.expiresAt,
  };
}

/** The 404 of an absent or expired resource. */
export function resourceNotFound(id: string): NotFoundException {
  return new NotFoundException(`Resource ${JSON.stringify(id)} not found or expired`);
}

function notFound(id: string): never {
  throw resourceNotFound(id);
}

/** The answer passed on when an origin answers `status` (not 200) for `url`. */
export function originAnswered(url: string, status: number): HttpException {
  return new HttpException(`Origin answered ${status} for ${JSON.stringify(url)}`, status);
}

/** The message of a 412: a precondition on `id` failed. */
export function preconditionFailed(id: string): string {
  return `Precondition failed for resource ${JSON.stringify(id)}: it changed, exists or is absent`;
}

/** Cursors are the last id of a page, base64url-encoded so they survive any query string. */
function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!isResourceId(id) || encodeCursor(id) !== cursor) {
    throw new BadRequestException(['cursor is not one this service gave out']);
  }
  return id;
}
