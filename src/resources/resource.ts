/** A cached resource as the service hands it out. Times are epoch milliseconds. */
export interface Resource {
  id: string;
  data: unknown;
  tags: string[];
  /** Strong entity tag of `data`. */
  etag: string;
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

/** A write of one resource among many. */
export interface IdentifiedResourceWrite extends ResourceWrite {
  id: string;
}

/** A resource as listed: without its data. */
export interface ResourceSummary {
  id: string;
  tags: string[];
  expiresAt: number;
}

/** A page of listed resources and the cursor of the next one. */
export interface ResourcePage {
  items: ResourceSummary[];
  /** Opaque; absent on the last page. */
  nextCursor?: string;
}
