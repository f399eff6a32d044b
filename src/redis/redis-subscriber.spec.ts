import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { findRedisServer, RedisServer } from '../../test/helpers/redis-server';
import { StoreUnavailableError } from '../common/store-unavailable.error';
import { RedisConnection } from './redis-connection';
import { RedisSubscriber } from './redis-subscriber';

/** The subscriber connection against a real `redis-server` that the tests stop and start. */

jest.setTimeout(30_000);

const TIMEOUT_MS = 500;

/** Resolves once `check` holds, polling, for at most `limitMs`. */
async function until(check: () => boolean, limitMs: number): Promise<void> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > limitMs) throw new Error('condition not met in time');
    await sleep(20);
  }
}

const describeWithRedis = findRedisServer() ? describe : describe.skip;

describeWithRedis(RedisSubscriber.name, () => {
  let server: RedisServer;
  let connection: RedisConnection;
  let subscriber: RedisSubscriber;

  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  afterEach(async () => {
    await subscriber.onApplicationShutdown();
    await connection.onApplicationShutdown();
    await server.stop();
  });

  async function connect(): Promise<void> {
    connection = new RedisConnection({ url: server.url, timeoutMs: TIMEOUT_MS });
    await connection.onModuleInit();
    subscriber = new RedisSubscriber(connection, { timeoutMs: TIMEOUT_MS });
  }

  it('opens on first use and delivers each message once to each listener', async () => {
    server = await RedisServer.start({ durable: false });
    await connect();
    expect(subscriber.isReady).toBe(false);
    const heard: string[] = [];
    const first = (message: string) => heard.push(`first ${message}`);
    const second = (message: string) => heard.push(`second ${message}`);

    await subscriber.subscribe('channel', first);
    await subscriber.subscribe('channel', first);
    await subscriber.subscribe('channel', second);
    await connection.run((client) => client.publish('channel', 'hello'));

    await until(() => heard.length >= 2, 2_000);
    await sleep(100);
    expect(heard.sort()).toStrictEqual(['first hello', 'second hello']);
    expect(subscriber.isReady).toBe(true);
  });

  it('fails fast while Redis is away, tells of the drop, and subscribes once when it is back', async () => {
    server = await RedisServer.start({ durable: false });
    await connect();
    const lost: number[] = [];
    subscriber.onLost(() => lost.push(1));
    await server.kill();

    const heard: string[] = [];
    const listener = (message: string) => heard.push(message);
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      await expect(subscriber.subscribe('channel', listener)).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1_000);
    }

    await server.restart();
    await until(() => subscriber.isReady, 5_000);
    await subscriber.subscribe('channel', listener);
    await until(() => connection.isReady, 5_000);
    await connection.run((client) => client.publish('channel', 'back'));
    await until(() => heard.length >= 1, 2_000);
    await sleep(100);
    expect(heard).toStrictEqual(['back']);

    // Heard when a connection that was up drops.
    lost.length = 0;
    await server.kill();
    await until(() => lost.length > 0, 2_000);
  });
});
