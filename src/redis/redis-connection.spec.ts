import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { findRedisServer, freePort, RedisServer } from '../../test/helpers/redis-server';
import type { CacheEntry } from '../cache/cache-entry';
import { RedisCacheStore } from '../cache/stores/redis-cache.store';
import { StoreUnavailableError } from '../common/store-unavailable.error';
import { RedisTrackingStore } from '../tracking/stores/redis-tracking.store';
import { RedisConnection } from './redis-connection';
import { DEFAULT_RETENTION } from '../time-series/time-buckets';

/**
 * The failure contract of the Redis adapters, against a real `redis-server`
 * that the tests kill, freeze and restart: while Redis is away every call fails
 * fast with StoreUnavailableError, nothing hangs, and the connection recovers
 * by itself when Redis is back.
 */

jest.setTimeout(30_000);

const TIMEOUT_MS = 1_000;
/** How fast a call must fail while Redis is away (about one timeout, measured generously). */
const FAIL_FAST_MS = 2_000;
/** How soon the connection must be usable again once Redis is back. */
const RECOVERY_MS = 5_000;
const T0 = Date.UTC(2030, 0, 1);
const LONG_TTL = 10 * 60_000;

let namespaces = 0;
const uniqueNamespace = (): string =>
  `contract-connection-${process.pid}-${Date.now()}-${++namespaces}`;

function entryOf<T>(value: T, tags = ['t']): CacheEntry<T> {
  const storedAt = Date.now();
  return { value, tags, etag: `"${String(value)}"`, storedAt, expiresAt: storedAt + LONG_TTL };
}

/** How a call settled and how long it took. */
interface Settled {
  label: string;
  outcome: string;
  ms: number;
}

/**
 * Runs `call`, waiting at most `limitMs * 3` (so a hang fails the test rather
 * than timing it out), and describes how it settled.
 */
async function settle(label: string, call: () => Promise<unknown>, limitMs: number) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    call().then(
      (value) => `resolved ${JSON.stringify(value)}`,
      (error: unknown) =>
        error instanceof StoreUnavailableError
          ? 'StoreUnavailableError'
          : `rejected with ${String(error)}`,
    ),
    new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('hung'), limitMs * 3);
    }),
  ]);
  clearTimeout(timer);
  return { label, outcome, ms: Math.round(performance.now() - started) } satisfies Settled;
}

/** Calls `call` until it resolves; resolves how long that took, or rejects past `limitMs`. */
async function pollUntilSucceeds(call: () => Promise<unknown>, limitMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      await call();
      return Date.now() - started;
    } catch (error) {
      if (Date.now() - started > limitMs) throw error;
      await sleep(50);
    }
  }
}

const redisBinary = findRedisServer();
if (!redisBinary) {
  if (process.env.CI === 'true') {
    throw new Error(
      'redis-server is not installed: the Redis failure contract cannot run in CI ' +
        '(install the Debian package redis-server).',
    );
  }
  process.stdout.write(
    'Notice: redis-server not found on the PATH; only the tests that need no Redis server run.\n',
  );
}

beforeAll(() => {
  Logger.overrideLogger(false);
});

describe(`${RedisConnection.name} with nothing listening on its port`, () => {
  let connection: RedisConnection | undefined;

  afterEach(async () => {
    await connection?.onApplicationShutdown();
    connection = undefined;
  });

  it('starts within about one timeout, fails calls fast, and closes without hanging', async () => {
    const port = await freePort();
    connection = new RedisConnection({ url: `redis://127.0.0.1:${port}/0`, timeoutMs: TIMEOUT_MS });

    const init = await settle('onModuleInit', () => connection!.onModuleInit(), TIMEOUT_MS);
    expect(init.outcome).toBe('resolved undefined');
    expect(init.ms).toBeLessThan(TIMEOUT_MS + 500);
    expect(connection.isReady).toBe(false);

    const call = await settle('run', () => connection!.run((c) => c.ping()), FAIL_FAST_MS);
    expect(call.outcome).toBe('StoreUnavailableError');
    expect(call.ms).toBeLessThan(FAIL_FAST_MS);

    const closed = await settle('close', () => connection!.onApplicationShutdown(), 1_000);
    expect(closed.outcome).toBe('resolved undefined');
    expect(closed.ms).toBeLessThan(1_000);
  });
});

