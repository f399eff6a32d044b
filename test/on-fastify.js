// Runs the e2e suites of this project on the fastify adapter (see jest.config.js).
process.env.LAPSE_TEST_ADAPTER = 'fastify';
