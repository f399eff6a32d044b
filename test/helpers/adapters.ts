/**
 * The HTTP adapter the e2e suites run on. Jest runs the e2e project once per
 * adapter (see jest.config), setting LAPSE_TEST_ADAPTER; apps built by
 * `createTestApp` and processes spawned by the suites both use it.
 */
export const testAdapter: 'express' | 'fastify' =
  process.env.LAPSE_TEST_ADAPTER === 'fastify' ? 'fastify' : 'express';

/** The environment selecting {@link testAdapter}. */
export function testAdapterEnv(): Record<string, string> {
  return { HTTP_ADAPTER: testAdapter };
}
