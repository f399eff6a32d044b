import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { storeTargets } from './helpers/stores';
import { startTestApp, useTestApps } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { eventually, sleep } from './helpers/time';
import { LINGER_MS } from '../src/http/client-error';

// Real timeouts of about a second, and many repetitions.
jest.setTimeout(60_000);

/** The port a listening test app is on. */
const portOf = ({ app }: TestApp): number =>
  ((app.getHttpServer() as unknown as Server).address() as AddressInfo).port;

/** One request as raw HTTP/1.1 text, with a JSON body when `body` is given. */
function rawRequest(
  method: string,
  path: string,
  { body, headers = {} }: { body?: unknown; headers?: Record<string, string> } = {},
): string {
  const payload = body === undefined ? '' : JSON.stringify(body);
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: lapse.test'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (body !== undefined) {
    lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(payload)}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n${payload}`;
}

/** What came back on a raw connection until the server closed it. */
interface RawExchange {
  text: string;
  /** Milliseconds from the first write to the close. */
  closedAfterMs: number;
}

/** Opens a connection and resolves once it is connected. */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends on `socket` until it closes the connection (or `withinMs` passes). */
function readUntilClosed(socket: Socket, withinMs: number): Promise<RawExchange> {
  const started = Date.now();
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedAfterMs: Infinity });
    }, withinMs);
    const done = () => {
      clearTimeout(timer);
      resolve({ text, closedAfterMs: Date.now() - started });
    };
    socket.once('close', done);
    socket.once('error', () => undefined);
  });
}

/** Sends `text` in one write and resolves what came back until the server closed the connection. */
async function exchange(port: number, text: string, withinMs = 10_000): Promise<RawExchange> {
  const socket = await open(port);
  const result = readUntilClosed(socket, withinMs);
  socket.write(text);
  return result;
}

/** The status codes of the responses in `text`, in order (each body skipped by its Content-Length). */
function statuses(text: string): number[] {
  const found: number[] = [];
  let at = 0;
  while (at < text.length) {
    const head = text.indexOf('\r\n\r\n', at);
    const status = /^HTTP\/1\.1 (\d{3}) /.exec(text.slice(at, at + 13));
    if (head < 0 || !status) break;
    found.push(Number(status[1]));
    const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(at, head))?.[1];
    at = head + 4 + Number(length ?? 0);
  }
  return found;
}

describe.each(storeTargets)('pipelined requests ($name store)', ({ env }) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ ...env(), CACHE_TTL: '60' }, { listen: true });
  });
  afterAll(async () => {
    await app.close();
  });

  /** Sends `requests` in one write (the last one closing the connection) and resolves the statuses. */
  const pipeline = async (...requests: string[]): Promise<number[]> => {
    const last = requests.length - 1;
    const text = requests
      .map((request, n) =>
        n === last ? request.replace('\r\n', '\r\nConnection: close\r\n') : request,
      )
      .join('');
    return statuses((await exchange(portOf(app), text)).text);
  };

  it('takes effect in the order sent: PUT, DELETE, GET (20 tries)', async () => {
    for (let n = 0; n < 20; n++) {
      const path = `/resources/pipe-put-delete-${n}`;
      const got = await pipeline(
        rawRequest('PUT', path, { body: { data: { n, padding: 'x'.repeat(2000) } } }),
        rawRequest('DELETE', path),
        rawRequest('GET', path),
      );
      expect({ n, got }).toEqual({ n, got: [201, 204, 404] });
    }
  });

  it('takes effect in the order sent: PUT, PUT with If-None-Match: *, DELETE with If-Match (20 tries)', async () => {
    const first = { data: 'first'.repeat(40_000) };
    // Equal data, equal ETag: the ETag the first PUT will have.
    const { etag } = (await app.http().put('/resources/etag-of-first').send(first).expect(201))
      .headers as { etag: string };
    for (let n = 0; n < 20; n++) {
      const path = `/resources/pipe-conditional-${n}`;
      const got = await pipeline(
        rawRequest('PUT', path, { body: first }),
        rawRequest('PUT', path, { body: { data: 'second' }, headers: { 'If-None-Match': '*' } }),
        rawRequest('DELETE', path, { headers: { 'If-Match': etag } }),
        rawRequest('GET', path),
      );
      expect({ n, got }).toEqual({ n, got: [201, 412, 204, 404] });
    }
  });

  it('takes effect in the order sent: DELETE, PUT, touch, interactions (20 tries)', async () => {
    for (let n = 0; n < 20; n++) {
      const id = `pipe-mixed-${n}`;
      const got = await pipeline(
        rawRequest('DELETE', `/resources/${id}`),
        rawRequest('PUT', `/resources/${id}`, { body: { data: 'x'.repeat(200_000), ttl: 30 } }),
        rawRequest('POST', `/resources/${id}/touch`, { body: { ttl: 50 } }),
        rawRequest('POST', '/interactions', { body: { resourceId: id, type: 'click' } }),
        rawRequest('POST', '/interactions', { body: { resourceId: id, type: 'click' } }),
        rawRequest('GET', `/interactions/${id}`),
        rawRequest('DELETE', `/resources/${id}`),
        rawRequest('GET', `/resources/${id}`),
      );
      expect({ n, got }).toEqual({ n, got: [404, 201, 200, 201, 201, 200, 204, 404] });
    }
  });
});

describe('request timeout (REQUEST_TIMEOUT_MS)', () => {
  const boot = useTestApps(() => ({ REQUEST_TIMEOUT_MS: '1000' }), { listen: true });

  /** Expects the answer Lapse gives a request that did not arrive in time. */
  const expectCut = ({ text, closedAfterMs }: RawExchange): void => {
    expect(text).toBe('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    expect(closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(closedAfterMs).toBeLessThan(3000);
  };

  it('answers 408 and closes the connection when a body is not all there in time', async () => {
    const app = await boot();
    const head = rawRequest('PUT', '/resources/slow-body', { body: { data: 'x'.repeat(100) } });
    expectCut(await exchange(portOf(app), head.slice(0, head.length - 50)));
    await app.http().get('/resources/slow-body').expect(404);
  });

  it('cuts a body that keeps trickling in: the limit is on the whole request', async () => {
    const app = await boot();
    const socket = await open(portOf(app));
    const result = readUntilClosed(socket, 10_000);
    const text = rawRequest('PUT', '/resources/trickle', { body: { data: 'x'.repeat(100) } });
    const head = text.indexOf('\r\n\r\n') + 4;
    socket.write(text.slice(0, head));
    const trickle = setInterval(() => socket.writable && socket.write(' '), 100);
    try {
      expectCut(await result);
    } finally {
      clearInterval(trickle);
    }
  });

  it('answers 408 when the headers are not all there in time', async () => {
    const app = await boot();
    expectCut(await exchange(portOf(app), 'GET /health HTTP/1.1\r\nHost: lapse.test\r\n'));
  });

  it('never limits the time an answer takes, nor an idle keep-alive connection', async () => {
    const app = await boot();
    const socket = await open(portOf(app));
    const result = readUntilClosed(socket, 10_000);
    socket.write(rawRequest('GET', '/health'));
    await sleep(1800);
    socket.write(rawRequest('GET', '/health', { headers: { Connection: 'close' } }));
    const { text } = await result;
    expect(statuses(text)).toEqual([200, 200]);
  });
});

describe('connection cap (MAX_CONNECTIONS)', () => {
  const boot = useTestApps(() => ({ MAX_CONNECTIONS: '5' }), { listen: true });
  const sockets: Socket[] = [];
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });

  /** Opens a connection and resolves the status of one `GET /health` on it (kept open). */
  const healthOn = async (port: number): Promise<{ socket: Socket; status?: number }> => {
    const socket = await open(port);
    sockets.push(socket);
    socket.setEncoding('latin1');
    return new Promise((resolve) => {
      socket.once('data', (text: string) => resolve({ socket, status: statuses(text)[0] }));
      socket.once('close', () => resolve({ socket }));
      socket.once('error', () => undefined);
      socket.write(rawRequest('GET', '/health'));
    });
  };

  it('closes connections beyond the cap unanswered, and takes new ones once one closes', async () => {
    const app = await boot();
    const port = portOf(app);
    const open5 = [];
    for (let n = 0; n < 5; n++) open5.push(await healthOn(port));
    expect(open5.map(({ status }) => status)).toEqual([200, 200, 200, 200, 200]);

    const sixth = await healthOn(port);
    expect(sixth.status).toBeUndefined();
    expect(sixth.socket.destroyed).toBe(true);

    open5[0].socket.end();
    await eventually(async () => {
      expect((await healthOn(port)).status).toBe(200);
    }, 3000);
  });
});

describe('a request that is not valid HTTP, its body still arriving', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({}, { listen: true });
  });
  afterAll(async () => {
    await app.close();
  });
  /** A raw non-ASCII byte in the query: Node's parser refuses the request line. */
  const BAD_PATH = '/interactions?prefix=\u00c2';
  const BODY = Buffer.from(`{"data":"${'x'.repeat(1_100_000)}"}`);

  it('is answered 400 and closed, the client reading the answer rather than a reset', async () => {
    const agent = new Agent({ keepAlive: true });
    try {
      for (let n = 0; n < 10; n++) {
        const outcome = await new Promise<string>((resolve) => {
          const outgoing = httpRequest(
            {
              host: '127.0.0.1',
              port: portOf(app),
              method: 'POST',
              path: BAD_PATH,
              agent,
              headers: { 'content-type': 'application/json', 'content-length': BODY.length },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve(`${res.statusCode} ${res.headers.connection}`));
            },
          );
          outgoing.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
          outgoing.end(BODY);
        });
        expect({ n, outcome }).toEqual({ n, outcome: '400 close' });
      }
    } finally {
      agent.destroy();
    }
  });

  it('is closed within LINGER_MS even when the client keeps sending and never closes', async () => {
    const socket = connect({ port: portOf(app), host: '127.0.0.1', allowHalfOpen: true });
    await new Promise((resolve) => socket.once('connect', resolve));
    const result = readUntilClosed(socket, 10_000);
    socket.write(`POST ${BAD_PATH} HTTP/1.1\r\nHost: lapse.test\r\nContent-Length: 100000\r\n\r\n`);
    const trickle = setInterval(() => socket.writable && socket.write('x'.repeat(100)), 50);
    try {
      const { text, closedAfterMs } = await result;
      expect(text).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      expect(closedAfterMs).toBeGreaterThanOrEqual(LINGER_MS - 100);
      expect(closedAfterMs).toBeLessThan(LINGER_MS + 1500);
    } finally {
      clearInterval(trickle);
    }
  });
});

describe('body encodings and charsets, alike on both adapters', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({}, { listen: true });
  });
  afterAll(async () => {
    await app.close();
  });
  const body = JSON.stringify({ data: { text: 'déjà' } });

  /** PUTs `bytes` as they are, with these headers. */
  const put = async (id: string, headers: Record<string, string>, bytes: Buffer) => {
    const res = await fetch(`http://127.0.0.1:${portOf(app)}/resources/${id}`, {
      method: 'PUT',
      headers,
      body: bytes,
    });
    return { status: res.status, body: await res.json() };
  };

  it.each([
    ['gzip', gzipSync(body)],
    ['br', brotliCompressSync(body)],
    ['deflate', Buffer.from(body)],
    ['x-unknown', Buffer.from(body)],
  ])(
    'refuses Content-Encoding %s with 415 naming the header; nothing stored',
    async (encoding, bytes) => {
      const res = await put(
        'encoded',
        { 'Content-Type': 'application/json', 'Content-Encoding': encoding },
        bytes,
      );
      expect(res).toEqual({
        status: 415,
        body: {
          statusCode: 415,
          message: `Content-Encoding "${encoding}" is not supported: send the body uncompressed`,
          error: 'Unsupported Media Type',
        },
      });
      await app.http().get('/resources/encoded').expect(404);
    },
  );

  it.each([
    ['latin1', Buffer.from(body, 'latin1')],
    ['utf-16le', Buffer.from(body, 'utf16le')],
    ['iso-8859-1', Buffer.from(body, 'latin1')],
    ['utf8', Buffer.from(body)],
    ['bogus', Buffer.from(body)],
  ])('refuses charset=%s with 415 naming the header; nothing stored', async (charset, bytes) => {
    const res = await put(
      'charset',
      { 'Content-Type': `application/json; charset=${charset}` },
      bytes,
    );
    expect(res).toEqual({
      status: 415,
      body: {
        statusCode: 415,
        message: `Content-Type charset "${charset}" is not supported: a JSON body must be UTF-8`,
        error: 'Unsupported Media Type',
      },
    });
    await app.http().get('/resources/charset').expect(404);
  });

  it.each([
    ['Content-Encoding gzip', { 'Content-Encoding': 'gzip' }, 'Content-Encoding "gzip"'],
    ['charset latin1', { 'Content-Type': 'application/json; charset=latin1' }, 'charset "latin1"'],
  ])(
    'refuses a body over the limit sent with %s with the 415, not a 413 (encoding first)',
    async (_case, headers, named) => {
      // Over the default 1 MB limit.
      const large = Buffer.from(JSON.stringify({ data: 'x'.repeat(1_100_000) }));
      const res = await put(
        'large-encoded',
        { 'Content-Type': 'application/json', ...headers },
        large,
      );
      expect(res.status).toBe(415);
      expect((res.body as { message: string }).message).toContain(named);
      await app.http().get('/resources/large-encoded').expect(404);
    },
  );

  it('reads no body on a GET, whatever it says about its encoding', async () => {
    await app.http().put('/resources/get-body').send({ data: 1 }).expect(201);
    for (const id of ['get-body', 'get-body-absent']) {
      const compressed = gzipSync(body);
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = httpRequest(
          {
            port: portOf(app),
            path: `/resources/${id}`,
            method: 'GET',
            headers: {
              'Content-Type': 'application/json',
              'Content-Encoding': 'gzip',
              'Content-Length': compressed.length,
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode);
          },
        );
        req.on('error', reject);
        req.end(compressed);
      });
      expect(status).toBe(id === 'get-body' ? 200 : 404);
    }
  });

  it.each([
    [{ 'Content-Type': 'application/json' }],
    [{ 'Content-Type': 'application/json; charset=utf-8', 'Content-Encoding': 'identity' }],
    [{ 'Content-Type': 'application/json; charset="UTF-8"' }],
  ])('reads a UTF-8 body sent with %p', async (headers) => {
    const res = await put('utf8', headers, Buffer.from(body));
    expect(res.status).toBeLessThan(300);
    expect((await app.http().get('/resources/utf8').expect(200)).body.data).toEqual({
      text: 'déjà',
    });
  });
});
