import { request as httpRequest } from 'node:http';
import type { ClientRequest } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import {
  freePort,
  isRunning,
  listeningLine,
  serverProcessSuite,
  within,
} from './helpers/server-process';
import type { ServerProcess } from './helpers/server-process';
import { RedisServer, findRedisServer } from './helpers/redis-server';
import { storeTargets } from './helpers/stores';
import { eventually, sleep } from './helpers/time';

// Whole processes are started and stopped: more than Jest's default 5 s per test.
jest.setTimeout(30_000);

/** What became of one request. */
interface Outcome {
  label: string;
  /** Sent as X-Request-Id, which the server logs. */
  requestId: string;
  /** When it was issued (`Date.now()`). */
  issuedAt: number;
  status?: number;
  /** The error code (e.g. ECONNREFUSED) when no response came. */
  error?: string;
}

/** Errors a request issued after SIGTERM may end with: the server no longer takes connections. */
const CONNECTION_ERRORS = ['ECONNREFUSED', 'ECONNRESET'];

const isSuccess = (status: number): boolean => status >= 200 && status <= 299;

/**
 * The process's exit. The time limit only catches a hang: how long the
 * shutdown took is read from the server's own last line (`shutdownMs`), which
 * a pause of this test process cannot stretch.
 */
function exited(server: ServerProcess): Promise<Awaited<ServerProcess['exited']>> {
  return within(server.exited, 20_000, () => `No exit:\n${server.output()}`);
}

/** How long the server says it took from SIGTERM to exiting with `exit`'s code. */
function shutdownMs(server: ServerProcess, exit: Awaited<ServerProcess['exited']>): number {
  const line = /Exiting with code (\d+), (\d+) ms after SIGTERM/.exec(server.output());
  if (!line) throw new Error(`No exit line:\n${server.output()}`);
  expect(Number(line[1])).toBe(exit.code);
  return Number(line[2]);
}

