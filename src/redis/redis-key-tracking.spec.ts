import { Logger } from '@nestjs/common';
import { createClient } from '@redis/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { findRedisServer, RedisServer } from '../../test/helpers/redis-server';
import { TcpProxy } from '../../test/helpers/tcp-proxy';
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
      { prefix: 'ns:cache:', connectionName: 'tracking-spec', leaseMs: 1_000 },
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

  it('sends nothing while nobody asks it to vouch, and one PING once half its lease is gone', async () => {
    const pings = async (): Promise<number> => {
      const stats = await connection.run((client) => client.info('commandstats'));
      return Number(/^cmdstat_ping:calls=(\d+)/m.exec(stats)?.[1] ?? 0);
    };
    const before = await pings();
    await sleep(1_200);
    expect(await pings()).toBe(before);

    // Tracking was confirmed over a second ago: past the lease, it stops vouching and renews.
    expect(tracking.vouches(Date.now())).toBe(false);
    await until(() => tracking.vouches(Date.now()), 2_000);
    expect(await pings()).toBe(before + 1);
    // Fresh again: no PING until half the lease is gone.
    expect(tracking.vouches(Date.now())).toBe(true);
    expect(await pings()).toBe(before + 1);
  });
});

describeWithRedis(`${RedisKeyTracking.name} cut off without a reset`, () => {
  const LEASE_MS = 400;
  const TIMEOUT_MS = 1_000;
  let server: RedisServer;
  let proxy: TcpProxy;
  let connection: RedisConnection;
  let tracking: RedisKeyTracking;
  let heard: Array<string | null>;
  let events: string[];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = await RedisServer.start({ durable: false });
    proxy = await TcpProxy.start(server.port);
    heard = [];
    events = [];
    connection = new RedisConnection({ url: proxy.url, timeoutMs: TIMEOUT_MS });
    await connection.onModuleInit();
    tracking = new RedisKeyTracking(
      connection,
      { prefix: 'ns:cache:', connectionName: 'tracking-spec', leaseMs: LEASE_MS },
      {
        on: () => events.push('on'),
        off: () => events.push('off'),
        invalidated: (key) => heard.push(key),
      },
    );
    await until(() => tracking.tracking, 5_000);
  });
  afterAll(async () => {
    proxy?.thaw();
    tracking?.close();
    await connection?.onApplicationShutdown();
    await proxy?.close();
    await server?.stop();
  });

  it('stops vouching within its lease, reconnects past the timeout, and tracks again once the network is back', async () => {
    const writer = createClient({ url: server.url });
    await writer.connect();
    try {
      // Kept vouching while reads come: renewed at half the lease.
      const steady = performance.now();
      while (performance.now() - steady < 2 * LEASE_MS) {
        expect(tracking.vouches(Date.now())).toBe(true);
        await sleep(20);
      }

      proxy.freeze();
      const frozenAt = Date.now();
      await writer.set('ns:cache:during', '1');
      // The change is not heard; the tracking connection does not say so.
      await until(() => !tracking.vouches(Date.now()), 2 * LEASE_MS);
      expect(Date.now() - frozenAt).toBeLessThanOrEqual(LEASE_MS + 100);
      expect(heard).not.toContain('during');
      expect(events).toStrictEqual(['on']);

      // Past the PING's timeout, the connection is taken for dead.
      await until(() => events.includes('off'), 3 * TIMEOUT_MS);

      proxy.thaw();
      await until(() => tracking.tracking && tracking.vouches(Date.now()), 5_000);
      expect(events.at(-1)).toBe('on');
      await writer.set('ns:cache:after', '1');
      await until(() => heard.includes('after'), 2_000);
    } finally {
      await writer.quit();
    }
  });
});
