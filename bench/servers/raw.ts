/**
 * The floor's floor: `node:http` and a `Map`, no framework. It answers the
 * benchmark's routes with the least work that still parses and checks a body.
 * With RAW_HEADERS=lapse, a GET hit also carries the headers a Lapse hit
 * carries (helmet's, the request id, validators and freshness), fixed values
 * of the same length: what Node.js's HTTP code spends on them, per header.
 * Usage: node raw.js <port>
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { securityHeaders } from '../../src/security/security-headers';

const HIT_HEADERS: Readonly<Record<string, string>> =
  process.env.RAW_HEADERS === 'lapse'
    ? {
        ...securityHeaders(),
        'x-request-id': 'afa4c5ba-8f13-433c-9a50-e268686e0cd8',
        etag: '"10-fMRfBMPm9YgfwyOi2N6rEyw4SSI"',
        'last-modified': 'Thu, 03 Dec 2026 10:07:27 GMT',
        'cache-control': 'private, max-age=290',
        expires: 'Thu, 03 Dec 2026 10:12:27 GMT',
        'cache-status': 'Lapse; hit; ttl=290',
      }
    : {};

const entries = new Map<string, string>();
const interactions = new Map<string, number>();

function send(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function readJson(req: IncomingMessage, then: (body: Record<string, unknown> | undefined) => void) {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    try {
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      then(
        typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined,
      );
    } catch {
      then(undefined);
    }
  });
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url.startsWith('/resources/')) {
    const id = decodeURIComponent(url.slice('/resources/'.length));
    if (req.method === 'GET') {
      const entry = entries.get(id);
      if (entry === undefined) send(res, 404, '{"statusCode":404,"message":"not found"}');
      else send(res, 200, entry, HIT_HEADERS);
      return;
    }
    if (req.method === 'PUT') {
      readJson(req, (body) => {
        if (body?.data === undefined) return send(res, 400, '{"statusCode":400}');
        const entry = JSON.stringify({ id, data: body.data });
        entries.set(id, entry);
        send(res, 201, entry);
      });
      return;
    }
  }
  if (url.startsWith('/get_cached_resource?id=')) {
    const entry = entries.get(decodeURIComponent(url.slice('/get_cached_resource?id='.length)));
    const data = entry === undefined ? undefined : (JSON.parse(entry) as { data: unknown }).data;
    send(res, 200, JSON.stringify({ status: 'success', data }));
    return;
  }
  if (url === '/interactions' && req.method === 'POST') {
    readJson(req, (body) => {
      if (typeof body?.resourceId !== 'string') return send(res, 400, '{"statusCode":400}');
      const total = (interactions.get(body.resourceId) ?? 0) + 1;
      interactions.set(body.resourceId, total);
      send(res, 201, JSON.stringify({ resourceId: body.resourceId, total }));
    });
    return;
  }
  send(res, 404, '{"statusCode":404}');
});

server.listen(Number(process.argv[2]), '127.0.0.1');
// Exits normally on SIGTERM, so `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => server.close(() => process.exit(0)));
