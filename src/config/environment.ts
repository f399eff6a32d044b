import { existsSync } from 'node:fs';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  validateSync,
} from 'class-validator';
import { parse as parseBytes } from 'bytes';
import { formatDuration, parseDuration } from '../time-series/time-buckets';
import {
  DEFAULT_MAX_INTERACTION_TYPES,
  MAX_INTERACTION_TYPES,
  MAX_REDIS_SHARDS,
  MAX_TTL_SECONDS,
} from '../validation/limits';

/** A size such as `1mb`, `512kb` or a plain number of bytes, greater than zero. */
const IsByteSize = (): PropertyDecorator =>
  ValidateBy({
    name: 'isByteSize',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && (parseBytes(value) ?? 0) > 0,
      defaultMessage: (args) =>
        `${args?.property ?? 'value'} must be a size such as 1mb, 512kb or 1048576`,
    },
  });

/** A duration such as `90m`, `24h` or `30d`, from `min` to `max` milliseconds. */
const IsDurationBetween = (min: number, max: number): PropertyDecorator =>
  ValidateBy({
    name: 'isDurationBetween',
    validator: {
      validate: (value: unknown) => {
        const ms = typeof value === 'string' ? parseDuration(value) : undefined;
        return ms !== undefined && ms >= min && ms <= max;
      },
      defaultMessage: (args) =>
        `${args?.property ?? 'value'} must be a duration such as 90m, 24h or 30d, ` +
        `from ${formatDuration(min)} to ${formatDuration(max)}`,
    },
  });

/**
 * A `redis://` or `rediss://` URL with a host that Node's URL parser (and so
 * the Redis client) accepts, such as `redis://:password@host:6379/0`.
 */
const IsRedisUrl = (): PropertyDecorator =>
  ValidateBy({
    name: 'isRedisUrl',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string' || !/^rediss?:\/\/\S+$/.test(value)) return false;
        try {
          return new URL(value).hostname !== '';
        } catch {
          return false;
        }
      },
      defaultMessage: () => 'REDIS_URL must be a redis:// or rediss:// URL with a host',
    },
  });

/** Comma-separated `host:port` pairs (a name or IPv4 address, a port from 1 to 65535), or nothing. */
const IsClusterNodeList = (): PropertyDecorator =>
  ValidateBy({
    name: 'isClusterNodeList',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        (value === '' || splitList(value).every((node) => parseClusterNode(node) !== undefined)),
      defaultMessage: () =>
        'REDIS_CLUSTER_NODES must be comma-separated host:port pairs, e.g. 10.0.0.1:6379,10.0.0.2:6379',
    },
  });

/**
 * Origins Lapse may fetch from (comma-separated): each `http://` or `https://`
 * with a host and an optional port, nothing else (no path, query or credentials).
 */
const IsOriginList = (): PropertyDecorator =>
  ValidateBy({
    name: 'isOriginList',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && value.split(',').every((item) => isOrigin(item.trim())),
      defaultMessage: () =>
        'ORIGINS must be origins such as https://api.example.com or http://127.0.0.1:8080, ' +
        'separated by commas (scheme, host and optional port; no path, query or credentials)',
    },
  });

