// @ts-check
/** The Swagger CLI plugin runs in tests too, so /docs-json is the same as in production. */
const tsJest = [
  'ts-jest',
  {
    tsconfig: 'tsconfig.json',
    astTransformers: {
      before: ['<rootDir>/test/swagger-plugin.transformer.js'],
    },
  },
];

/**
 * The e2e suites, run on one HTTP adapter (HTTP_ADAPTER): the whole suite runs
 * once per adapter, as each suite runs once per store.
 * @param {'express' | 'fastify'} adapter
 * @returns {import('jest').Config}
 */
function e2eOn(adapter) {
  return {
    displayName: adapter === 'express' ? 'e2e' : `e2e-${adapter}`,
    testEnvironment: 'node',
    rootDir: '.',
    testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
    setupFiles: [`<rootDir>/test/on-${adapter}.js`],
    globalSetup: '<rootDir>/test/global-setup.ts',
    globalTeardown: '<rootDir>/test/global-teardown.ts',
    transform: { '^.+\\.ts$': tsJest },
  };
}

/** @type {import('jest').Config} */
module.exports = {
  // A global option: Jest ignores it inside a project. The e2e suites need it
  // (servers, a real Redis); the unit suites finish far within it.
  testTimeout: 30000,
  // One suite at a time (`--maxWorkers=1`: the suites start servers and time
  // them), in a worker that is replaced once its heap passes 768 MB after a
  // suite. In one long-lived process the heap grew by 100-300 MB per suite,
  // and the collections of a heap of several GB paused the apps under test
  // for seconds, long enough to fail timing checks late in the run.
  workerIdleMemoryLimit: '768MB',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    e2eOn('express'),
    e2eOn('fastify'),
  ],
};
