// @ts-check
/**
 * `npm run test:quick` (about a quarter of `npm test`'s time): the unit
 * suites and the end-to-end suites on the default adapter (Fastify), leaving out the long fault and timing suites below. The
 * full run (`npm test`, which CI's .ci/run runs) runs every suite, the
 * end-to-end ones on both adapters. The quick run is for working on Lapse;
 * the full run decides whether a change is good.
 */
const full = require('./jest.config');

/** The suites only the full run runs ("CI-only"), by what makes them long. */
const CI_ONLY = [
  // Thousands of generated requests to every route, on each store.
  'test/fuzz.e2e-spec.ts',
  // Faults: Redis killed, frozen and restarted; clients leaving mid-request.
  'test/store-outage.e2e-spec.ts',
  'test/redis-faults.e2e-spec.ts',
  'test/redis-cluster-faults.e2e-spec.ts',
  'src/redis/redis-cluster.spec.ts',
  'test/client-abort.e2e-spec.ts',
  'src/redis/redis-connection.spec.ts',
  'src/redis/redis-subscriber.spec.ts',
  'src/origin/stores/redis-fill-lock.spec.ts',
  'src/redis/redis-key-tracking.spec.ts',
  // The near cache's coherence, measured over hundreds of writes on two instances.
  'test/near-cache.e2e-spec.ts',
  // Timing: signals and stalled bodies at shutdown, real request timeouts and
  // the connection cap, entries left to expire behind a client-side cache,
  // windows that wait for a minute's start, stale entries left to age, and
  // an instance left idle.
  'test/shutdown.e2e-spec.ts',
  'test/connections.e2e-spec.ts',
  'test/client-cache.e2e-spec.ts',
  'test/insights.e2e-spec.ts',
  'test/read-through-stale.e2e-spec.ts',
  'test/redis-idle.e2e-spec.ts',
  // Other programs in front of Lapse: nginx, and Chromium for the dashboard.
  'test/nginx-proxy-cache.e2e-spec.ts',
  'test/dashboard.e2e-spec.ts',
];

/** @type {import('jest').Config} */
module.exports = {
  ...full,
  projects: (full.projects ?? []).flatMap((project) =>
    typeof project === 'string' || project.displayName === 'e2e'
      ? []
      : [
          {
            ...project,
            testPathIgnorePatterns: [
              '/node_modules/',
              ...CI_ONLY.map((path) => `<rootDir>/${path}`),
            ],
          },
        ],
  ),
};
