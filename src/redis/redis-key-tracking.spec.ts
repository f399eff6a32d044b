import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { findRedisServer, RedisServer } from '../../test/helpers/redis-server';
import { RedisConnection } from './redis-connection';
import { RedisKeyTracking } from './redis-key-tracking';

/** The key-tracking connection against a real `redis-server`. */

jest.setTimeout(30_000);

/** Resolves once `check` holds, polling, for at most `limitMs`. */
async function until(check: () => boolean, limitMs: number): Promise<void> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > limitMs) throw new Error('condition not met in time');
    await sleep(10);
  }
}

const describeWithRedis = findRedisServer() ? describe : describe.skip;

describeWithRedis(RedisKeyTracking.name, () => {
  let server: RedisServer;
  let connection: RedisConnection;
  let tracking: RedisKeyTracking;
  let heard: Array<string | null>;
  let events: string[];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = await RedisServer.start({ durable: false });
  });
  afterAll(async () => {
    await server?.stop();
  });

  beforeEach(async () => {
    heard = [];
    events = [];
    connection = new RedisConnection({ url: server.url, timeoutMs: 1_000 });
    await connection.onModuleInit();
    tracking = new RedisKeyTracking(
      connection,
      { prefix: 'ns:cache:', connectionName: 'tracking-spec' },
      {
        on: () => events.push('on'),
        off: () => events.push('off'),
        invalidated: (key) => heard.push(key),
      },
    );
    await until(() => tracking.tracking, 5_000);
  });
  afterEach(async () => {
    tracking.close();
    await connection.onApplicationShutdown();
  });

  it('hears every change of a key under the prefix, by its name without the prefix, and nothing else', async () => {
    await connection.run((client) => client.set('ns:cache:a', '1'));
    await connection.run((client) => client.set('ns:cache-ids', '1'));
    await connection.run((client) => client.set('other:cache:b', '1'));
    await connection.run((client) => client.get('ns:cache:a'));
    await connection.run((client) => client.del('ns:cache:a'));

    await until(() => heard.length >= 2, 2_000);
    await sleep(50);
    expect(heard).toStrictEqual(['a', 'a']);
  });

  it('hears a flush of the whole database as null', async () => {
    await connection.run((client) => client.flushDb());

    await until(() => heard.length >= 1, 2_000);
    expect(heard).toStrictEqual([null]);
  });

  it('says off when its connection is killed, and on again once tracking is back', async () => {
    const list = await connection.run((client) => client.clientList());
    const own = list.filter((client) => client.name === 'tracking-spec');
    expect(own).toHaveLength(1);
    expect(events).toStrictEqual(['on']);

    await connection.run((client) =>
      client.sendCommand(['CLIENT', 'KILL', 'ID', String(own[0].id)]),
    );

    await until(() => events.includes('off'), 2_000);
    await until(() => tracking.tracking, 5_000);
    expect(events.at(-1)).toBe('on');
    await connection.run((client) => client.set('ns:cache:after', '1'));
    await until(() => heard.includes('after'), 2_000);
  });
});
