import { parse as parseBytes } from 'bytes';
import { splitList, validateEnvironment } from './environment';
import { parseDuration } from '../time-series/time-buckets';
import type { BucketRetention } from '../time-series/time-buckets';

/** Typed settings, grouped by the capability that reads them. */
export interface LapseConfig {
  http: {
    port: number;
    host: string;
    /** Largest accepted request body, in bytes. */
    /** The HTTP layer under Nest. */
    adapter: 'express' | 'fastify';
    bodyLimit: number;
    /** `Cache-Control` scope of cached resources (private anyway when reads need a key). */
    cacheControlScope: 'public' | 'private';
    /** Longest time a request (headers and body) may take to arrive, in ms; 0: no limit. */
    requestTimeoutMs: number;
    /** Most client connections open at once; 0: no cap. */
    maxConnections: number;
    /** Most seconds shared caches may keep an answer (`s-maxage`); undefined: not sent. */
    sharedMaxAge: number | undefined;
    /** Whether answers carry `X-Cache: HIT|MISS` too. */
    xCacheHeader: boolean;
  };
  store: {
    kind: 'memory' | 'redis';
    redisUrl: string;
    namespace: string;
    redisTimeoutMs: number;
    /** `host:port` of some Redis Cluster nodes; empty: one Redis at `redisUrl`. */
    redisClusterNodes: string[];
    /** Shards of the keyspace on a cluster (the count recorded in the cluster wins). */
    redisShards: number;
    /** Most entries of each instance's near cache on Redis; 0: off. */
    nearCacheMaxEntries: number;
  };
  cache: {
    /** Default time-to-live, in seconds. */
    defaultTtl: number;
    maxEntries: number;
    sweepIntervalMs: number;
  };
  tracking: {
    maxResources: number;
    /** Most distinct interaction types per resource, `view` included. */
    maxTypes: number;
    /** How long minute and hour buckets are kept, in milliseconds. */
    retention: BucketRetention;
  };
  security: {
    /** Accepted API keys; empty: no authentication. */
    apiKeys: string[];
    /** Whether reads need a key too. */
    authReads: boolean;
    /** Requests per client per window; 0: no rate limiting. */
    throttleLimit: number;
    throttleTtlSeconds: number;
    /** CORS allowlist; empty: CORS off. */
    corsOrigins: string[];
    /** Express `trust proxy` setting. */
    trustProxy: boolean | number | string;
  };
  logging: {
    level: string;
    pretty: boolean;
  };
  /** Read-through: fetching missed URL ids from allowed origins. */
  origin: {
    /** Allowed origins, normalised (`https://api.example.com`); empty: read-through off. */
    allowed: string[];
    /** Bounds of a fetched answer's time-to-live, in seconds. */
    minTtl: number;
    maxTtl: number;
    /** Longest time one origin request may take, in ms: waiting its turn, connecting, headers and body. */
    timeoutMs: number;
    /** Longest time opening a connection may take, in ms. */
    connectTimeoutMs: number;
    /** Most requests under way to one origin at once (per instance). */
    maxConcurrency: number;
    /** Largest origin answer, in bytes. */
    maxBytes: number;
    /** Time-to-live of an origin's 404, in seconds; 0: not cached. */
    negativeTtl: number;
    /** Seconds past freshness a fetched answer is served while it is refreshed; 0: off. */
    staleWhileRevalidate: number;
    /** Seconds past freshness a fetched answer is served when its origin fails; 0: off. */
    staleIfError: number;
  };
  shutdownTimeoutMs: number;
}

/** Validates raw environment variables and groups them into {@link LapseConfig}. */
export function loadConfig(raw: Record<string, string | undefined>): LapseConfig {
  const env = validateEnvironment(raw);
  return {
    http: {
      port: env.PORT,
      host: env.HOST,
      adapter: env.HTTP_ADAPTER,
      bodyLimit: parseBytes(env.BODY_LIMIT) ?? 0,
      cacheControlScope: env.CACHE_CONTROL_SCOPE,
      requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
      maxConnections: env.MAX_CONNECTIONS,
      sharedMaxAge: env.CACHE_SHARED_MAX_AGE,
      xCacheHeader: env.X_CACHE_HEADER === 'true',
    },
    store: {
      kind: env.CACHE_STORE,
      redisUrl: env.REDIS_URL,
      namespace: env.CACHE_NAMESPACE,
      redisTimeoutMs: env.REDIS_TIMEOUT_MS,
      redisClusterNodes: splitList(env.REDIS_CLUSTER_NODES),
      redisShards: env.REDIS_SHARDS,
      nearCacheMaxEntries: env.NEAR_CACHE_MAX_ENTRIES,
    },
    cache: {
      defaultTtl: env.CACHE_TTL,
      maxEntries: env.CACHE_MAX_ENTRIES,
      sweepIntervalMs: env.CACHE_SWEEP_INTERVAL_MS,
    },
    tracking: {
      maxResources: env.TRACKING_MAX_RESOURCES,
      maxTypes: env.TRACKING_MAX_TYPES,
      retention: {
        minute: parseDuration(env.TRACKING_MINUTE_RETENTION) as number,
        hour: parseDuration(env.TRACKING_HOUR_RETENTION) as number,
      },
    },
    security: {
      apiKeys: splitList(env.API_KEYS),
      authReads: env.AUTH_READS === 'true',
      throttleLimit: env.THROTTLE_LIMIT,
      throttleTtlSeconds: env.THROTTLE_TTL,
      corsOrigins: splitList(env.CORS_ORIGINS),
      trustProxy: trustProxy(env.TRUST_PROXY),
    },
    logging: { level: env.LOG_LEVEL, pretty: env.LOG_FORMAT === 'pretty' },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    origin: {
      allowed: splitList(env.ORIGINS).map((origin) => new URL(origin).origin),
      minTtl: env.ORIGIN_MIN_TTL,
      maxTtl: env.ORIGIN_MAX_TTL,
      timeoutMs: env.ORIGIN_TIMEOUT_MS,
      connectTimeoutMs: env.ORIGIN_CONNECT_TIMEOUT_MS,
      maxConcurrency: env.ORIGIN_MAX_CONCURRENCY,
      maxBytes: parseBytes(env.ORIGIN_MAX_BYTES) ?? 0,
      negativeTtl: env.ORIGIN_NEGATIVE_TTL,
      staleWhileRevalidate: env.STALE_WHILE_REVALIDATE,
      staleIfError: env.STALE_IF_ERROR,
    },
  };
}

function trustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** Settings over the defaults, group by group: `{ cache: { defaultTtl: 60 } }`. */
export type LapseConfigOverrides = {
  [Group in keyof LapseConfig]?: LapseConfig[Group] extends object
    ? Partial<LapseConfig[Group]>
    : LapseConfig[Group];
};

/**
 * The defaults (those of an empty environment) with `overrides` laid over
 * them group by group. The environment of the process is not read: an
 * application embedding Lapse says what it wants in code.
 */
export function configWithDefaults(overrides: LapseConfigOverrides = {}): LapseConfig {
  const defaults = loadConfig({});
  const groups = Object.keys(defaults) as (keyof LapseConfig)[];
  return Object.fromEntries(
    groups.map((group) => {
      const base = defaults[group];
      const over = overrides[group];
      const merged =
        typeof base === 'object' && base !== null
          ? { ...base, ...(over as object) }
          : (over ?? base);
      return [group, merged];
    }),
  ) as unknown as LapseConfig;
}
