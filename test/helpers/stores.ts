import { randomUUID } from 'node:crypto';

/** A store the e2e suites run against, with the environment that selects it. */
export interface StoreTarget {
  name: 'memory' | 'redis';
  /**
   * Environment variables selecting the store. Each call gives a fresh
   * namespace, so every app starts empty; apps meant to share one cache must
   * be built from the same call.
   */
  env: () => Record<string, string>;
}

let namespaces = 0;

/** The Redis started by test/global-setup.ts, if any. */
export const testRedisUrl = process.env.LAPSE_TEST_REDIS_URL;

/**
 * Every store the e2e suites run against: `describe.each(storeTargets)`.
 * Redis is included when the test run has a redis-server (see global-setup.ts).
 * A suite that only makes sense for one store says so with its own condition.
 */
export const storeTargets: StoreTarget[] = [
  { name: 'memory', env: () => ({}) },
  ...(testRedisUrl
    ? [
        {
          name: 'redis' as const,
          env: () => ({
            CACHE_STORE: 'redis',
            REDIS_URL: testRedisUrl,
            CACHE_NAMESPACE: `test-${randomUUID().slice(0, 8)}-${++namespaces}`,
          }),
        },
      ]
    : []),
];
