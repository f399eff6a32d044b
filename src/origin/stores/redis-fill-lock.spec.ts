import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { findRedisServer, RedisServer } from '../../../test/helpers/redis-server';
import { StoreUnavailableError } from '../../common/store-unavailable.error';
import { RedisConnection } from '../../redis/redis-connection';
import { RedisSubscriber } from '../../redis/redis-subscriber';
import { RedisFillLock } from './redis-fill-lock';

/**
 * The Redis fill lock against a real `redis-server`, with two "instances"
 * (each its own connection, subscriber and lock) on one namespace. Timings
 * are checked with a wide margin: the machine runs other tests meanwhile.
 */

jest.setTimeout(30_000);

const TIMEOUT_MS = 1_000;
const LONG_LOCK_MS = 10_000;

let namespaces = 0;
const uniqueNamespace = (): string => `fill-lock-${process.pid}-${Date.now()}-${++namespaces}`;

/** One instance's side: its connection, subscriber and lock. */
interface Instance {
  connection: RedisConnection;
  subscriber: RedisSubscriber;
  lock: RedisFillLock;
}

/** A cache the fills write to, shared by the instances, and how many fills ran. */
class Filled {
  readonly values = new Map<string, string>();
  fills = 0;

  /** A fill that takes `ms`, then stores (or, with `store: false`, only answers) a value. */
  fill(id: string, ms: number, { store = true } = {}): () => Promise<string> {
    return async () => {
      this.fills += 1;
      const value = `fill ${this.fills} of ${id}`;
      await sleep(ms);
      if (store) this.values.set(id, value);
      return value;
    };
  }

  read(id: string): () => Promise<string | undefined> {
    return () => Promise.resolve(this.values.get(id));
  }
}

const redisBinary = findRedisServer();
const describeWithRedis = redisBinary ? describe : describe.skip;
if (!redisBinary) {
  if (process.env.CI === 'true') {
    throw new Error(
      'redis-server is not installed: the Redis fill lock cannot be tested in CI ' +
        '(install the Debian package redis-server).',
    );
  }
  process.stdout.write(
    'Notice: redis-server not found on the PATH; the fill lock is not tested.\n',
  );
}

/** Calls `call` until it resolves, for at most `limitMs`. */
async function untilItSucceeds(call: () => Promise<unknown>, limitMs: number): Promise<void> {
  const started = performance.now();
  for (;;) {
    try {
      await call();
      return;
    } catch (error) {
      if (performance.now() - started > limitMs) throw error;
      await sleep(50);
    }
  }
}

