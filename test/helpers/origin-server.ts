import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { sleep } from './time';

/** How the test origin answers one path (the query string is ignored). */
export type OriginRoute = (request: IncomingMessage, response: ServerResponse) => void;

/** A real HTTP origin on a free loopback port, counting the requests it receives. */
export interface TestOrigin {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  /** The absolute URL of `path` (with its query) on this origin. */
  url: (path: string) => string;
  /** How many requests arrived for `path` (with its query). */
  count: (path: string) => number;
  /** How many answers to `path` (with its query) carried a body (a 304 never does). */
  bodies: (path: string) => number;
  /** The request headers of the last request. */
  lastHeaders: () => IncomingMessage['headers'] | undefined;
  close: () => Promise<void>;
}

/** Starts an origin answering `routes` by path; other paths are a 404. */
export async function startOrigin(routes: Record<string, OriginRoute>): Promise<TestOrigin> {
  const counts = new Map<string, number>();
  const bodies = new Map<string, number>();
  let last: IncomingMessage['headers'] | undefined;
  const server: Server = createServer((request, response) => {
    const target = request.url ?? '/';
    counts.set(target, (counts.get(target) ?? 0) + 1);
    last = request.headers;
    countBody(response, () => bodies.set(target, (bodies.get(target) ?? 0) + 1));
    const route = routes[new URL(target, 'http://origin').pathname];
    if (route) route(request, response);
    else response.writeHead(404, { 'content-type': 'text/plain' }).end('no such page');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    count: (path) => counts.get(path) ?? 0,
    bodies: (path) => bodies.get(path) ?? 0,
    lastHeaders: () => last,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Calls `counted` once if the route writes any body bytes to `response`. */
function countBody(response: ServerResponse, counted: () => void): void {
  let seen = false;
  const see = (chunk: unknown): void => {
    const bytes =
      typeof chunk === 'string' ? chunk.length : Buffer.isBuffer(chunk) ? chunk.length : 0;
    if (bytes > 0 && !seen) {
      seen = true;
      counted();
    }
  };
  const write = response.write.bind(response) as (...args: unknown[]) => boolean;
  const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
  response.write = ((...args: unknown[]) => {
    see(args[0]);
    return write(...args);
  }) as ServerResponse['write'];
  response.end = ((...args: unknown[]) => {
    see(args[0]);
    return end(...args);
  }) as ServerResponse['end'];
}

/** A JSON route answering `body` with `headers`, after `delayMs`. */
export const json =
  (body: unknown, headers: Record<string, string> = {}, delayMs = 0): OriginRoute =>
  (_request, response) => {
    setTimeout(() => {
      response.writeHead(200, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    }, delayMs);
  };

/** A listening TCP port that never accepts a connection, and how to close it. */
export interface UnacceptingListener {
  /** `http://127.0.0.1:<port>`. */
  origin: string;
  close: () => void;
}

/**
 * A port whose connections cannot be opened, deterministically and on
 * loopback: a child process listens with the smallest backlog, then blocks
 * its event loop so it never accepts; once two connections fill the backlog,
 * the kernel drops every further SYN, so a connect waits until it gives up.
 */
export async function startUnacceptingListener(): Promise<UnacceptingListener> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const server = require('node:net').createServer();
       server.listen(0, '127.0.0.1', 1, () => {
         process.stdout.write(server.address().port + '\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  const fillers = Array.from({ length: 4 }, () => connect(port, '127.0.0.1'));
  for (const filler of fillers) filler.on('error', () => undefined);
  // The backlog holds two: once two are connected, the others (and any later one) wait.
  await Promise.any(fillers.map((filler) => once(filler, 'connect')));
  await Promise.all(fillers.map((filler) => Promise.race([once(filler, 'connect'), sleep(300)])));
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => {
      for (const filler of fillers) filler.destroy();
      child.kill();
    },
  };
}
