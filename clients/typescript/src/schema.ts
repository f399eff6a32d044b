/**
 * Generated from openapi.json by openapi-typescript: do not edit. Regenerate
 * with `npm run client` (after `npm run openapi` when the API changed);
 * `npm run client:check` fails when this file is stale.
 */

export interface paths {
  '/fetch': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Read a URL through the cache
     * @description The same as `GET /resources/{id}` with the URL as id, without
     *     percent-encoding it into the path: served from the cache, else fetched
     *     from its origin when it is on ORIGINS (read-through), else a 404. A
     *     fetched body that is not JSON (text, an image, a PDF) is served as it
     *     came, its bytes with the origin's Content-Type, rather than in the
     *     resource envelope.
     */
    get: operations['FetchController_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/get_cached_resource': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Read a cached resource (original route)
     * @description Answers the data cached for `id`, or a failure body when `id` is
     *     missing, absent or expired: status 200 either way. The HTTP caching
     *     headers are those of `GET /resources/{id}`, with a 304 to a conditional
     *     request for an unchanged resource.
     */
    get: operations['CompatController_getCachedResource'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Liveness probe
     * @description The process is up and serving HTTP: always 200, whatever the
     *     store does.
     */
    get: operations['HealthController_live'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health/ready': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Readiness probe
     * @description The store answers: 200, else 503 (e.g. while Redis is down or
     *     slower than REDIS_TIMEOUT_MS). On a Redis Cluster: 200 while one master
     *     answers, each master's state under `nodes`, and a message naming those down.
     */
    get: operations['HealthController_ready'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/interactions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List the most-interacted resources
     * @description The `limit` resources with the most interactions, highest total
     *     first: of all time, or with `since`, counting only the interactions since
     *     then.
     */
    get: operations['TrackingController_top'];
    put?: never;
    /**
     * Record an interaction
     * @description Counts one interaction of `type` (default `view`) with a resource
     *     and answers with the resource's total so far; with `data`, also caches the
     *     resource as `PUT /resources/{id}` would, for `ttl` seconds.
     */
    post: operations['TrackingController_record'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/interactions/{resourceId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Read a resource's interaction counts
     * @description The total, the count per type, and the first and latest
     *     interaction of one resource.
     */
    get: operations['TrackingController_summary'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/interactions/{resourceId}/series': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Read a resource's interactions over time
     * @description A resource's interactions per minute or hour (`interval`) from
     *     `from` to `to`, oldest first, with zeros where there were none (only zeros
     *     for a resource never tracked).
     */
    get: operations['TrackingController_series'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Prometheus metrics
     * @description Requests, cache, tracker, store and process metrics in
     *     Prometheus's text exposition format. Never rate-limited; needs a key when
     *     AUTH_READS is on.
     */
    get: operations['MetricsController_scrape'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/resources': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List resources
     * @description Lists live resources in id order, without their data, by id prefix
     *     and/or tag, a page at a time: the `nextCursor` of a page, sent as `cursor`,
     *     gives the next one.
     */
    get: operations['ResourcesController_list'];
    put?: never;
    post?: never;
    /**
     * Delete resources by id prefix or tag
     * @description Deletes the live resources whose id starts with `prefix` and/or
     *     that have `tag`, or all of them with `all=true`. One of the three is
     *     required: this never flushes the cache by accident.
     */
    delete: operations['ResourcesController_purge'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/resources/_mget': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Read many resources
     * @description Reads up to 1000 resources at once, each as `GET /resources/{id}`
     *     would (a hit or a miss): the live entries found, and the ids absent or
     *     expired. A read, although sent as POST: it needs a key only with
     *     AUTH_READS=true.
     */
    post: operations['ResourcesController_mget'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/resources/_mset': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Write many resources
     * @description Writes up to 1000 resources, each as `PUT /resources/{id}` would
     *     without preconditions. Every item is validated first: if any is invalid,
     *     the answer is a 400 and nothing is written.
     */
    post: operations['ResourcesController_mset'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/resources/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Read a resource
     * @description Serves a cached resource until it expires, with HTTP caching
     *     headers (`ETag`, `Last-Modified`, `Cache-Control`, `Expires`); answers 304
     *     to a conditional request for an unchanged one. `HEAD` answers the same
     *     without a body. With ORIGINS set, an id that is a URL on one of them is
     *     fetched from it on a miss (read-through).
     */
    get: operations['ResourcesController_get'];
    /**
     * Cache a resource
     * @description Caches JSON data under an id for `ttl` seconds (default CACHE_TTL),
     *     creating the entry (201) or replacing it (200). With `If-Match` or
     *     `If-None-Match: *`, the check and the write are one atomic step.
     */
    put: operations['ResourcesController_put'];
    post?: never;
    /**
     * Delete a resource
     * @description Removes a cached resource; with `If-Match`, only while it has one
     *     of those ETags.
     */
    delete: operations['ResourcesController_delete'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/resources/{id}/touch': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Extend a resource's life
     * @description Gives a live resource a new time-to-live from now (`ttl`, default
     *     CACHE_TTL), its data unchanged. Answers with the (unchanged) validators,
     *     as `GET` does.
     */
    post: operations['ResourcesController_touch'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/stats': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Read the counters
     * @description Cache hits and misses, writes, deletes, expiries, evictions, live
     *     entries and interactions, with the default TTL and the uptime; under
     *     `origin`, read-through's origin requests as this instance counted them.
     */
    get: operations['StatsController_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/stats/series': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Read the counters over time
     * @description Hits, misses, writes, deletes, expiries, evictions and
     *     interactions per minute or hour (`interval`) from `from` to `to`, oldest
     *     first, with zeros where there were none.
     */
    get: operations['StatsController_series'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/track_interaction': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Cache a resource and record a view (original route)
     * @description Caches `data` under `id` for the default TTL (CACHE_TTL) and
     *     records a `view` interaction. A missing or invalid `id` or `data` is a
     *     failure body with status 200; a body that cannot be read (malformed, too
     *     large, compressed) gets the same failure body with a 4xx status.
     */
    post: operations['CompatController_trackInteraction'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    ActivityPointDto: {
      /**
       * Format: date-time
       * @description Start of the bucket (ISO-8601).
       * @example 2026-11-27T08:01:00.000Z
       */
      t: string;
      /** @example 120 */
      hits: number;
      /** @example 8 */
      misses: number;
      /** @example 15 */
      sets: number;
      /** @example 1 */
      deletes: number;
      /** @example 4 */
      expired: number;
      /**
       * @description Evicted to make room. On Redis: Redis's server-wide count, filed under the bucket in which a sweep noticed it.
       * @example 0
       */
      evicted: number;
      /** @example 42 */
      interactions: number;
    };
    CompatCachedDto: {
      /**
       * @example success
       * @enum {string}
       */
      status: 'success';
      /** @example Resource cached successfully. */
      message: string;
    };
    CompatFailureDto: {
      /**
       * @example failure
       * @enum {string}
       */
      status: 'failure';
      /**
       * @description "Resource not found or expired." (reads) or "Invalid data provided." (writes).
       * @example Resource not found or expired.
       */
      message: string;
    };
    CompatFoundDto: {
      /**
       * @example success
       * @enum {string}
       */
      status: 'success';
      /**
       * @description The cached JSON value.
       * @example {
       *       "title": "Hello"
       *     }
       */
      data: components['schemas']['JsonValue'];
    };
    ErrorResponseDto: {
      /**
       * @description The HTTP status, repeated.
       * @example 404
       */
      statusCode: number;
      /**
       * @description What went wrong: one message, or a list of them (one per invalid field when validation fails).
       * @example Resource "greeting" not found or expired
       */
      message: string | string[];
      /**
       * @description The name of the HTTP status.
       * @example Not Found
       */
      error: string;
    };
    HealthResponseDto: {
      /**
       * @description `ok` (200) or `error` (503).
       * @enum {string}
       */
      status: 'ok' | 'error';
      /** @description The checks that are up. */
      info?: {
        [key: string]: {
          /** @enum {string} */
          status: 'up' | 'down';
          /** @description Why the check is down. */
          message?: string;
        };
      };
      /** @description The checks that are down. */
      error?: {
        [key: string]: {
          /** @enum {string} */
          status: 'up' | 'down';
          /** @description Why the check is down. */
          message?: string;
        };
      };
      /** @description Every check. */
      details: {
        [key: string]: {
          /** @enum {string} */
          status: 'up' | 'down';
          /** @description Why the check is down. */
          message?: string;
        };
      };
    };
    InteractionPointDto: {
      /**
       * Format: date-time
       * @description Start of the bucket (ISO-8601).
       * @example 2026-11-27T08:01:00.000Z
       */
      t: string;
      /** @example 3 */
      total: number;
      /**
       * @description Count per interaction type (types with none are left out).
       * @example {
       *       "view": 2,
       *       "share": 1
       *     }
       */
      byType: {
        [key: string]: number;
      };
    };
    InteractionResponseDto: {
      /**
       * @description All interactions of the resource so far.
       * @example 17
       */
      total: number;
      /** @example https://example.com/articles/42 */
      resourceId: string;
      /** @example view */
      type: string;
    };
    InteractionSeriesResponseDto: {
      /**
       * @example minute
       * @enum {string}
       */
      interval: 'minute' | 'hour';
      /**
       * Format: date-time
       * @description Start of the first bucket (ISO-8601).
       * @example 2026-11-27T07:02:00.000Z
       */
      from: string;
      /**
       * Format: date-time
       * @description End of the last bucket (ISO-8601, exclusive).
       * @example 2026-11-27T08:03:00.000Z
       */
      to: string;
      points: components['schemas']['InteractionPointDto'][];
      /** @example https://example.com/articles/42 */
      resourceId: string;
    };
    InteractionSummaryResponseDto: {
      /** @example 17 */
      total: number;
      /**
       * @description Count per interaction type.
       * @example {
       *       "view": 15,
       *       "share": 2
       *     }
       */
      byType: {
        [key: string]: number;
      };
      /**
       * Format: date-time
       * @description First interaction (ISO-8601).
       * @example 2026-11-26T12:00:00.000Z
       */
      firstAt: string;
      /**
       * Format: date-time
       * @description Latest interaction (ISO-8601).
       * @example 2026-11-26T12:04:00.000Z
       */
      lastAt: string;
      /** @example https://example.com/articles/42 */
      resourceId: string;
    };
    /**
     * @description Any JSON value but null: an object, an array, a string, a number or a boolean.
     * @example {
     *       "title": "Hello",
     *       "views": 3
     *     }
     */
    JsonValue: unknown;
    MgetResourcesDto: {
      /**
       * @description 1 to 1000 resource ids.
       * @example [
       *       "greeting",
       *       "https://example.com/a"
       *     ]
       */
      ids: string[];
    };
    MgetResponseDto: {
      /** @description The live entries found. */
      items: components['schemas']['ResourceResponseDto'][];
      /**
       * @description Ids absent or expired.
       * @example [
       *       "gone"
       *     ]
       */
      missing: string[];
    };
    MsetItemDto: {
      /**
       * @description Resource id: a key or a URL, 1 to 1024 characters, no control characters.
       * @example https://example.com/articles/42
       */
      id: string;
      /**
       * @description Any JSON value except null: object, array, string, number or boolean.
       * @example {
       *       "title": "Hello",
       *       "views": 3
       *     }
       */
      data: components['schemas']['JsonValue'];
      /**
       * @description Time-to-live in whole seconds; defaults to the server CACHE_TTL.
       * @example 300
       */
      ttl?: number;
      /**
       * @description Labels for grouping entries: at most 32, each 1 to 128 characters.
       * @example [
       *       "articles",
       *       "front-page"
       *     ]
       */
      tags?: string[];
    };
    MsetResourcesDto: {
      /**
       * @description 1 to 1000 items.
       * @example [
       *       {
       *         "id": "greeting",
       *         "data": {
       *           "text": "hello"
       *         },
       *         "ttl": 60,
       *         "tags": [
       *           "demo"
       *         ]
       *       },
       *       {
       *         "id": "https://example.com/a",
       *         "data": "<cached page>"
       *       }
       *     ]
       */
      items: components['schemas']['MsetItemDto'][];
    };
    MsetResponseDto: {
      /** @description The entries written, in order. */
      items: components['schemas']['ResourceResponseDto'][];
    };
    NearCacheStatsDto: {
      /**
       * @description Entries it holds.
       * @example 800
       */
      entries: number;
      /**
       * @description Reads it served without asking Redis (they are in `hits` too, once added to Redis's counters).
       * @example 25000
       */
      hits: number;
      /**
       * @description Invalidation messages heard from Redis: one per changed key, or a flush.
       * @example 310
       */
      invalidations: number;
      /**
       * @description Batches of its hits added to Redis's counters.
       * @example 95
       */
      flushes: number;
      /**
       * @description Whether this instance has a near cache (CACHE_STORE=redis and NEAR_CACHE_MAX_ENTRIES above 0).
       * @example true
       */
      enabled: boolean;
      /**
       * @description Whether it serves reads now: only while Redis's invalidation messages are heard.
       * @example true
       */
      active: boolean;
    };
    OriginStatsDto: {
      /**
       * @description Requests sent to origins, revalidations included.
       * @example 120
       */
      fetches: number;
      /**
       * @description Refreshes the origin answered 304: the stored body kept, its lifetime renewed.
       * @example 40
       */
      revalidations: number;
      /**
       * @description Answers served stale: while a refresh ran (STALE_WHILE_REVALIDATE) or because the origin failed (STALE_IF_ERROR).
       * @example 15
       */
      staleServed: number;
      /**
       * @description Origin requests that failed: unreachable, too slow, a 5xx or an unreadable answer.
       * @example 2
       */
      errors: number;
      /**
       * @description Reads that waited for an origin request already under way instead of making their own.
       * @example 300
       */
      joined: number;
    };
    PurgeResponseDto: {
      /**
       * @description How many live entries were deleted.
       * @example 12
       */
      deleted: number;
    };
    PutResourceDto: {
      /**
       * @description Any JSON value except null: object, array, string, number or boolean.
       * @example {
       *       "title": "Hello",
       *       "views": 3
       *     }
       */
      data: components['schemas']['JsonValue'];
      /**
       * @description Time-to-live in whole seconds; defaults to the server CACHE_TTL.
       * @example 300
       */
      ttl?: number;
      /**
       * @description Labels for grouping entries: at most 32, each 1 to 128 characters.
       * @example [
       *       "articles",
       *       "front-page"
       *     ]
       */
      tags?: string[];
    };
    ResourcePageDto: {
      items: components['schemas']['ResourceSummaryDto'][];
      /**
       * @description Pass as `cursor` for the next page; null on the last page.
       * @example aHR0cHM6Ly9leGFtcGxlLmNvbS9h
       */
      nextCursor: string | null;
    };
    ResourceResponseDto: {
      /**
       * @description The cached JSON value.
       * @example {
       *       "title": "Hello",
       *       "views": 3
       *     }
       */
      data: components['schemas']['JsonValue'];
      /**
       * Format: date-time
       * @description When the current data was written (ISO-8601).
       * @example 2026-11-26T12:00:00.000Z
       */
      createdAt: string;
      /**
       * Format: date-time
       * @description When the entry expires (ISO-8601).
       * @example 2026-11-26T12:05:00.000Z
       */
      expiresAt: string;
      /**
       * @description Whole seconds left before expiry, rounded up.
       * @example 300
       */
      ttl: number;
      /** @example https://example.com/articles/42 */
      id: string;
      /**
       * @example [
       *       "articles"
       *     ]
       */
      tags: string[];
    };
    ResourceSummaryDto: {
      /**
       * Format: date-time
       * @description When the entry expires (ISO-8601).
       * @example 2026-11-26T12:05:00.000Z
       */
      expiresAt: string;
      /**
       * @description Whole seconds left before expiry, rounded up.
       * @example 300
       */
      ttl: number;
      /** @example https://example.com/articles/42 */
      id: string;
      /**
       * @example [
       *       "articles"
       *     ]
       */
      tags: string[];
    };
    StatsResponseDto: {
      /**
       * @description Live entries.
       * @example 1250
       */
      entries: number;
      /**
       * @description Most entries before the least recently used is evicted (null: the store decides).
       * @example 100000
       */
      maxEntries: number | null;
      /**
       * @description Default time-to-live, in seconds.
       * @example 300
       */
      defaultTtl: number;
      /**
       * @description Reads that found a live entry (both APIs).
       * @example 900
       */
      hits: number;
      /**
       * @description Reads that found nothing, or an expired entry.
       * @example 100
       */
      misses: number;
      /**
       * @description Entries written.
       * @example 1400
       */
      sets: number;
      /**
       * @description Entries removed on request.
       * @example 20
       */
      deletes: number;
      /**
       * @description Entries reclaimed after their time-to-live ran out.
       * @example 130
       */
      expired: number;
      /**
       * @description Live entries evicted to stay within maxEntries.
       * @example 0
       */
      evicted: number;
      /**
       * @description Interactions recorded.
       * @example 5400
       */
      interactions: number;
      /**
       * @description Seconds since the service started.
       * @example 3600
       */
      uptimeSeconds: number;
      /**
       * @description Store backing the cache.
       * @example memory
       */
      store: string;
      /**
       * @description hits / (hits + misses); 0 before the first read.
       * @example 0.9
       */
      hitRatio: number;
      /** @description Read-through's origin requests, counted by this process (zeros with ORIGINS unset). */
      origin: components['schemas']['OriginStatsDto'];
      /** @description The near cache in front of Redis, counted by this process (zeros when off). */
      nearCache: components['schemas']['NearCacheStatsDto'];
    };
    StatsSeriesResponseDto: {
      /**
       * @example minute
       * @enum {string}
       */
      interval: 'minute' | 'hour';
      /**
       * Format: date-time
       * @description Start of the first bucket (ISO-8601).
       * @example 2026-11-27T07:02:00.000Z
       */
      from: string;
      /**
       * Format: date-time
       * @description End of the last bucket (ISO-8601, exclusive).
       * @example 2026-11-27T08:03:00.000Z
       */
      to: string;
      points: components['schemas']['ActivityPointDto'][];
    };
    TopResourceResponseDto: {
      /** @example 17 */
      total: number;
      /**
       * Format: date-time
       * @description Latest interaction (ISO-8601).
       * @example 2026-11-26T12:04:00.000Z
       */
      lastAt: string;
      /** @example https://example.com/articles/42 */
      resourceId: string;
    };
    TouchResourceDto: {
      /**
       * @description Time-to-live in whole seconds; defaults to the server CACHE_TTL.
       * @example 300
       */
      ttl?: number;
    };
    TrackInteractionDto: {
      /**
       * @description Resource id: a key or a URL, 1 to 1024 characters, no control characters.
       * @example https://example.com/articles/42
       */
      resourceId: string;
      /**
       * @description Kind of interaction; `view` when absent.
       * @example click
       */
      type?: string;
      /**
       * @description Any JSON value except null. When present, the resource is cached as PUT would.
       * @example {
       *       "title": "Hello"
       *     }
       */
      data?: components['schemas']['JsonValue'];
      /**
       * @description Time-to-live in whole seconds; defaults to the server CACHE_TTL.
       * @example 300
       */
      ttl?: number;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  FetchController_get: {
    parameters: {
      query: {
        /** @description Resource id: a key or a URL, 1 to 1024 characters, no control characters. */
        url: string;
      };
      header?: {
        'If-Modified-Since'?: string;
        /** @description ETags the client holds. */
        'If-None-Match'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The resource; for a fetched body that is not JSON (text or bytes), the body as it came, with the origin's Content-Type. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ResourceResponseDto'];
          'application/octet-stream': string;
          'text/plain': string;
        };
      };
      /** @description The client copy is still good. */
      304: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Invalid url. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "url must be a string of 1 to 1024 characters"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set and AUTH_READS=true, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description Not cached, and not on an allowed origin (or the origin answered 404). */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 404,
           *       "message": "Resource \"https://api.example.com/users/1\" not found or expired",
           *       "error": "Not Found"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description Read-through only: the origin could not be read (unreachable, a redirect off ORIGINS or more than 3 of them, too large, invalid JSON, or a host name resolving to an internal address). */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 502,
           *       "message": "Origin https://api.example.com redirected (302) to https://evil.example.com, which is not on ORIGINS",
           *       "error": "Bad Gateway"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description Read-through only: the origin did not answer within ORIGIN_TIMEOUT_MS (waiting for a free connection included), or did not accept a connection within ORIGIN_CONNECT_TIMEOUT_MS. */
      504: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 504,
           *       "message": "Origin https://api.example.com did not answer within 10000 ms",
           *       "error": "Gateway Timeout"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  CompatController_getCachedResource: {
    parameters: {
      query?: {
        /** @description The resource id; when missing or not a valid id, the answer is a failure. */
        id?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Success with the data, or failure when absent, expired or id missing. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            components['schemas']['CompatFoundDto'] | components['schemas']['CompatFailureDto'];
        };
      };
      /** @description The client copy is still good. */
      304: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description When API_KEYS is set and AUTH_READS=true, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  HealthController_live: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Alive. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "status": "ok",
           *       "info": {},
           *       "error": {},
           *       "details": {}
           *     }
           */
          'application/json': components['schemas']['HealthResponseDto'];
        };
      };
    };
  };
  HealthController_ready: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Ready to serve. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "status": "ok",
           *       "info": {
           *         "store": {
           *           "status": "up"
           *         }
           *       },
           *       "error": {},
           *       "details": {
           *         "store": {
           *           "status": "up"
           *         }
           *       }
           *     }
           */
          'application/json': components['schemas']['HealthResponseDto'];
        };
      };
      /** @description The store does not answer. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "status": "error",
           *       "info": {},
           *       "error": {
           *         "store": {
           *           "status": "down",
           *           "message": "Cache store unavailable"
           *         }
           *       },
           *       "details": {
           *         "store": {
           *           "status": "down",
           *           "message": "Cache store unavailable"
           *         }
           *       }
           *     }
           */
          'application/json': components['schemas']['HealthResponseDto'];
        };
      };
    };
  };
  TrackingController_top: {
    parameters: {
      query?: {
        /** @description How many resources to list. */
        limit?: number;
        /** @description Count only interactions since then: relative (`-15m`, `-1h`, `-24h`) or ISO-8601, from the start of its minute (hour, beyond the minute retention). Default: all time. */
        since?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TopResourceResponseDto'][];
        };
      };
      /** @description Invalid input; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "type must match /^[a-z0-9_.-]{1,64}$/ (e.g. view, click, share)"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set and AUTH_READS=true, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  TrackingController_record: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['TrackInteractionDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['InteractionResponseDto'];
        };
      };
      /** @description Invalid input; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "type must match /^[a-z0-9_.-]{1,64}$/ (e.g. view, click, share)"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description A type new to a resource that has TRACKING_MAX_TYPES types; nothing changed. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 409,
           *       "message": [
           *         "type \"like\" is new to this resource, which already has the most interaction types TRACKING_MAX_TYPES allows (32, one of them kept for \"view\"): record one of its types instead"
           *       ],
           *       "error": "Conflict"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The body is larger than BODY_LIMIT (1 MB by default); nothing changed. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 413,
           *       "message": "request entity too large",
           *       "error": "Payload Too Large"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The body is compressed (`Content-Encoding`) or not UTF-8 (`charset`); nothing changed. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 415,
           *       "message": "Content-Encoding \"gzip\" is not supported: send the body uncompressed",
           *       "error": "Unsupported Media Type"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  TrackingController_summary: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Resource id: a key or a URL, 1 to 1024 characters, no control characters. */
        resourceId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['InteractionSummaryResponseDto'];
        };
      };
      /** @description Invalid input; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "type must match /^[a-z0-9_.-]{1,64}$/ (e.g. view, click, share)"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set and AUTH_READS=true, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description Never tracked, or no longer (TRACKING_MAX_RESOURCES keeps the most recently active). */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 404,
           *       "message": "No interactions tracked for \"https://example.com/articles/42\"",
           *       "error": "Not Found"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  TrackingController_series: {
    parameters: {
      query?: {
        /** @description Bucket size. */
        interval?: 'minute' | 'hour';
        /** @description Start: `now`, relative (`-15m`, `-1h`, `-7d`) or ISO-8601. Default: 1 hour before `to` (minute buckets), 1 day (hour buckets). At most the interval’s retention ago. */
        from?: string;
        /** @description End, in the same forms; a later time than now is read as now. Default: now. */
        to?: string;
      };
      header?: never;
      path: {
        /** @description Resource id: a key or a URL, 1 to 1024 characters, no control characters. */
        resourceId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['InteractionSeriesResponseDto'];
        };
      };
      /** @description Invalid input; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "type must match /^[a-z0-9_.-]{1,64}$/ (e.g. view, click, share)"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set and AUTH_READS=true, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  MetricsController_scrape: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Prometheus text exposition format. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example # TYPE lapse_store_up gauge
           *     lapse_store_up 1
           */
          'text/plain': string;
        };
      };
      /** @description When API_KEYS is set and AUTH_READS=true, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  ResourcesController_list: {
    parameters: {
      query?: {
        /** @description Only ids starting with this. */
        prefix?: string;
        /** @description Only entries with this tag. */
        tag?: string;
        /** @description Page size. */
        limit?: number;
        /** @description The `nextCursor` of the previous page. */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ResourcePageDto'];
        };
      };
      /** @description Invalid id, query or body; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "ttl must not be greater than 31536000"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set and AUTH_READS=true, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  ResourcesController_purge: {
    parameters: {
      query?: {
        /** @description Only ids starting with this. */
        prefix?: string;
        /** @description Only entries with this tag. */
        tag?: string;
        /** @description Delete every entry of this namespace (cannot be combined with prefix or tag). */
        all?: 'true';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['PurgeResponseDto'];
        };
      };
      /** @description Invalid id, query or body; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "ttl must not be greater than 31536000"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  ResourcesController_mget: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['MgetResourcesDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['MgetResponseDto'];
        };
      };
      /** @description Invalid id, query or body; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "ttl must not be greater than 31536000"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set and AUTH_READS=true, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The body is larger than BODY_LIMIT (1 MB by default); nothing changed. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 413,
           *       "message": "request entity too large",
           *       "error": "Payload Too Large"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The body is compressed (`Content-Encoding`) or not UTF-8 (`charset`); nothing changed. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 415,
           *       "message": "Content-Encoding \"gzip\" is not supported: send the body uncompressed",
           *       "error": "Unsupported Media Type"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  ResourcesController_mset: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['MsetResourcesDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['MsetResponseDto'];
        };
      };
      /** @description Invalid id, query or body; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "ttl must not be greater than 31536000"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The body is larger than BODY_LIMIT (1 MB by default); nothing changed. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 413,
           *       "message": "request entity too large",
           *       "error": "Payload Too Large"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The body is compressed (`Content-Encoding`) or not UTF-8 (`charset`); nothing changed. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 415,
           *       "message": "Content-Encoding \"gzip\" is not supported: send the body uncompressed",
           *       "error": "Unsupported Media Type"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  ResourcesController_get: {
    parameters: {
      query?: never;
      header?: {
        'If-Modified-Since'?: string;
        /** @description ETags the client holds. */
        'If-None-Match'?: string;
      };
      path: {
        /** @description Resource id: a key or a URL, 1 to 1024 characters, no control characters. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ResourceResponseDto'];
        };
      };
      /** @description The client copy is still good. */
      304: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Invalid id, query or body; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "ttl must not be greater than 31536000"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set and AUTH_READS=true, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description Absent or expired. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 404,
           *       "message": "Resource \"greeting\" not found or expired",
           *       "error": "Not Found"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description Read-through only: the origin could not be read (unreachable, a redirect off ORIGINS or more than 3 of them, too large, invalid JSON, or a host name resolving to an internal address). */
      502: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 502,
           *       "message": "Origin https://api.example.com redirected (302) to https://evil.example.com, which is not on ORIGINS",
           *       "error": "Bad Gateway"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description Read-through only: the origin did not answer within ORIGIN_TIMEOUT_MS (waiting for a free connection included), or did not accept a connection within ORIGIN_CONNECT_TIMEOUT_MS. */
      504: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 504,
           *       "message": "Origin https://api.example.com did not answer within 10000 ms",
           *       "error": "Gateway Timeout"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  ResourcesController_put: {
    parameters: {
      query?: never;
      header?: {
        /** @description `*`: only create, never replace (else 412). */
        'If-None-Match'?: string;
        /** @description Only if the entry exists and has one of these ETags (else 412). */
        'If-Match'?: string;
      };
      path: {
        /** @description Resource id: a key or a URL, 1 to 1024 characters, no control characters. */
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['PutResourceDto'];
      };
    };
    responses: {
      /** @description An existing entry was replaced. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ResourceResponseDto'];
        };
      };
      /** @description A new entry was created. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ResourceResponseDto'];
        };
      };
      /** @description Invalid id, query or body; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "ttl must not be greater than 31536000"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description If-Match or If-None-Match failed; nothing changed. */
      412: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 412,
           *       "message": "Precondition failed for resource \"greeting\": it changed, exists or is absent",
           *       "error": "Precondition Failed"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The body is larger than BODY_LIMIT (1 MB by default); nothing changed. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 413,
           *       "message": "request entity too large",
           *       "error": "Payload Too Large"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The body is compressed (`Content-Encoding`) or not UTF-8 (`charset`); nothing changed. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 415,
           *       "message": "Content-Encoding \"gzip\" is not supported: send the body uncompressed",
           *       "error": "Unsupported Media Type"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  ResourcesController_delete: {
    parameters: {
      query?: never;
      header?: {
        /** @description Only if the entry exists and has one of these ETags (else 412). */
        'If-Match'?: string;
      };
      path: {
        /** @description Resource id: a key or a URL, 1 to 1024 characters, no control characters. */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Removed. */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Invalid id, query or body; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "ttl must not be greater than 31536000"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description Absent or expired. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 404,
           *       "message": "Resource \"greeting\" not found or expired",
           *       "error": "Not Found"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description If-Match failed; nothing changed. */
      412: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 412,
           *       "message": "Precondition failed for resource \"greeting\": it changed, exists or is absent",
           *       "error": "Precondition Failed"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  ResourcesController_touch: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description Resource id: a key or a URL, 1 to 1024 characters, no control characters. */
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['TouchResourceDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ResourceResponseDto'];
        };
      };
      /** @description Invalid id, query or body; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "ttl must not be greater than 31536000"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description Absent or expired. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 404,
           *       "message": "Resource \"greeting\" not found or expired",
           *       "error": "Not Found"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The body is larger than BODY_LIMIT (1 MB by default); nothing changed. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 413,
           *       "message": "request entity too large",
           *       "error": "Payload Too Large"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The body is compressed (`Content-Encoding`) or not UTF-8 (`charset`); nothing changed. */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 415,
           *       "message": "Content-Encoding \"gzip\" is not supported: send the body uncompressed",
           *       "error": "Unsupported Media Type"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  StatsController_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['StatsResponseDto'];
        };
      };
      /** @description When API_KEYS is set and AUTH_READS=true, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  StatsController_series: {
    parameters: {
      query?: {
        /** @description Bucket size. */
        interval?: 'minute' | 'hour';
        /** @description Start: `now`, relative (`-15m`, `-1h`, `-7d`) or ISO-8601. Default: 1 hour before `to` (minute buckets), 1 day (hour buckets). At most the interval’s retention ago. */
        from?: string;
        /** @description End, in the same forms; a later time than now is read as now. Default: now. */
        to?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['StatsSeriesResponseDto'];
        };
      };
      /** @description Invalid query; the message names the field. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 400,
           *       "message": [
           *         "interval must be one of the following values: minute, hour"
           *       ],
           *       "error": "Bad Request"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When API_KEYS is set and AUTH_READS=true, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
  CompatController_trackInteraction: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          /** @description The resource id (a key or a URL). */
          id: string;
          /** @description Any JSON value but null. */
          data: unknown;
        };
      };
    };
    responses: {
      /** @description Success, or failure when id or data is missing or invalid. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json':
            components['schemas']['CompatCachedDto'] | components['schemas']['CompatFailureDto'];
        };
      };
      /** @description The body is not JSON, is neither an object nor an array, or is nested more than 512 levels deep. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "status": "failure",
           *       "message": "Invalid data provided."
           *     }
           */
          'application/json': components['schemas']['CompatFailureDto'];
        };
      };
      /** @description When API_KEYS is set, this route needs a key: none was sent, or not one of API_KEYS. */
      401: {
        headers: {
          /** @description The scheme to use; `error="invalid_token"` when the key sent is not valid. */
          'WWW-Authenticate': string;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 401,
           *       "message": "An API key is required: Authorization: Bearer <key> or X-API-Key: <key>",
           *       "error": "Unauthorized"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The body is larger than BODY_LIMIT (1 MB by default). */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "status": "failure",
           *       "message": "Invalid data provided."
           *     }
           */
          'application/json': components['schemas']['CompatFailureDto'];
        };
      };
      /** @description The body is compressed (`Content-Encoding`) or not UTF-8 (`charset`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "status": "failure",
           *       "message": "Invalid data provided."
           *     }
           */
          'application/json': components['schemas']['CompatFailureDto'];
        };
      };
      /** @description When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done. */
      429: {
        headers: {
          /** @description Seconds until the client may send again. */
          'Retry-After': number;
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 429,
           *       "message": "Too many requests: at most 100 per 60 s for each client (THROTTLE_LIMIT, THROTTLE_TTL)",
           *       "error": "Too Many Requests"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
      /** @description The store does not answer (Redis down or slower than REDIS_TIMEOUT_MS); retry later. */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "statusCode": 503,
           *       "message": "Cache store unavailable",
           *       "error": "Service Unavailable"
           *     }
           */
          'application/json': components['schemas']['ErrorResponseDto'];
        };
      };
    };
  };
}
