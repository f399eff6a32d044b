import { Environment, InvalidEnvironmentError, validateEnvironment } from './environment';
import { loadConfig } from './lapse.config';
import type { LapseConfig } from './lapse.config';
import { DEFAULT_RETENTION } from '../time-series/time-buckets';

/** The documented defaults of the settings these tests cover. */
const DEFAULTS = {
  http: {
    port: 3000,
    host: '0.0.0.0',
    adapter: 'fastify',
    bodyLimit: 1024 * 1024,
    cacheControlScope: 'private',
    requestTimeoutMs: 30_000,
    maxConnections: 10_000,
    sharedMaxAge: undefined,
    xCacheHeader: false,
  },
  store: {
    kind: 'memory',
    redisUrl: 'redis://127.0.0.1:6379/0',
    namespace: 'lapse',
    redisTimeoutMs: 1000,
    redisClusterNodes: [],
    redisShards: 16,
    nearCacheMaxEntries: 0,
  },
  cache: { defaultTtl: 300, maxEntries: 100_000, sweepIntervalMs: 1000 },
  tracking: { maxResources: 100_000, maxTypes: 32, retention: DEFAULT_RETENTION },
} satisfies Partial<LapseConfig>;

/** The error `validateEnvironment` throws for `raw`, or a failure when it throws none. */
function errorFor(raw: Record<string, string>): InvalidEnvironmentError {
  try {
    validateEnvironment(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEnvironmentError);
    return error as InvalidEnvironmentError;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

/** True when `text` names `variable` as a word of its own. */
const names = (text: string, variable: string): boolean =>
  new RegExp(`(^|[^A-Z0-9_])${variable}([^A-Z0-9_]|$)`).test(text);

describe(validateEnvironment.name, () => {
  it('fills in the defaults when nothing is set', () => {
    expect(loadConfig({})).toMatchObject(DEFAULTS);
  });

  it('treats empty values as unset', () => {
    const empty = Object.fromEntries(Object.keys(new Environment()).map((name) => [name, '']));

    expect(Object.keys(empty)).toEqual(expect.arrayContaining(['PORT', 'CACHE_TTL', 'BODY_LIMIT']));
    expect(loadConfig(empty)).toStrictEqual(loadConfig({}));
  });

  it('ignores variables it does not read', () => {
    const config = loadConfig({ PATH: '/usr/bin', NODE_ENV: 'test', port: 'lower-case' });

    expect(config).toStrictEqual(loadConfig({}));
    expect(config).toMatchObject(DEFAULTS);
  });

  it('parses integers and groups every setting where it belongs', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '127.0.0.1',
      CACHE_STORE: 'redis',
      REDIS_URL: 'rediss://cache.internal:6380/2',
      CACHE_NAMESPACE: 'lapse-test',
      REDIS_TIMEOUT_MS: '2500',
      CACHE_TTL: '60',
      CACHE_MAX_ENTRIES: '500',
      CACHE_SWEEP_INTERVAL_MS: '250',
      TRACKING_MAX_RESOURCES: '7',
      TRACKING_MAX_TYPES: '5',
      CACHE_CONTROL_SCOPE: 'public',
      BODY_LIMIT: '2048',
      REQUEST_TIMEOUT_MS: '1500',
      MAX_CONNECTIONS: '64',
    });

    expect(config).toMatchObject({
      http: {
        port: 8080,
        host: '127.0.0.1',
        bodyLimit: 2048,
        cacheControlScope: 'public',
        requestTimeoutMs: 1500,
        maxConnections: 64,
      },
      store: {
        kind: 'redis',
        redisUrl: 'rediss://cache.internal:6380/2',
        namespace: 'lapse-test',
        redisTimeoutMs: 2500,
      },
      cache: { defaultTtl: 60, maxEntries: 500, sweepIntervalMs: 250 },
      tracking: { maxResources: 7, maxTypes: 5 },
    });
  });

  it('accepts the bounds of the ranges', () => {
    const env = validateEnvironment({ PORT: '65535', CACHE_TTL: '31536000' });

    expect(env.PORT).toBe(65535);
    expect(env.CACHE_TTL).toBe(31_536_000);
    expect(validateEnvironment({ TRACKING_MAX_TYPES: '1' }).TRACKING_MAX_TYPES).toBe(1);
    expect(validateEnvironment({ TRACKING_MAX_TYPES: '1000' }).TRACKING_MAX_TYPES).toBe(1000);
  });

  it('reads REQUEST_TIMEOUT_MS=0 and MAX_CONNECTIONS=0 as no limit, and takes their upper bounds', () => {
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '0', MAX_CONNECTIONS: '0' }).http).toMatchObject({
      requestTimeoutMs: 0,
      maxConnections: 0,
    });
    expect(
      loadConfig({ REQUEST_TIMEOUT_MS: '3600000', MAX_CONNECTIONS: '1000000' }).http,
    ).toMatchObject({ requestTimeoutMs: 3_600_000, maxConnections: 1_000_000 });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['CACHE_TTL', '0'],
    ['CACHE_TTL', '1.5'],
    ['CACHE_TTL', '31536001'],
    ['CACHE_MAX_ENTRIES', '0'],
    ['TRACKING_MAX_RESOURCES', '-1'],
    ['TRACKING_MAX_TYPES', '0'],
    ['TRACKING_MAX_TYPES', '1001'],
    ['TRACKING_MAX_TYPES', '2.5'],
    ['TRACKING_MAX_TYPES', 'many'],
    ['BODY_LIMIT', 'lots'],
    ['BODY_LIMIT', '0'],
    ['REQUEST_TIMEOUT_MS', '-1'],
    ['REQUEST_TIMEOUT_MS', '30s'],
    ['REQUEST_TIMEOUT_MS', '1.5'],
    ['REQUEST_TIMEOUT_MS', '3600001'],
    ['MAX_CONNECTIONS', '-5'],
    ['MAX_CONNECTIONS', 'many'],
    ['MAX_CONNECTIONS', '1000001'],
    ['CACHE_STORE', 'disk'],
    ['HTTP_ADAPTER', 'koa'],
    ['TRACKING_MINUTE_RETENTION', 'abc'],
    ['TRACKING_MINUTE_RETENTION', '0m'],
    ['TRACKING_MINUTE_RETENTION', '59s'],
    ['TRACKING_MINUTE_RETENTION', '8d'],
    ['TRACKING_MINUTE_RETENTION', '-1h'],
    ['TRACKING_MINUTE_RETENTION', '1.5h'],
    ['TRACKING_MINUTE_RETENTION', '24'],
    ['TRACKING_HOUR_RETENTION', '30m'],
    ['TRACKING_HOUR_RETENTION', '367d'],
    ['TRACKING_HOUR_RETENTION', '30 d'],
    ['CACHE_SHARED_MAX_AGE', '-1'],
    ['CACHE_SHARED_MAX_AGE', '1.5'],
    ['CACHE_SHARED_MAX_AGE', '60s'],
    ['CACHE_SHARED_MAX_AGE', '31536001'],
    ['X_CACHE_HEADER', 'yes'],
    ['X_CACHE_HEADER', '1'],
    ['X_CACHE_HEADER', 'TRUE'],
    ['ORIGINS', 'api.example.com'],
    ['ORIGINS', 'ftp://files.example.com'],
    ['ORIGINS', 'https://api.example.com/v1'],
    ['ORIGINS', 'https://api.example.com?x=1'],
    ['ORIGINS', 'https://user:secret@api.example.com'],
    ['ORIGINS', 'https://a.example.com,,https://b.example.com'],
    ['ORIGINS', 'https://a.example.com, nope'],
    ['ORIGIN_MIN_TTL', '-1'],
    ['ORIGIN_MAX_TTL', '0'],
    ['ORIGIN_MAX_TTL', '31536001'],
    ['ORIGIN_TIMEOUT_MS', '0'],
    ['ORIGIN_TIMEOUT_MS', '5s'],
    ['ORIGIN_MAX_BYTES', 'huge'],
    ['ORIGIN_NEGATIVE_TTL', '-1'],
    ['ORIGIN_CONNECT_TIMEOUT_MS', '0'],
    ['ORIGIN_CONNECT_TIMEOUT_MS', '3s'],
    ['ORIGIN_CONNECT_TIMEOUT_MS', '300001'],
    ['ORIGIN_MAX_CONCURRENCY', '0'],
    ['ORIGIN_MAX_CONCURRENCY', 'many'],
    ['ORIGIN_MAX_CONCURRENCY', '10001'],
    ['STALE_WHILE_REVALIDATE', '-1'],
    ['STALE_WHILE_REVALIDATE', '1.5'],
    ['STALE_WHILE_REVALIDATE', '30s'],
    ['STALE_IF_ERROR', '-1'],
    ['STALE_IF_ERROR', 'forever'],
    ['STALE_IF_ERROR', '31536001'],
    ['NEAR_CACHE_MAX_ENTRIES', '-1'],
    ['NEAR_CACHE_MAX_ENTRIES', '1.5'],
    ['NEAR_CACHE_MAX_ENTRIES', 'many'],
    ['NEAR_CACHE_MAX_ENTRIES', '10000001'],
    ['REDIS_CLUSTER_NODES', 'redis://10.0.0.1:6379'],
    ['REDIS_CLUSTER_NODES', '10.0.0.1'],
    ['REDIS_CLUSTER_NODES', '10.0.0.1:0'],
    ['REDIS_CLUSTER_NODES', '10.0.0.1:65536'],
    ['REDIS_CLUSTER_NODES', '10.0.0.1:6379;10.0.0.2:6379'],
    ['REDIS_SHARDS', '0'],
    ['REDIS_SHARDS', '1025'],
    ['REDIS_SHARDS', '2.5'],
  ])('rejects %s=%p with an error naming the variable', (variable, value) => {
    const error = errorFor({ [variable]: value });

    expect(names(error.message, variable)).toBe(true);
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) expect(names(problem, variable)).toBe(true);
    expect(() => loadConfig({ [variable]: value })).toThrow(InvalidEnvironmentError);
  });

  it.each([
    ['90m', '2h', { minute: 5_400_000, hour: 7_200_000 }],
    ['1m', '1h', { minute: 60_000, hour: 3_600_000 }],
    ['7d', '366d', { minute: 604_800_000, hour: 31_622_400_000 }],
    ['3600s', '24h', { minute: 3_600_000, hour: 86_400_000 }],
  ])(
    'reads TRACKING_MINUTE_RETENTION=%p and TRACKING_HOUR_RETENTION=%p as milliseconds',
    (minute, hour, retention) => {
      const config = loadConfig({
        TRACKING_MINUTE_RETENTION: minute,
        TRACKING_HOUR_RETENTION: hour,
      });

      expect(config.tracking.retention).toStrictEqual(retention);
    },
  );

  it('rejects an hour retention shorter than the minute retention, naming both', () => {
    const error = errorFor({ TRACKING_MINUTE_RETENTION: '7d', TRACKING_HOUR_RETENTION: '2d' });

    expect(error.problems).toHaveLength(1);
    expect(names(error.problems[0], 'TRACKING_HOUR_RETENTION')).toBe(true);
    expect(names(error.problems[0], 'TRACKING_MINUTE_RETENTION')).toBe(true);
    expect(
      loadConfig({ TRACKING_MINUTE_RETENTION: '2d', TRACKING_HOUR_RETENTION: '2d' }).tracking
        .retention,
    ).toStrictEqual({ minute: 172_800_000, hour: 172_800_000 });
  });

  it('reports every invalid variable at once', () => {
    const error = errorFor({ PORT: 'abc', CACHE_TTL: '0', HOST: 'localhost' });

    const named = (variable: string) => error.problems.filter((p) => names(p, variable));

    expect(named('PORT').length).toBeGreaterThan(0);
    expect(named('CACHE_TTL').length).toBeGreaterThan(0);
    expect(named('PORT').length + named('CACHE_TTL').length).toBe(error.problems.length);
    expect(names(error.message, 'HOST')).toBe(false);
  });

  it.each([
    ['API_KEYS', 'first-secret-key, second-secret-key', 'second-secret-key'],
    ['API_KEYS', 'only-secret-key,', 'only-secret-key'],
    ['REDIS_URL', 'redis://:pass word secret@cache.internal/0', 'word secret'],
    ['REDIS_URL', 'http://user:s3cret-pass@cache.internal:6379/0', 's3cret-pass'],
    // Accepted by a plain pattern, refused by the URL parser the Redis client uses.
    ['REDIS_URL', 'redis://:s3cret-pass@cache.internal:99999/0', 's3cret-pass'],
    ['REDIS_URL', 'redis://u:s3cret-pass@[cache/0', 's3cret-pass'],
  ])('rejects %s=%p naming the variable, never showing its value', (variable, value, secret) => {
    const error = errorFor({ [variable]: value });

    expect(names(error.message, variable)).toBe(true);
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(value);
    expect(error.problems.join('\n')).not.toContain(secret);
  });

  it('still shows the value of a variable that holds no secret', () => {
    expect(errorFor({ CACHE_TTL: 'abc' }).message).toContain('"abc"');
  });

  it('accepts a Redis URL with a user and a password', () => {
    expect(
      loadConfig({ REDIS_URL: 'rediss://lapse:pa%20ss@cache.internal:6380/1' }).store.redisUrl,
    ).toBe('rediss://lapse:pa%20ss@cache.internal:6380/1');
  });

  it.each([
    ['1mb', 1_048_576],
    ['512kb', 524_288],
    ['2048', 2048],
  ])('reads BODY_LIMIT=%p as %d bytes', (value, bytes) => {
    expect(loadConfig({ BODY_LIMIT: value }).http.bodyLimit).toBe(bytes);
  });

  it.each([
    ['0', 0],
    ['60', 60],
    [' 300 ', 300],
    ['31536000', 31_536_000],
  ])('reads CACHE_SHARED_MAX_AGE=%p as %d seconds', (value, seconds) => {
    expect(loadConfig({ CACHE_SHARED_MAX_AGE: value }).http.sharedMaxAge).toBe(seconds);
  });

  it('leaves CACHE_SHARED_MAX_AGE unset (no s-maxage) unless given', () => {
    expect(loadConfig({}).http.sharedMaxAge).toBeUndefined();
    expect(loadConfig({ CACHE_SHARED_MAX_AGE: '' }).http.sharedMaxAge).toBeUndefined();
  });

  it.each([
    ['true', true],
    ['false', false],
  ])('reads X_CACHE_HEADER=%p as %p', (value, enabled) => {
    expect(loadConfig({ X_CACHE_HEADER: value }).http.xCacheHeader).toBe(enabled);
  });

  it('turns read-through off unless ORIGINS is set, with defaults for its bounds', () => {
    expect(loadConfig({}).origin).toStrictEqual({
      allowed: [],
      minTtl: 0,
      maxTtl: 86_400,
      timeoutMs: 10_000,
      connectTimeoutMs: 3000,
      maxConcurrency: 64,
      maxBytes: 10 * 1024 * 1024,
      negativeTtl: 30,
      staleWhileRevalidate: 0,
      staleIfError: 0,
    });
  });

  it('reads ORIGINS as normalised origins and the origin settings in their units', () => {
    const config = loadConfig({
      ORIGINS: 'HTTPS://API.Example.com:443/, http://127.0.0.1:8080',
      ORIGIN_MIN_TTL: '5',
      ORIGIN_MAX_TTL: '600',
      ORIGIN_TIMEOUT_MS: '2500',
      ORIGIN_CONNECT_TIMEOUT_MS: '750',
      ORIGIN_MAX_CONCURRENCY: '8',
      ORIGIN_MAX_BYTES: '64kb',
      ORIGIN_NEGATIVE_TTL: '0',
      STALE_WHILE_REVALIDATE: '30',
      STALE_IF_ERROR: '600',
    });

    expect(config.origin).toStrictEqual({
      allowed: ['https://api.example.com', 'http://127.0.0.1:8080'],
      minTtl: 5,
      maxTtl: 600,
      timeoutMs: 2500,
      connectTimeoutMs: 750,
      maxConcurrency: 8,
      maxBytes: 65_536,
      negativeTtl: 0,
      staleWhileRevalidate: 30,
      staleIfError: 600,
    });
  });

  it('rejects ORIGIN_MAX_TTL shorter than ORIGIN_MIN_TTL, naming both', () => {
    const error = errorFor({ ORIGIN_MIN_TTL: '60', ORIGIN_MAX_TTL: '30' });

    expect(error.problems).toHaveLength(1);
    expect(names(error.problems[0], 'ORIGIN_MAX_TTL')).toBe(true);
    expect(names(error.problems[0], 'ORIGIN_MIN_TTL')).toBe(true);
  });

  it('reads NEAR_CACHE_MAX_ENTRIES with Redis, up to ten million', () => {
    const redis = { CACHE_STORE: 'redis' };

    expect(loadConfig(redis).store.nearCacheMaxEntries).toBe(0);
    expect(
      loadConfig({ ...redis, NEAR_CACHE_MAX_ENTRIES: '10000000' }).store.nearCacheMaxEntries,
    ).toBe(10_000_000);
    expect(loadConfig({ NEAR_CACHE_MAX_ENTRIES: '0' }).store.nearCacheMaxEntries).toBe(0);
  });

  it('rejects a near cache without CACHE_STORE=redis, naming both', () => {
    const error = errorFor({ NEAR_CACHE_MAX_ENTRIES: '1000' });

    expect(error.problems).toHaveLength(1);
    expect(names(error.problems[0], 'NEAR_CACHE_MAX_ENTRIES')).toBe(true);
    expect(names(error.problems[0], 'CACHE_STORE')).toBe(true);
  });

  it('reads REDIS_CLUSTER_NODES as a list of host:port seeds, and REDIS_SHARDS', () => {
    const config = loadConfig({
      CACHE_STORE: 'redis',
      REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-2.internal:7001 ,',
      REDIS_SHARDS: '64',
    });

    expect(config.store.redisClusterNodes).toStrictEqual([
      '10.0.0.1:7000',
      'redis-2.internal:7001',
    ]);
    expect(config.store.redisShards).toBe(64);
    expect(loadConfig({ REDIS_SHARDS: '1024' }).store.redisShards).toBe(1024);
  });

  it('rejects REDIS_CLUSTER_NODES without CACHE_STORE=redis, naming both', () => {
    const error = errorFor({ REDIS_CLUSTER_NODES: '10.0.0.1:7000' });

    expect(error.problems).toHaveLength(1);
    expect(names(error.problems[0], 'REDIS_CLUSTER_NODES')).toBe(true);
    expect(names(error.problems[0], 'CACHE_STORE')).toBe(true);
  });

  it('rejects a near cache on a Redis Cluster, naming both', () => {
    const error = errorFor({
      CACHE_STORE: 'redis',
      REDIS_CLUSTER_NODES: '10.0.0.1:7000',
      NEAR_CACHE_MAX_ENTRIES: '1000',
    });

    expect(error.problems).toHaveLength(1);
    expect(names(error.problems[0], 'NEAR_CACHE_MAX_ENTRIES')).toBe(true);
    expect(names(error.problems[0], 'REDIS_CLUSTER_NODES')).toBe(true);
  });
});
