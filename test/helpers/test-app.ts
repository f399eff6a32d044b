import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types';
import { createTestApp } from './create-test-app';

/** Environment variables an app is built from (see `createTestApp`). */
export type Env = Record<string, string>;

/** A new supertest request against one app: `http().get('/stats').expect(200)`. */
export type Http = () => ReturnType<typeof request>;

export interface TestAppOptions {
  /**
   * Listen on a free loopback port first, so that keep-alive agents reuse
   * their connections and concurrent requests really arrive together.
   */
  listen?: boolean;
}

/** An app built for a test, with its request function. */
export interface TestApp {
  app: INestApplication<App>;
  http: Http;
  close: () => Promise<void>;
}

/**
 * Builds the real app from `env` (store settings and whatever else the test
 * sets; the HTTP adapter comes from the Jest project) and returns it with its
 * request function. The caller closes it.
 */
export async function startTestApp(env: Env = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const app: INestApplication<App> = await createTestApp(env);
  if (options.listen) await app.listen(0, '127.0.0.1');
  return { app, http: () => request(app.getHttpServer()), close: () => app.close() };
}

/**
 * Gives a describe block one app: built from `env()` in a `beforeAll` and
 * closed in an `afterAll` (with `perTest`, a fresh one for each test, in
 * `beforeEach` and `afterEach`). `env` is called each time an app is built, so
 * a store's `env` gives each app a namespace of its own. Jest runs hooks in the
 * order they are registered: the block's own `before*` hooks registered after
 * this call find the app built, its `after*` hooks registered after it run
 * once the app is closed. Returns the request function for the current app.
 */
export function useTestApp(
  env: () => Env = () => ({}),
  options: TestAppOptions & { perTest?: boolean } = {},
): { http: Http } {
  let current: TestApp | undefined;
  const [before, after] = options.perTest ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    current = await startTestApp(env(), options);
  });
  after(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    http: () => {
      if (!current)
        throw new Error('the app is built in a before hook: request it in tests and hooks');
      return current.http();
    },
  };
}

/**
 * For a describe block whose tests build their own apps: returns `boot`, which
 * builds one from `{ ...base(), ...extra }`; every app booted in a test is
 * closed after it (`afterEach`).
 */
export function useTestApps(
  base: () => Env = () => ({}),
  options: TestAppOptions = {},
): (extra?: Env) => Promise<TestApp> {
  const apps: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  return async (extra = {}) => {
    const app = await startTestApp({ ...base(), ...extra }, options);
    apps.push(app);
    return app;
  };
}
