import { randomUUID } from 'node:crypto';

/** A store the e2e suites run against, with the environment that selects it. */
export interface StoreTarget {
  /** `redis-cluster`: Redis on a local Redis Cluster of three masters. */
  name: 'memory' | 'redis' | 'redis-cluster';
  /** The backend `GET /stats` names: `redis` on one Redis and on a cluster alike. */
  store: 'memory' | 'redis';
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
/** The seed nodes of the Redis Cluster started by test/global-setup.ts, if any. */
export const testRedisClusterNodes = process.env.LAPSE_TEST_REDIS_CLUSTER_NODES;

const uniqueNamespace = (): string => `test-${randomUUID().slice(0, 8)}-${++namespaces}`;

/**
 * Every store the e2e suites run against: `describe.each(storeTargets)`.
 * Redis and the Redis Cluster are included when the test run has them (see
 * global-setup.ts). A suite that only makes sense for one store says so with
 * its own condition.
 */
export const storeTargets: StoreTarget[] = [
  { name: 'memory', store: 'memory', env: () => ({}) },
  ...(testRedisUrl
    ? [
        {
          name: 'redis' as const,
          store: 'redis' as const,
          env: () => ({
            CACHE_STORE: 'redis',
            REDIS_URL: testRedisUrl,
            CACHE_NAMESPACE: uniqueNamespace(),
          }),
        },
      ]
    : []),
  ...(testRedisClusterNodes
    ? [
        {
          name: 'redis-cluster' as const,
          store: 'redis' as const,
          env: () => ({
            CACHE_STORE: 'redis',
            REDIS_CLUSTER_NODES: testRedisClusterNodes,
            CACHE_NAMESPACE: uniqueNamespace(),
          }),
        },
      ]
    : []),
];
