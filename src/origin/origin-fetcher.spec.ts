import { BadGatewayException } from '@nestjs/common';
import type { LapseConfigService } from '../config/lapse-config.service';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ORIGIN_REQUEST_HEADERS, OriginFetcher } from './origin-fetcher';

/** A real HTTP server on a free loopback port (IPv4, or `::1`). */
async function listen(
  handler: RequestListener,
  host = '127.0.0.1',
): Promise<{ origin: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`,
    server,
  };
}

function fetcherFor(allowed: string[]): OriginFetcher {
  const origin = {
    allowed,
    timeoutMs: 5000,
    connectTimeoutMs: 3000,
    maxConcurrency: 4,
    maxBytes: 1024,
  };
  return new OriginFetcher({ get: () => origin } as unknown as LapseConfigService);
}

describe(OriginFetcher.name, () => {
  const received: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
  let origin: string;
  let server: Server;
  let fetcher: OriginFetcher;

  beforeAll(async () => {
    ({ origin, server } = await listen((request, response) => {
      received.push({ url: request.url ?? '', headers: request.headers });
      const { pathname, searchParams } = new URL(request.url ?? '/', 'http://origin');
      if (pathname === '/to') {
        const location = searchParams.get('location');
        response.writeHead(302, location === null ? {} : { location }).end();
      } else {
        response.setHeader('set-cookie', ['a=1', 'b=2']);
        response.setHeader('x-many', ['one', 'two']);
        response.writeHead(200, { 'content-type': 'text/plain' }).end(`at ${pathname}`);
      }
    }));
  });

  beforeEach(() => {
    received.length = 0;
    fetcher = fetcherFor([origin, 'https://api.example.com']);
  });

  afterEach(() => fetcher.onModuleDestroy());

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const to = (location: string): URL =>
    new URL(`${origin}/to?location=${encodeURIComponent(location)}`);

  it('follows a relative redirect, sending the fixed headers on every hop', async () => {
    const response = await fetcher.fetch(to('/here'));

    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('at /here');
    expect(response.redirectedTo?.href).toBe(`${origin}/here`);
    expect(received.map(({ url }) => url)).toStrictEqual([
      `/to?location=${encodeURIComponent('/here')}`,
      '/here',
    ]);
    for (const { headers } of received) {
      expect(headers).toMatchObject(ORIGIN_REQUEST_HEADERS);
      expect(Object.keys(headers).sort()).toStrictEqual(
        ['host', 'connection', ...Object.keys(ORIGIN_REQUEST_HEADERS)].sort(),
      );
    }
  });

  it('gives headers as node:http does: repeated ones joined, Set-Cookie a list', async () => {
    const { headers, redirectedTo } = await fetcher.fetch(new URL(`${origin}/plain`));

    expect(headers['set-cookie']).toStrictEqual(['a=1', 'b=2']);
    expect(headers['x-many']).toBe('one, two');
    expect(headers['content-type']).toBe('text/plain');
    expect(redirectedTo).toBeUndefined();
  });

  it.each([
    [
      'off ORIGINS',
      () => 'https://evil.example.com/x',
      'evil.example.com, which is not on ORIGINS',
    ],
    // The origin itself, but with credentials: never an allowed URL.
    [
      'with credentials',
      () => `http://user:pw@${new URL(origin).host}/x`,
      'a URL with credentials',
    ],
    ['to another scheme', () => 'ftp://api.example.com/x', 'which is not on ORIGINS'],
    ['without a Location', () => undefined, 'without a Location'],
  ])('refuses a redirect %s with a 502', async (_case, location, message) => {
    const target = location();
    const url = target === undefined ? new URL(`${origin}/to`) : to(target);

    const failure = fetcher.fetch(url);

    await expect(failure).rejects.toBeInstanceOf(BadGatewayException);
    await expect(failure).rejects.toThrow(message);
    expect(received).toHaveLength(1);
  });

  it('checks the address of a host name a redirect leads to', async () => {
    const local = origin.replace('127.0.0.1', 'localhost');
    fetcher = fetcherFor([origin, local]);

    await expect(fetcher.fetch(to(`${local}/here`))).rejects.toThrow(
      /resolves to the internal address/,
    );
    expect(received).toHaveLength(1);
  });

  it('reaches an origin listed by its IPv6 address', async () => {
    let v6: { origin: string; server: Server };
    try {
      v6 = await listen((_request, response) => response.end('over IPv6'), '::1');
    } catch {
      return; // No IPv6 loopback on this machine: nothing to check.
    }
    try {
      fetcher = fetcherFor([v6.origin]);
      const response = await fetcher.fetch(new URL(`${v6.origin}/`));
      expect(response.body.toString()).toBe('over IPv6');
    } finally {
      v6.server.closeAllConnections();
      v6.server.close();
    }
  });
});