describeWithRedis(RedisFillLock.name, () => {
  let server: RedisServer;
  const instances: Instance[] = [];
  let killed = false;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = await RedisServer.start({ durable: false });
  });

  afterAll(async () => {
    await server?.stop();
  });

  afterEach(async () => {
    server.resume();
    if (killed) {
      await server.restart();
      killed = false;
    }
    for (const { subscriber, connection } of instances.splice(0)) {
      await subscriber.onApplicationShutdown();
      await connection.onApplicationShutdown();
    }
  });

  async function instance(namespace: string, lockTtlMs = LONG_LOCK_MS): Promise<Instance> {
    const connection = new RedisConnection({ url: server.url, timeoutMs: TIMEOUT_MS });
    await connection.onModuleInit();
    const subscriber = new RedisSubscriber(connection, { timeoutMs: TIMEOUT_MS });
    const lock = new RedisFillLock(connection, subscriber, { namespace, lockTtlMs });
    const created = { connection, subscriber, lock };
    instances.push(created);
    return created;
  }

  it('lets one of many concurrent callers on two instances fill, and wakes the others at once', async () => {
    const namespace = uniqueNamespace();
    const [a, b] = [await instance(namespace), await instance(namespace)];
    const filled = new Filled();
    const started = performance.now();

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).lock.fillOnce('id-1', filled.fill('id-1', 300), filled.read('id-1')),
      ),
    );

    expect(filled.fills).toBe(1);
    expect(new Set(results)).toStrictEqual(new Set(['fill 1 of id-1']));
    // Woken by the release, not by the lock's expiry 10 s on.
    expect(performance.now() - started).toBeLessThan(LONG_LOCK_MS / 2);
    // Released: nothing is left behind.
    expect(await a.connection.client.exists(a.lock.lockKey('id-1'))).toBe(0);
  });

  it('keeps different ids apart', async () => {
    const namespace = uniqueNamespace();
    const a = await instance(namespace);
    const filled = new Filled();

    await Promise.all([
      a.lock.fillOnce('x', filled.fill('x', 100), filled.read('x')),
      a.lock.fillOnce('y', filled.fill('y', 100), filled.read('y')),
    ]);

    expect(filled.fills).toBe(2);
  });

  it('waits for a lock whose holder died until it expires, then one waiter fills', async () => {
    const namespace = uniqueNamespace();
    const [a, b] = [await instance(namespace), await instance(namespace)];
    await a.connection.client.set(a.lock.lockKey('orphan'), 'dead-holder', { PX: 1_000 });
    const filled = new Filled();
    const started = performance.now();

    const results = await Promise.all([
      a.lock.fillOnce('orphan', filled.fill('orphan', 100), filled.read('orphan')),
      b.lock.fillOnce('orphan', filled.fill('orphan', 100), filled.read('orphan')),
    ]);

    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(1_000 + 3_000);
    expect(filled.fills).toBe(1);
    expect(results).toStrictEqual(['fill 1 of orphan', 'fill 1 of orphan']);
  });

  it('takes the lock over when the holder stored nothing', async () => {
    const namespace = uniqueNamespace();
    const [a, b] = [await instance(namespace), await instance(namespace)];
    const filled = new Filled();

    const first = a.lock.fillOnce(
      'unkept',
      filled.fill('unkept', 300, { store: false }),
      filled.read('unkept'),
    );
    await sleep(50);
    const second = b.lock.fillOnce('unkept', filled.fill('unkept', 50), filled.read('unkept'));

    expect(await first).toBe('fill 1 of unkept');
    expect(await second).toBe('fill 2 of unkept');
    expect(filled.fills).toBe(2);
  });

  it('passes a failed fill on to its caller, and lets a waiter fill instead', async () => {
    const namespace = uniqueNamespace();
    const [a, b] = [await instance(namespace), await instance(namespace)];
    const filled = new Filled();

    const failing = a.lock.fillOnce(
      'flaky',
      async () => {
        await sleep(200);
        throw new Error('origin down');
      },
      filled.read('flaky'),
    );
    await sleep(50);
    const waiting = b.lock.fillOnce('flaky', filled.fill('flaky', 50), filled.read('flaky'));

    await expect(failing).rejects.toThrow('origin down');
    await expect(waiting).resolves.toBe('fill 1 of flaky');
  });

  it('never releases a lock another holder took after its own expired', async () => {
    const namespace = uniqueNamespace();
    const a = await instance(namespace, 300);
    const key = a.lock.lockKey('slow');

    const fill = a.lock.fillOnce(
      'slow',
      async () => {
        await sleep(500);
        return 'late';
      },
      () => Promise.resolve(undefined),
    );
    await sleep(400);
    // Expired by now: another instance takes it.
    await a.connection.client.set(key, 'other-holder', { PX: 5_000, NX: true });

    await expect(fill).resolves.toBe('late');
    expect(await a.connection.client.get(key)).toBe('other-holder');
  });

  it('waits at most its lock lifetime, then fills without the lock', async () => {
    const namespace = uniqueNamespace();
    const a = await instance(namespace, 800);
    // A lock without an expiry, which no holder of Lapse's ever leaves.
    await a.connection.client.set(a.lock.lockKey('stuck'), 'forever');
    const filled = new Filled();
    const started = performance.now();

    await expect(
      a.lock.fillOnce('stuck', filled.fill('stuck', 10), filled.read('stuck')),
    ).resolves.toBe('fill 1 of stuck');

    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(700);
    expect(waited).toBeLessThan(800 + 3_000);
    expect(filled.fills).toBe(1);
  });

  it('fails a waiter fast when Redis goes away, and every call while it is away', async () => {
    const namespace = uniqueNamespace();
    const a = await instance(namespace);
    await a.connection.client.set(a.lock.lockKey('held'), 'holder', { PX: LONG_LOCK_MS });
    const filled = new Filled();

    const waiting = a.lock.fillOnce('held', filled.fill('held', 10), filled.read('held'));
    const outcome = waiting.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await sleep(200);
    const killedAt = performance.now();
    await server.kill();
    killed = true;

    expect(await outcome).toBeInstanceOf(StoreUnavailableError);
    expect(performance.now() - killedAt).toBeLessThan(2_000);

    const started = performance.now();
    await expect(
      a.lock.fillOnce('other', filled.fill('other', 10), filled.read('other')),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(filled.fills).toBe(0);
  });

  it('hears releases again once Redis is back after a restart', async () => {
    const namespace = uniqueNamespace();
    const [a, b] = [await instance(namespace), await instance(namespace)];
    const filled = new Filled();
    // Both subscribed, then Redis goes away and comes back.
    await a.lock.fillOnce('before', filled.fill('before', 10), filled.read('before'));
    await b.lock.fillOnce('before', filled.fill('before', 10), filled.read('before'));
    await server.kill();
    killed = true;
    await server.restart();
    killed = false;
    for (const { connection, subscriber } of [a, b]) {
      await untilItSucceeds(async () => {
        await connection.run((client) => client.ping());
        if (!subscriber.isReady) throw new Error('subscriber not back yet');
      }, 5_000);
    }
    const started = performance.now();

    const results = await Promise.all([
      a.lock.fillOnce('after', filled.fill('after', 300), filled.read('after')),
      b.lock.fillOnce('after', filled.fill('after', 300), filled.read('after')),
    ]);

    expect(results[0]).toBe(results[1]);
    // Woken by the release, not by the lock's expiry 10 s on.
    expect(performance.now() - started).toBeLessThan(LONG_LOCK_MS / 2);
  });

  it('times a call out with StoreUnavailableError while Redis is frozen', async () => {
    const namespace = uniqueNamespace();
    const a = await instance(namespace);
    const filled = new Filled();
    // Subscribed while Redis answers.
    await a.lock.fillOnce('warm', filled.fill('warm', 10), filled.read('warm'));
    server.pause();
    const started = performance.now();

    await expect(
      a.lock.fillOnce('frozen', filled.fill('frozen', 10), filled.read('frozen')),
    ).rejects.toBeInstanceOf(StoreUnavailableError);

    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1_500);
    expect(filled.fills).toBe(1);
  });
});
