/** What the cache holds for a resource, besides the times kept by the cache itself. */
export interface StoredResource {
  data: unknown;
  tags: string[];
}

/** A cached resource as the service hands it out. Times are epoch milliseconds. */
export interface Resource extends StoredResource {
  id: string;
  /** When the current data was written. */
  createdAt: number;
  expiresAt: number;
}

/** What a write asks for; omitted fields take their defaults. */
export interface ResourceWrite {
  data: unknown;
  /** Seconds; defaults to the configured CACHE_TTL. */
  ttl?: number;
  tags?: string[];
}