function isOrigin(value: string): boolean {
  if (!/^https?:\/\/[^/?#\s]+\/?$/i.test(value)) return false;
  try {
    const url = new URL(value);
    return url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * The environment variables Lapse reads, with their defaults.
 * Each is validated at start-up; an invalid value stops the process.
 */
export class Environment {
  /** TCP port the HTTP server listens on. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Interface the HTTP server binds to. */
  @IsString()
  @IsNotEmpty()
  HOST = '0.0.0.0';

  /** Where entries, counters and interactions live: this process, or a Redis shared by instances. */
  @IsIn(['memory', 'redis'])
  CACHE_STORE: 'memory' | 'redis' = 'memory';

  /** Redis to use when `CACHE_STORE=redis`. */
  @IsRedisUrl()
  REDIS_URL = 'redis://127.0.0.1:6379/0';

  /**
   * Some nodes of a Redis Cluster (comma-separated `host:port`): with
   * `CACHE_STORE=redis`, Lapse uses that cluster instead of REDIS_URL's server
   * (whose user, password and `rediss:` scheme still apply). Empty: one Redis.
   */
  @IsClusterNodeList()
  REDIS_CLUSTER_NODES = '';

  /**
   * Shards of the keyspace on a cluster. Recorded in the cluster by the first
   * instance to start, and read from there by every later one, so instances agree.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(MAX_REDIS_SHARDS)
  REDIS_SHARDS = 16;

  /** Prefix of every Redis key, so that several deployments can share one Redis. */
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, {
    message: 'CACHE_NAMESPACE must be 1 to 64 letters, digits, _ . : or -',
  })
  CACHE_NAMESPACE = 'lapse';

  /** How long one Redis call may take before the request fails with 503, in milliseconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60_000)
  REDIS_TIMEOUT_MS = 1000;

  /**
   * Most entries each instance keeps in its near cache, an in-process copy of
   * recently read Redis entries kept coherent by Redis's invalidation messages;
   * 0: off. Only with `CACHE_STORE=redis`.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000_000)
  NEAR_CACHE_MAX_ENTRIES = 0;

  /** Default time-to-live of a cached resource, in seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(MAX_TTL_SECONDS)
  CACHE_TTL = 300;

  /** Most entries the in-memory store keeps before evicting the least recently used. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  CACHE_MAX_ENTRIES = 100_000;

  /** How often expired entries are reclaimed from the in-memory store, in milliseconds. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  CACHE_SWEEP_INTERVAL_MS = 1000;

  /** Most resources whose interactions are tracked; the least recently active are dropped. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  TRACKING_MAX_RESOURCES = 100_000;

  /** Most distinct interaction types per resource (one place always kept for `view`). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(MAX_INTERACTION_TYPES)
  TRACKING_MAX_TYPES = DEFAULT_MAX_INTERACTION_TYPES;

  /** How long interactions and cache activity are kept per minute, e.g. `24h`. */
  @IsDurationBetween(60_000, 7 * 86_400_000)
  TRACKING_MINUTE_RETENTION = '24h';

  /** How long interactions and cache activity are kept per hour, e.g. `30d`. */
  @IsDurationBetween(3_600_000, 366 * 86_400_000)
  TRACKING_HOUR_RETENTION = '30d';

  /** Whether shared caches (CDNs, proxies) may keep responses: `Cache-Control: public` or `private`. */
  @IsIn(['public', 'private'])
  CACHE_CONTROL_SCOPE: 'public' | 'private' = 'private';

  /**
   * Longest time, in seconds, shared caches (CDNs, proxies) may keep a public
   * answer (`s-maxage`), so that they follow deletes within it; 0: they keep
   * none (answers go out `private`); unset: until the entry's expiry.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(MAX_TTL_SECONDS)
  @ValidateIf((env: Environment) => env.CACHE_SHARED_MAX_AGE !== undefined)
  CACHE_SHARED_MAX_AGE: number | undefined = undefined;

  /** Whether answers also carry the legacy `X-Cache: HIT|MISS` next to `Cache-Status`. */
  @IsIn(['true', 'false'])
  X_CACHE_HEADER: 'true' | 'false' = 'false';

  /** API keys (comma-separated). When set, writes (and reads with AUTH_READS) need one. */
  @Matches(/^[^,\s]+(,[^,\s]+)*$/, {
    message: 'API_KEYS must be keys separated by commas, without spaces',
  })
  @ValidateIf((env: Environment) => env.API_KEYS !== '')
  API_KEYS = '';

  /** Whether reads need an API key too (only with API_KEYS). */
  @IsIn(['true', 'false'])
  AUTH_READS: 'true' | 'false' = 'false';

  /** Requests allowed per client (API key, else IP) per THROTTLE_TTL; 0 turns rate limiting off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  THROTTLE_LIMIT = 0;

  /** The rate-limiting window, in seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  THROTTLE_TTL = 60;

  /** Origins allowed by CORS (comma-separated); unset: CORS off. */
  @IsString()
  CORS_ORIGINS = '';

  /** Express's `trust proxy`: false, true, a hop count, or comma-separated addresses/subnets. */
  @Matches(/^(true|false|\d+|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*|loopback|linklocal|uniquelocal)$/, {
    message:
      'TRUST_PROXY must be true, false, a hop count, or addresses/subnets separated by commas',
  })
  TRUST_PROXY = 'false';

  /** The HTTP layer under Nest: `fastify` (default, faster) or `express` (same behaviour). */
  @IsIn(['express', 'fastify'])
  HTTP_ADAPTER: 'express' | 'fastify' = 'fastify';

  /** Minimum level logged: fatal, error, warn, info, debug, trace or silent. */
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** `json` (one JSON object per line) or `pretty` (for a terminal). */
  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';

  /** How long in-flight requests may take to finish after SIGTERM, in milliseconds. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /** Largest accepted request body, e.g. `1mb`, `512kb` or a number of bytes. */
  @IsByteSize()
  BODY_LIMIT = '1mb';

  /** Longest time a request (headers and body) may take to arrive, in milliseconds; 0: no limit. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  REQUEST_TIMEOUT_MS = 30_000;

  /** Most client connections open at once; more are closed as they come. 0: no cap. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  MAX_CONNECTIONS = 10_000;

  /** Origins Lapse fetches missed URL ids from (comma-separated); unset: read-through off. */
  @IsOriginList()
  @ValidateIf((env: Environment) => env.ORIGINS !== '')
  ORIGINS = '';

  /** Shortest time-to-live of a fetched answer, in seconds (the origin's own is raised to it). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(MAX_TTL_SECONDS)
  ORIGIN_MIN_TTL = 0;

  /** Longest time-to-live of a fetched answer, in seconds (the origin's own is lowered to it). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(MAX_TTL_SECONDS)
  ORIGIN_MAX_TTL = 86_400;

  /** Longest time one origin request may take, in milliseconds (then 504). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300_000)
  ORIGIN_TIMEOUT_MS = 10_000;

  /** Longest time opening a connection to an origin may take, in milliseconds (then 504). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300_000)
  ORIGIN_CONNECT_TIMEOUT_MS = 3000;

  /** Most requests under way to one origin at once; more wait their turn (within ORIGIN_TIMEOUT_MS). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  ORIGIN_MAX_CONCURRENCY = 64;

  /** Largest origin answer, e.g. `10mb`; a larger one is refused (502) without being kept. */
  @IsByteSize()
  ORIGIN_MAX_BYTES = '10mb';

  /** How long an origin's 404 is cached, in seconds; 0: not cached. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(MAX_TTL_SECONDS)
  ORIGIN_NEGATIVE_TTL = 30;

  /**
   * Seconds a fetched answer past its freshness is still served at once while
   * one refresh runs in the background; 0: off.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(MAX_TTL_SECONDS)
  STALE_WHILE_REVALIDATE = 0;

  /** Seconds a fetched answer past its freshness is served when its origin fails; 0: off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(MAX_TTL_SECONDS)
  STALE_IF_ERROR = 0;
}

/**
 * Variables that may hold secrets (API keys, a Redis password): an error
 * names them and says what is wrong, but never shows their value.
 */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['API_KEYS', 'REDIS_URL']);

/** Raised when the environment holds a value Lapse cannot run with. */
export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = InvalidEnvironmentError.name;
  }
}

/**
 * Validates raw environment variables and fills in defaults.
 * Unknown variables are ignored; empty values count as unset.
 */
export function validateEnvironment(raw: Record<string, string | undefined>): Environment {
  const provided = Object.fromEntries(
    Object.keys(new Environment())
      .filter((name) => raw[name] !== undefined && raw[name] !== '')
      .map((name) => [name, raw[name]]),
  );
  const env = plainToInstance(Environment, provided);
  const problems = validateSync(env, { skipMissingProperties: false }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) =>
      SECRET_VARIABLES.has(error.property)
        ? `${message} (value not shown: it may hold secrets)`
        : `${message} (got ${JSON.stringify(error.value)})`,
    ),
  );
  if (problems.length === 0) problems.push(...crossFieldProblems(env));
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return env;
}