if (redisBinary) {
  describe(`${RedisConnection.name} and the Redis stores when the server goes away`, () => {
    let server: RedisServer;
    let running = false;
    let connection: RedisConnection;
    let cache: RedisCacheStore;
    let tracking: RedisTrackingStore;

    beforeAll(async () => {
      server = await RedisServer.start();
      running = true;
    });

    afterAll(async () => {
      await server?.stop();
    });

    beforeEach(async () => {
      if (!running) {
        await server.restart();
        running = true;
      }
      connection = new RedisConnection({ url: server.url, timeoutMs: TIMEOUT_MS });
      await connection.onModuleInit();
      expect(connection.isReady).toBe(true);
      const namespace = uniqueNamespace();
      cache = new RedisCacheStore(connection, { namespace, sweepIntervalMs: 60_000 });
      tracking = new RedisTrackingStore(connection, {
        namespace,
        maxResources: 100,
        retention: DEFAULT_RETENTION,
      });
    });

    afterEach(async () => {
      cache.onModuleDestroy();
      server.resume();
      await connection.onApplicationShutdown();
    });

    async function kill(): Promise<void> {
      await server.kill();
      running = false;
    }

    async function restart(): Promise<void> {
      await server.restart();
      running = true;
    }

    /** Every call of the connection and of both stores' ports, each a fresh promise. */
    const everyCall = (): Array<[string, () => Promise<unknown>]> => [
      ['connection.run', () => connection.run((client) => client.ping())],
      ['cache keyv.get', () => cache.keyv.get('kept')],
      ['cache keyv.set', () => cache.keyv.set('new', entryOf('new'), LONG_TTL)],
      ['cache keyv.delete', () => cache.keyv.delete('kept')],
      ['cache keyv.has', () => cache.keyv.has('kept')],
      ['cache setIf', () => cache.setIf('new', entryOf('new'), LONG_TTL, {})],
      ['cache deleteIf', () => cache.deleteIf('kept', { ifMatch: '*' })],
      ['cache list', () => cache.list({ limit: 10 })],
      ['cache purge', () => cache.purge({ tag: 't' })],
      ['cache countEntries', () => cache.countEntries()],
      ['cache increment', () => cache.increment('hits')],
      ['cache readCounters', () => cache.readCounters()],
      ['tracking record', () => tracking.record('r', 'view', T0 + 9)],
      ['tracking summary', () => tracking.summary('r')],
      ['tracking top', () => tracking.top(10)],
      ['tracking countInteractions', () => tracking.countInteractions()],
    ];

    /** The calls that did not fail with StoreUnavailableError within FAIL_FAST_MS. */
    const misbehaving = (results: Settled[]): Settled[] =>
      results.filter(
        ({ outcome, ms }) => outcome !== 'StoreUnavailableError' || ms >= FAIL_FAST_MS,
      );

    /** Data written while Redis was up, to look for after a restart. */
    async function writeSomeData(): Promise<CacheEntry<string>> {
      const entry = entryOf('kept');
      await cache.keyv.set('kept', entry, LONG_TTL);
      await cache.increment('hits', 2);
      await tracking.record('r', 'view', T0);
      await tracking.record('r', 'click', T0 + 1);
      return entry;
    }

    it('fails every call with StoreUnavailableError within ~1.5 s once the server is killed', async () => {
      await writeSomeData();
      expect(connection.failedCalls).toBe(0);
      await kill();

      // Right after the kill, all at once...
      const atOnce = await Promise.all(
        everyCall().map(([label, call]) => settle(label, call, FAIL_FAST_MS)),
      );
      expect(misbehaving(atOnce)).toStrictEqual([]);
      // Counted, for the metrics, rather than logged one by one.
      expect(connection.failedCalls).toBeGreaterThanOrEqual(atOnce.length);

      // ...and one by one while the client retries in the background.
      await sleep(1_500);
      const oneByOne: Settled[] = [];
      for (const [label, call] of everyCall())
        oneByOne.push(await settle(label, call, FAIL_FAST_MS));
      expect(misbehaving(oneByOne)).toStrictEqual([]);

      // The background sweep neither hangs nor throws: it skips while Redis is away.
      const sweep = await settle('sweepExpired', () => cache.sweepExpired(), FAIL_FAST_MS);
      expect(sweep.ms).toBeLessThan(FAIL_FAST_MS);
      expect(['resolved 0', 'StoreUnavailableError']).toContain(sweep.outcome);
    });

    it('recovers by itself within 5 s of a restart, with the data written before the kill', async () => {
      const entry = await writeSomeData();
      await kill();
      expect(
        (await settle('run', () => connection.run((c) => c.ping()), FAIL_FAST_MS)).outcome,
      ).toBe('StoreUnavailableError');
      // Long enough for the reconnect back-off to reach its ceiling.
      await sleep(2_000);

      await restart();
      const recoveredIn = await pollUntilSucceeds(
        () => connection.run((client) => client.ping()),
        RECOVERY_MS,
      );

      expect(recoveredIn).toBeLessThan(RECOVERY_MS);
      expect(connection.isReady).toBe(true);
      expect(await cache.keyv.get('kept')).toStrictEqual(entry);
      expect(await cache.countEntries()).toBe(1);
      expect((await cache.readCounters()).hits).toBe(2);
      expect((await tracking.summary('r'))?.total).toBe(2);
      expect(await tracking.countInteractions()).toBe(2);
      // And it takes writes again.
      expect(await tracking.record('r', 'view', T0 + 2)).toBe(3);
      await cache.keyv.set('after', entryOf('after'), LONG_TTL);
      expect(await cache.countEntries()).toBe(2);
    });

    it('times calls out with StoreUnavailableError while the server is frozen, then works again', async () => {
      await writeSomeData();
      // Calls that timed out may still be applied once the server thaws: look at other data.
      const untouched = entryOf('untouched', []);
      await cache.keyv.set('untouched', untouched, LONG_TTL);
      server.pause();

      const frozen = await Promise.all(
        everyCall().map(([label, call]) => settle(label, call, FAIL_FAST_MS)),
      );
      expect(misbehaving(frozen)).toStrictEqual([]);
      expect(frozen.every(({ ms }) => ms >= TIMEOUT_MS - 50)).toBe(true);

      server.resume();
      await pollUntilSucceeds(() => connection.run((client) => client.ping()), RECOVERY_MS);
      expect(await cache.keyv.get('untouched')).toStrictEqual(untouched);
      expect(await tracking.record('other', 'view', T0)).toBe(1);
    });

    it('does not time out a call whose answer came while the event loop was held up', async () => {
      const answer = connection.run((client) => client.ping());
      // The client writes its commands in a setImmediate callback: let it
      // write this one, then hold the event loop before any poll reads the
      // answer, which arrives meanwhile.
      await new Promise((resolve) => setImmediate(resolve));
      const until = performance.now() + TIMEOUT_MS * 1.5;
      while (performance.now() < until) {
        // Busy, as during a long garbage collection.
      }
      await expect(answer).resolves.toBe('PONG');
      expect(connection.failedCalls).toBe(0);
    });

    it('closes without hanging while the server is frozen', async () => {
      await writeSomeData();
      server.pause();
      expect(
        (await settle('run', () => connection.run((c) => c.ping()), FAIL_FAST_MS)).outcome,
      ).toBe('StoreUnavailableError');

      const closed = await settle('close', () => connection.onApplicationShutdown(), FAIL_FAST_MS);

      expect(closed).toMatchObject({ outcome: 'resolved undefined' });
      expect(closed.ms).toBeLessThan(FAIL_FAST_MS);
    });
  });

  describe(`${RedisConnection.name} created before its server starts`, () => {
    let server: RedisServer;
    let connection: RedisConnection | undefined;

    beforeAll(async () => {
      // Start then kill a server, so its port is known and nothing listens on it.
      server = await RedisServer.start();
      await server.kill();
    });

    afterAll(async () => {
      await connection?.onApplicationShutdown();
      await server?.stop();
    });

    it('starts without it, fails fast, and serves within 5 s once it is up', async () => {
      connection = new RedisConnection({ url: server.url, timeoutMs: TIMEOUT_MS });
      const current = connection;

      const init = await settle('onModuleInit', () => current.onModuleInit(), TIMEOUT_MS);
      expect(init.outcome).toBe('resolved undefined');
      expect(init.ms).toBeLessThan(TIMEOUT_MS + 500);

      const namespace = uniqueNamespace();
      const cache = new RedisCacheStore(current, { namespace, sweepIntervalMs: 60_000 });
      const tracking = new RedisTrackingStore(current, {
        namespace,
        maxResources: 100,
        retention: DEFAULT_RETENTION,
      });
      try {
        const calls: Array<[string, () => Promise<unknown>]> = [
          ['connection.run', () => current.run((client) => client.ping())],
          ['cache keyv.get', () => cache.keyv.get('k')],
          ['cache countEntries', () => cache.countEntries()],
          ['tracking record', () => tracking.record('r', 'view', T0)],
        ];
        for (const [label, call] of calls) {
          const result = await settle(label, call, FAIL_FAST_MS);
          expect(result).toMatchObject({ label, outcome: 'StoreUnavailableError' });
          expect(result.ms).toBeLessThan(FAIL_FAST_MS);
        }

        await server.restart();
        const recoveredIn = await pollUntilSucceeds(
          () => current.run((client) => client.ping()),
          RECOVERY_MS,
        );

        expect(recoveredIn).toBeLessThan(RECOVERY_MS);
        await cache.keyv.set('k', entryOf('v'), LONG_TTL);
        expect((await cache.keyv.get<CacheEntry>('k'))?.value).toBe('v');
        expect(await tracking.record('r', 'view', T0)).toBe(1);
      } finally {
        cache.onModuleDestroy();
      }
    });
  });
}