/** Sends one request on a connection of its own and resolves what became of it. */
function send(
  port: number,
  method: string,
  path: string,
  requestId: string,
  body?: unknown,
): Promise<Outcome> {
  const issuedAt = Date.now();
  const label = `${method} ${path}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        timeout: 10_000,
        headers: {
          'x-request-id': requestId,
          ...(payload && {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          }),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ label, requestId, issuedAt, status: res.statusCode }));
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ label, requestId, issuedAt, error: error.code ?? error.message }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ label, requestId, issuedAt, error: error.code ?? error.message }),
    );
    req.end(payload);
  });
}

/** A PUT whose body is sent in two halves: the second only when `finish` is called. */
interface SlowRequest {
  /** Resolves once the first half is on the wire. */
  started: Promise<void>;
  finish: () => void;
  done: Promise<Outcome>;
}

function slowPut(port: number, id: string): SlowRequest {
  const payload = Buffer.from(JSON.stringify({ data: { id, padding: 'x'.repeat(64) } }));
  const half = Math.floor(payload.length / 2);
  let req: ClientRequest | undefined;
  let started!: () => void;
  const startedPromise = new Promise<void>((resolve) => (started = resolve));
  const done = new Promise<Outcome>((resolve) => {
    const issuedAt = Date.now();
    const label = `PUT /resources/${id}`;
    req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: `/resources/${id}`,
        agent: false,
        timeout: 15_000,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ label, requestId: id, issuedAt, status: res.statusCode }));
        res.on('error', (error: NodeJS.ErrnoException) =>
          resolve({ label, requestId: id, issuedAt, error: error.code ?? error.message }),
        );
      },
    );
    req.on('timeout', () => req?.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ label, requestId: id, issuedAt, error: error.code ?? error.message }),
    );
    req.write(payload.subarray(0, half), () => started());
  });
  return {
    started: startedPromise,
    finish: () => req?.end(payload.subarray(half)),
    done,
  };
}

/** A raw keep-alive connection: what the server sent on it, and when the server closed it. */
interface RawConnection {
  socket: Socket;
  /** Everything received so far. */
  received: () => string;
  /** Resolves `Date.now()` when the server closes the connection. */
  closedAt: Promise<number>;
}

async function rawConnection(port: number): Promise<RawConnection> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const opened = connect(port, '127.0.0.1', () => resolve(opened));
    opened.once('error', reject);
  });
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => undefined);
  const closedAt = new Promise<number>((resolve) =>
    socket.once('close', () => resolve(Date.now())),
  );
  return { socket, received: () => text, closedAt };
}

/** A PUT as raw HTTP/1.1 text, split in two: the head with half the body, and the rest. */
function splitPut(id: string): [string, string] {
  const body = JSON.stringify({ data: { id, padding: 'x'.repeat(64) } });
  const text =
    `PUT /resources/${id} HTTP/1.1\r\nHost: lapse.test\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${body.length}\r\n\r\n${body}`;
  const cut = text.length - Math.floor(body.length / 2);
  return [text.slice(0, cut), text.slice(cut)];
}

describe.each(storeTargets)('graceful shutdown ($name store)', ({ env }) => {
  const processes = serverProcessSuite('shutdown');

  /** Starts `node dist/main.js` on a free port and waits until it listens. */
  async function start(overrides: Record<string, string> = {}): Promise<{
    server: ServerProcess;
    port: number;
  }> {
    const port = await freePort();
    const server = processes.start({
      ...env(),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...overrides,
    });
    await listeningLine(server, 20_000);
    return { server, port };
  }

  /** Sends SIGTERM and resolves the process's exit and how long it took, by its own clock. */
  async function terminate(
    server: ServerProcess,
  ): Promise<{ exit: Awaited<ServerProcess['exited']>; tookMs: number }> {
    expect(server.child.kill('SIGTERM')).toBe(true);
    const exit = await exited(server);
    return { exit, tookMs: shutdownMs(server, exit) };
  }

  it('finishes requests in flight at SIGTERM, then exits with 0', async () => {
    const { server, port } = await start();
    const slow = Array.from({ length: 10 }, (_, n) => slowPut(port, `slow-${n}`));
    await Promise.all(slow.map((request) => request.started));
    await sleep(300); // the server has accepted every connection and is reading the bodies

    expect(server.child.kill('SIGTERM')).toBe(true);
    await sleep(300);
    expect(isRunning(server)).toBe(true); // still waiting for the requests...
    // ...and no longer taking new connections.
    expect(await send(port, 'GET', '/health', 'late')).toMatchObject({ error: 'ECONNREFUSED' });
    for (const request of slow) request.finish();

    const outcomes = await Promise.all(slow.map((request) => request.done));
    expect(outcomes.map(({ label, status, error }) => ({ label, status, error }))).toEqual(
      slow.map((_, n) => ({ label: `PUT /resources/slow-${n}`, status: 201, error: undefined })),
    );
    const exit = await exited(server);
    expect(exit).toStrictEqual({ code: 0, signal: null });
    expect(shutdownMs(server, exit)).toBeLessThan(5000);
    expect(server.output()).toContain('SIGTERM received');
  });

  it('under a burst: every request the server took succeeds, the others are refused cleanly', async () => {
    const { server, port } = await start();
    const outcomes: Outcome[] = [];
    // A bound on the loop only: the clients stop once the server refuses them.
    const stopAt = Date.now() + 20_000;

    /** Writes, reads back and records interactions until the server goes away. */
    const client = async (id: number): Promise<void> => {
      for (let i = 0; Date.now() < stopAt; i++) {
        const resource = `burst-${id}-${Math.floor(i / 3)}`;
        const requestId = `burst-${id}-${i}`;
        const step = i % 3;
        const outcome =
          step === 0
            ? await send(port, 'PUT', `/resources/${resource}`, requestId, { data: { id, i } })
            : step === 1
              ? await send(port, 'GET', `/resources/${resource}`, requestId)
              : await send(port, 'POST', '/interactions', requestId, { resourceId: resource });
        outcomes.push(outcome);
        if (outcome.error) return; // refused: the server is going away
      }
    };

    const clients = Array.from({ length: 50 }, (_, id) => client(id));
    // Signal in the middle of the burst, once it is well under way however fast this machine is.
    const answered = () => outcomes.filter(({ status }) => status !== undefined).length;
    while (answered() < 150 && Date.now() < stopAt - 10_000) await sleep(20);
    const signalledAt = Date.now();
    expect(server.child.kill('SIGTERM')).toBe(true);
    await Promise.all(clients);
    const exit = await exited(server);
    expect(exit).toStrictEqual({ code: 0, signal: null });
    expect(shutdownMs(server, exit)).toBeLessThan(5000);

    const issuedBefore = outcomes.filter((outcome) => outcome.issuedAt < signalledAt);
    // The burst was under way when the signal came.
    expect(issuedBefore.filter(({ status }) => status !== undefined).length).toBeGreaterThanOrEqual(
      150,
    );
    // Every answer, before or after the signal, is a success: nothing failed for being late.
    expect(outcomes.filter(({ status }) => status !== undefined && !isSuccess(status))).toEqual([]);
    // A request without an answer failed at the connection, never by a timeout or a cut-off body.
    expect(
      outcomes.filter(({ error }) => error !== undefined && !CONNECTION_ERRORS.includes(error)),
    ).toEqual([]);

    // Which requests the server took: pino-http logs each one that reached it, even one whose
    // connection closed before the answer (these small bodies are parsed as soon as they arrive).
    const logged = new Map<string, number | undefined>();
    for (const line of server.output().split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { req?: { id?: string }; res?: { statusCode?: number } };
      if (entry.req?.id?.startsWith('burst-')) logged.set(entry.req.id, entry.res?.statusCode);
    }
    // Every answer was logged: the log is a complete record of what the server took...
    const unlogged = outcomes.filter(
      ({ requestId, status }) => status !== undefined && logged.get(requestId) !== status,
    );
    expect(unlogged).toEqual([]);
    // ...and nothing the server took went unanswered. What failed never reached it: connections
    // still queued in the kernel when the listening socket closed are reset, later ones refused.
    const cutOff = outcomes
      .filter(({ requestId, status }) => status === undefined && logged.has(requestId))
      .map(({ label, requestId, error }) => `${label} (${requestId}): ${error}`);
    expect(cutOff).toEqual([]);
  });

  it('closes idle connections at once, answers requests in flight with Connection: close, and cuts a stalled body', async () => {
    // SHUTDOWN_TIMEOUT_MS is 10 s (its default); a body has 2 s to arrive.
    const { server, port } = await start({ REQUEST_TIMEOUT_MS: '2000' });
    // A keep-alive connection that served one request and is now idle.
    const idle = await rawConnection(port);
    idle.socket.write('GET /health HTTP/1.1\r\nHost: lapse.test\r\n\r\n');
    await eventually(
      () => expect(idle.received()).toMatch(/^HTTP\/1\.1 200 [^]*keep-alive/i),
      5000,
    );
    // A connection whose request never sends the rest of its body.
    const stalled = await rawConnection(port);
    stalled.socket.write(splitPut('stalled')[0]);
    // Requests in flight on keep-alive connections: their bodies arrive after the signal.
    const inFlight = await Promise.all(
      Array.from({ length: 10 }, async (_, n) => {
        const connection = await rawConnection(port);
        const [head, rest] = splitPut(`in-flight-${n}`);
        connection.socket.write(head);
        return { connection, rest };
      }),
    );
    await sleep(300); // the server has read every head

    const signalledAt = Date.now();
    expect(server.child.kill('SIGTERM')).toBe(true);
    await sleep(200);
    for (const { connection, rest } of inFlight) connection.socket.write(rest);

    // Idle: closed at once, nothing more sent on it.
    expect((await idle.closedAt) - signalledAt).toBeLessThan(1000);
    expect(idle.received()).not.toMatch(/^HTTP\/1\.1 200 [^]*HTTP\/1\.1/);
    // In flight: answered, told the connection closes, and closed.
    for (const { connection } of inFlight) {
      await within(connection.closedAt, 5000, () => `Still open:\n${connection.received()}`);
      expect(connection.received()).toMatch(/^HTTP\/1\.1 201 Created\r\n/);
      expect(connection.received()).toMatch(/\r\nConnection: close\r\n/i);
      expect(connection.received()).not.toMatch(/keep-alive/i);
    }
    // Stalled: 408 and closed once its 2 s are up.
    const stalledClosedAfter = (await stalled.closedAt) - signalledAt;
    expect(stalled.received()).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    expect(stalledClosedAfter).toBeGreaterThanOrEqual(1900);
    expect(stalledClosedAfter).toBeLessThan(4000);

    const exit = await exited(server);
    expect(exit).toStrictEqual({ code: 0, signal: null });
    expect(shutdownMs(server, exit)).toBeLessThan(5000);
  });

  it('gives a stalled body at most half of SHUTDOWN_TIMEOUT_MS, so the process still exits 0', async () => {
    // The request timeout (30 s by default) is longer than the shutdown.
    const { server, port } = await start({ SHUTDOWN_TIMEOUT_MS: '2000' });
    const stalled = await rawConnection(port);
    stalled.socket.write(splitPut('stalled')[0]);
    await sleep(300);

    const { exit, tookMs } = await terminate(server);

    expect(exit).toStrictEqual({ code: 0, signal: null });
    expect(tookMs).toBeGreaterThanOrEqual(950);
    expect(tookMs).toBeLessThan(2000);
    expect(stalled.received()).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
  });
});

// A handler that is still running: a write waiting on a frozen Redis of the test's own.
const describeWithRedis = findRedisServer() ? describe : describe.skip;

describeWithRedis('graceful shutdown with a request still running', () => {
  const processes = serverProcessSuite('shutdown-stuck');
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await RedisServer.start({ durable: false });
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('exits 1 once SHUTDOWN_TIMEOUT_MS has passed, the connection closed', async () => {
    const port = await freePort();
    const server = processes.start({
      CACHE_STORE: 'redis',
      REDIS_URL: redis.url,
      REDIS_TIMEOUT_MS: '60000',
      PORT: String(port),
      HOST: '127.0.0.1',
      SHUTDOWN_TIMEOUT_MS: '500',
    });
    await listeningLine(server, 20_000);
    await send(port, 'GET', '/health/ready', 'ready');
    redis.pause();
    try {
      const stuck = send(port, 'PUT', '/resources/stuck', 'stuck', { data: 1 });
      await sleep(300);

      expect(server.child.kill('SIGTERM')).toBe(true);
      const exit = await exited(server);
      const tookMs = shutdownMs(server, exit);

      expect(exit).toStrictEqual({ code: 1, signal: null });
      expect(tookMs).toBeGreaterThanOrEqual(450);
      expect(tookMs).toBeLessThan(2000);
      expect(server.output()).toContain('Requests still running after 500 ms: exiting anyway');
      expect((await stuck).status).toBeUndefined();
    } finally {
      redis.resume();
    }
  });
});