/** Rules between variables, checked once each is valid on its own. */
function crossFieldProblems(env: Environment): string[] {
  const minutes = parseDuration(env.TRACKING_MINUTE_RETENTION) as number;
  const hours = parseDuration(env.TRACKING_HOUR_RETENTION) as number;
  const problems: string[] = [];
  // Windows beyond the minute retention are read from hour buckets, which must reach further.
  if (hours < minutes) {
    problems.push(
      `TRACKING_HOUR_RETENTION must not be shorter than TRACKING_MINUTE_RETENTION ` +
        `(got ${env.TRACKING_HOUR_RETENTION} and ${env.TRACKING_MINUTE_RETENTION})`,
    );
  }
  // The memory store is in process already: a near cache in front of it would only copy it.
  if (env.NEAR_CACHE_MAX_ENTRIES > 0 && env.CACHE_STORE !== 'redis') {
    problems.push(
      `NEAR_CACHE_MAX_ENTRIES needs CACHE_STORE=redis ` +
        `(got ${env.NEAR_CACHE_MAX_ENTRIES} with CACHE_STORE=${env.CACHE_STORE})`,
    );
  }
  const cluster = splitList(env.REDIS_CLUSTER_NODES).length > 0;
  if (cluster && env.CACHE_STORE !== 'redis') {
    problems.push(
      `REDIS_CLUSTER_NODES needs CACHE_STORE=redis (got CACHE_STORE=${env.CACHE_STORE})`,
    );
  }
  // Its invalidation messages come from one server; a cluster's come from each master.
  if (env.NEAR_CACHE_MAX_ENTRIES > 0 && cluster) {
    problems.push(
      'NEAR_CACHE_MAX_ENTRIES is not supported on a Redis Cluster yet (REDIS_CLUSTER_NODES is set)',
    );
  }
  if (env.ORIGIN_MAX_TTL < env.ORIGIN_MIN_TTL) {
    problems.push(
      `ORIGIN_MAX_TTL must not be shorter than ORIGIN_MIN_TTL ` +
        `(got ${env.ORIGIN_MAX_TTL} and ${env.ORIGIN_MIN_TTL})`,
    );
  }
  return problems;
}

/**
 * Reads the process environment, after loading a `.env` file from the working
 * directory when one exists (variables already set win over the file).
 */
export function readProcessEnvironment(): Record<string, string | undefined> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

/** The items of a comma-separated list, trimmed, empty ones dropped. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** `host:port` of a cluster node, or `undefined` when it is not one. */
export function parseClusterNode(node: string): { host: string; port: number } | undefined {
  const match = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(node);
  if (!match) return undefined;
  const port = Number(match[2]);
  return port >= 1 && port <= 65_535 ? { host: match[1], port } : undefined;
}
