import { parse as parseBytes } from 'bytes';
import { validateEnvironment } from './environment';

/** Typed settings, grouped by the capability that reads them. */
export interface LapseConfig {
  http: {
    port: number;
    host: string;
    /** Largest accepted request body, in bytes. */
    bodyLimit: number;
    /** `Cache-Control` scope of cached resources. */
    cacheControlScope: 'public' | 'private';
  };
  store: {
    kind: 'memory' | 'redis';
    redisUrl: string;
    namespace: string;
    redisTimeoutMs: number;
  };
  cache: {
    /** Default time-to-live, in seconds. */
    defaultTtl: number;
    maxEntries: number;
    sweepIntervalMs: number;
  };
  tracking: {
    maxResources: number;
  };
}

/** Validates raw environment variables and groups them into {@link LapseConfig}. */
export function loadConfig(raw: Record<string, string | undefined>): LapseConfig {
  const env = validateEnvironment(raw);
  return {
    http: {
      port: env.PORT,
      host: env.HOST,
      bodyLimit: parseBytes(env.BODY_LIMIT) ?? 0,
      cacheControlScope: env.CACHE_CONTROL_SCOPE,
    },
    store: {
      kind: env.CACHE_STORE,
      redisUrl: env.REDIS_URL,
      namespace: env.CACHE_NAMESPACE,
      redisTimeoutMs: env.REDIS_TIMEOUT_MS,
    },
    cache: {
      defaultTtl: env.CACHE_TTL,
      maxEntries: env.CACHE_MAX_ENTRIES,
      sweepIntervalMs: env.CACHE_SWEEP_INTERVAL_MS,
    },
    tracking: { maxResources: env.TRACKING_MAX_RESOURCES },
  };
}
