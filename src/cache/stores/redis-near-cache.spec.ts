import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { findRedisServer, RedisServer } from '../../../test/helpers/redis-server';
import { RedisConnection } from '../../redis/redis-connection';
import type { CacheEntry } from '../cache-entry';
import { NEAR_HITS_FLUSH_MS, RedisCacheStore } from './redis-cache.store';

/**
 * The Redis store with a near cache, against a real `redis-server`: what it
 * does itself, beyond hearing Redis's invalidation messages (those are
 * tested across instances in test/near-cache.e2e-spec.ts).
 */

jest.setTimeout(30_000);

const LONG_TTL = 10 * 60_000;

function entryOf(value: unknown): CacheEntry {
  const storedAt = Date.now();
  return { value, tags: [], etag: `"${String(value)}"`, storedAt, expiresAt: storedAt + LONG_TTL };
}

/** Resolves once `check` holds, polling (with `poll` before each check), for at most `limitMs`. */
async function until(
  check: () => boolean,
  limitMs: number,
  poll: () => Promise<unknown> = () => sleep(10),
): Promise<void> {
  const started = performance.now();
  for (;;) {
    await poll();
    if (check()) return;
    if (performance.now() - started > limitMs) throw new Error('condition not met in time');
  }
}

const describeWithRedis = findRedisServer() ? describe : describe.skip;

describeWithRedis('RedisCacheStore with a near cache', () => {
  let server: RedisServer;
  let connection: RedisConnection;
  let store: RedisCacheStore;
  let namespaces = 0;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = await RedisServer.start({ durable: false });
  });
  afterAll(async () => {
    await server?.stop();
  });

  beforeEach(async () => {
    connection = new RedisConnection({ url: server.url, timeoutMs: 1_000 });
    await connection.onModuleInit();
    store = new RedisCacheStore(connection, {
      namespace: `near-spec-${++namespaces}`,
      sweepIntervalMs: 60_000,
      nearCacheMaxEntries: 100,
    });
    await until(() => store.nearCache().active, 5_000);
  });
  afterEach(async () => {
    store.onModuleDestroy();
    await store.beforeApplicationShutdown();
    await connection.onApplicationShutdown();
  });

  /**
   * Reads `key` until a read is served near. Redis's message about the
   * store's own last write may come after the first read kept the entry, and
   * drop it: then the next read keeps it again.
   */
  async function holdNear(key: string): Promise<void> {
    const hits = store.nearCache().hits;
    await until(
      () => store.nearCache().hits > hits,
      1_000,
      () => store.readCounted(key),
    );
  }

  /** Stops hearing Redis's messages, so that only the store's own forgetting is tested. */
  function muteInvalidations(): void {
    const near = (store as unknown as { near: { tracking: { client: NodeJS.EventEmitter } } }).near;
    near.tracking.client.removeAllListeners('invalidate');
  }

  it('reads its own writes, deletes and purges at once, without waiting for Redis to say so', async () => {
    await store.setIf('k', entryOf('old'), LONG_TTL, {});
    await holdNear('k');
    muteInvalidations();

    await store.setIf('k', entryOf('new'), LONG_TTL, {});
    expect((await store.readCounted('k'))?.value).toBe('new');
    await holdNear('k');
    expect(await store.deleteIf('k', {})).toBe('deleted');
    expect(await store.readCounted('k')).toBeUndefined();

    await store.keyv.set('through-keyv', entryOf('old'), LONG_TTL);
    await holdNear('through-keyv');
    await store.keyv.set('through-keyv', entryOf('new'), LONG_TTL);
    expect((await store.readCounted('through-keyv'))?.value).toBe('new');

    await holdNear('through-keyv');
    expect(await store.purge({ prefix: 'through' })).toBe(1);
    expect(await store.readCounted('through-keyv')).toBeUndefined();
  });

  it('adds its near hits to the counters and the current buckets within the flush interval', async () => {
    await store.setIf('k', entryOf('v'), LONG_TTL, {});
    await holdNear('k');
    await sleep(NEAR_HITS_FLUSH_MS + 100);
    const before = Date.now();
    const counted = (await store.readCounters()).hits;
    const { hits, flushes } = store.nearCache();
    for (let i = 0; i < 10; i += 1) await store.readCounted('k');

    expect(store.nearCache().hits).toBe(hits + 10);
    expect((await store.readCounters()).hits).toBe(counted);
    await sleep(NEAR_HITS_FLUSH_MS + 100);

    expect((await store.readCounters()).hits).toBe(counted + 10);
    for (const interval of ['minute', 'hour'] as const) {
      const size = interval === 'minute' ? 60_000 : 3_600_000;
      const first = Math.floor(before / size) * size;
      const points = await store.activity({ interval, first, count: 2 });
      // Everything counted in this test, before and since.
      expect(points[0].hits + points[1].hits).toBe(counted + 10);
    }
    expect(store.nearCache().flushes).toBeGreaterThan(flushes);
  });

  it('adds its last near hits at shutdown, and serves nothing near after', async () => {
    await store.setIf('k', entryOf('v'), LONG_TTL, {});
    await holdNear('k');
    await sleep(NEAR_HITS_FLUSH_MS + 100);
    const counted = (await store.readCounters()).hits;
    for (let i = 0; i < 5; i += 1) await store.readCounted('k');

    await store.beforeApplicationShutdown();

    expect((await store.readCounters()).hits).toBe(counted + 5);
    expect(store.nearCache()).toMatchObject({ active: false, entries: 0 });
    expect((await store.readCounted('k'))?.value).toBe('v');
    expect((await store.readCounters()).hits).toBe(counted + 6);
  });

  it('sends Redis nothing for near hits while it is away, and adds them once it is back', async () => {
    await store.setIf('k', entryOf('v'), LONG_TTL, {});
    await holdNear('k');
    await sleep(NEAR_HITS_FLUSH_MS + 100);
    const { flushes } = store.nearCache();
    for (let i = 0; i < 3; i += 1) await store.readCounted('k');
    // Hits held, not yet added: Redis goes away before the timer fires.
    await server.kill();
    await sleep(3 * NEAR_HITS_FLUSH_MS);
    expect(store.failedCalls()).toBe(0);
    expect(store.nearCache()).toMatchObject({ active: false, flushes });

    // Back empty (not durable): the counts start again from the hits held.
    await server.restart();
    await until(() => store.nearCache().flushes > flushes, 5_000);
    expect((await store.readCounters()).hits).toBe(3);
  });
});
