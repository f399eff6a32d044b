import { Agent, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import computeEtag from 'etag';
import fc from 'fast-check';
import { storeTargets } from './helpers/stores';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

/**
 * Property-based robustness test: thousands of generated requests, well and
 * badly formed, to every route of the real application over real HTTP, on
 * each store. Whatever the request:
 * - the answer is never a 5xx, and the connection is never dropped;
 * - no body carries a stack trace or a node_modules path;
 * - every body is valid JSON or empty;
 * - a rejected request (any 4xx, or the seed's 200 failure body) changes
 *   nothing: /stats (but uptime), the listing of resources and the
 *   interaction counts are the same before and after it. Reads (GET, HEAD,
 *   _mget) may only move the hit and miss counters, whatever they answer;
 * - nothing pollutes Object.prototype (the app runs in this process);
 * - the server is still up (GET /stats answers 200) after each property.
 *
 * Set FUZZ_SEED to replay a run that fast-check reported.
 */

/** Entries written before every property, so conditional requests meet real ETags. */
const KNOWN = [
  { id: 'k0', data: { n: 0 }, tags: ['demo'] },
  { id: 'k1', data: [1, 2], tags: ['demo', 'x'] },
  { id: 'k2', data: 'text', tags: [] },
  { id: '__proto__', data: { a: 1 }, tags: ['proto'] },
  { id: 'constructor', data: 0, tags: [] },
  { id: 'https://example.com/a', data: '<page>', tags: ['web'] },
];
const KNOWN_IDS = KNOWN.map(({ id }) => id);
/** The strong ETags Lapse derives from the data (equal data, equal ETag). */
const KNOWN_ETAGS = KNOWN.map(({ data }) => computeEtag(JSON.stringify(data)));
const KNOWN_CURSORS = KNOWN_IDS.map((id) => Buffer.from(id, 'utf8').toString('base64url'));

/**
 * Valid time-to-lives shorter than this are lengthened by it: an entry
 * expiring mid-run would change the state with no request to blame, and real
 * expiry is covered by the other suites.
 */
const MIN_TTL_SECONDS = 3600;
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

// ---------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------

interface FuzzRequest {
  method: string;
  /** Path and query exactly as sent (already encoded, possibly malformed). */
  path: string;
  headers: Record<string, string>;
  /** Body text, sent as UTF-8 (or byte for byte as Latin-1 when `latin1`). */
  body?: string;
  latin1?: boolean;
}

interface FuzzResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Headers Node manages for the connection; generated headers never set them. */
const FRAMING_HEADERS = new Set([
  'connection',
  'content-length',
  'expect',
  'host',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** A plain HTTP/1.1 client over a keep-alive agent, to 127.0.0.1 only. */
class Client {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });

  constructor(private readonly port: number) {}

  send(req: FuzzRequest, timeoutMs = 15_000): Promise<FuzzResponse> {
    return new Promise((resolve, reject) => {
      const headers: OutgoingHttpHeaders = { ...req.headers };
      let payload: Buffer | undefined;
      if (req.body !== undefined) {
        payload = Buffer.from(req.body, req.latin1 ? 'latin1' : 'utf8');
        if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
          headers['content-type'] = 'application/json';
        }
        headers['content-length'] = String(payload.length);
      }
      const outgoing = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          method: req.method,
          path: req.path,
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
        },
      );
      outgoing.setTimeout(timeoutMs, () =>
        outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)),
      );
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

// ---------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------

const hex = (byte: number): string => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;

/** Percent-encodes every byte of the UTF-8 encoding but the unreserved ones (lone surrogates become U+FFFD). */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && /[A-Za-z0-9\-_.!~*'()]/.test(char) ? char : hex(byte);
  }
  return out;
}

/**
 * The UTF-8 bytes sent raw (`/`, `?`, `#`, `%` and non-ASCII bytes
 * included); only bytes Node refuses to put in a request line are escaped.
 */
function rawEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += byte <= 0x20 || byte === 0x7f ? hex(byte) : String.fromCharCode(byte);
  }
  return out;
}

/** Present with probability `p`, else `undefined` (dropped from JSON). */
const sometimes = <T>(arb: fc.Arbitrary<T>, p: number): fc.Arbitrary<T | undefined> =>
  fc.oneof(
    { weight: Math.round(p * 100), arbitrary: arb },
    { weight: Math.round((1 - p) * 100), arbitrary: fc.constant(undefined) },
  );

const controlChar = fc.constantFrom('\u0000', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085');

const idArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KNOWN_IDS) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'hasOwnProperty',
      'toString',
      '__defineGetter__',
      '',
      ' ',
      '.',
      '..',
      '%',
      '%%',
      '%zz',
      '%2F',
      '%00',
      '/',
      'a/b',
      '?',
      '?id=1',
      '#',
      '\\',
      '_mget',
      '_mset',
      'touch',
      'null',
      '[]',
      '{}',
      'x'.repeat(1024),
      'x'.repeat(1025),
      '😀'.repeat(512),
      '😀'.repeat(513),
      'é'.repeat(1024),
      '\uD800',
      'a\uDFFFb',
      '\uFEFF',
      '\u200B',
      'https://example.com/a?b=c#d',
    ),
  },
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1018, maxLength: 1030 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 6 }), controlChar, fc.string({ maxLength: 6 }))
      .map(([a, c, b]) => a + c + b),
  },
  { weight: 1, arbitrary: fc.webUrl() },
);

/** A path segment naming an id: percent-encoded, raw, doubly encoded, or random bytes. */
const segmentArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: idArb.map(percentEncode) },
  { weight: 2, arbitrary: idArb.map(rawEncode) },
  { weight: 1, arbitrary: idArb.map((id) => percentEncode(percentEncode(id))) },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ minLength: 1, maxLength: 12 })
      .map((bytes) => Array.from(bytes, hex).join('')),
  },
);

const queryKeyArb = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('prefix', 'tag', 'limit', 'cursor', 'all', 'id'),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'a[]',
      'id[]',
      'limit[]',
      'prefix[x]',
      'tag[0]',
      '__proto__',
      'constructor',
      '__proto__[polluted]',
      '',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);

const queryValueArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      'true',
      'TRUE',
      'false',
      '1',
      '0',
      '-1',
      '10',
      '1000',
      '1001',
      '1.5',
      '1e3',
      '0x10',
      ' 5',
      'NaN',
      'Infinity',
      '99999999999999999999',
      'k',
      'demo',
      'x'.repeat(129),
      'x'.repeat(2049),
      ...KNOWN_CURSORS,
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  { weight: 2, arbitrary: idArb },
);

/** `?k=v&k=v...`: known and random keys, repeated keys, `a[]=`, encoded or raw. */
const queryArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(fc.tuple(queryKeyArb, queryValueArb, fc.boolean()), { maxLength: 5 })
      .map((pairs) =>
        pairs.length === 0
          ? ''
          : `?${pairs
              .map(([key, value, raw]) => {
                const encode = raw ? rawEncode : percentEncode;
                return `${encode(key)}=${encode(value)}`;
              })
              .join('&')}`,
      ),
  },
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'binary', maxLength: 24 }).map((s) => `?${rawEncode(s)}`),
  },
);

/** A character Node accepts in a header value: tab, printable ASCII, or Latin-1. */
const headerChar = fc
  .oneof(
    fc.integer({ min: 0x20, max: 0x7e }),
    fc.integer({ min: 0x80, max: 0xff }),
    fc.constant(0x09),
  )
  .map((code) => String.fromCharCode(code));
const headerText = fc.string({ unit: headerChar, maxLength: 40 });
const headerName = fc
  .stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,24}$/)
  .filter((name) => !FRAMING_HEADERS.has(name.toLowerCase()));

const entityTagsArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '*',
      ' * ',
      '"x"',
      'W/"x"',
      '""',
      '"',
      'W/',
      'W/""',
      '*, "x"',
      '"a", "b"',
      ',',
      ...KNOWN_ETAGS,
      ...KNOWN_ETAGS.map((tag) => `W/${tag}`),
      KNOWN_ETAGS.join(', '),
    ),
  },
  { weight: 1, arbitrary: headerText },
);
const httpDateArb = fc.oneof(
  fc.date({ noInvalidDate: true }).map((date) => date.toUTCString()),
  fc.constantFrom(
    'Thu, 01 Jan 1970 00:00:00 GMT',
    'Fri, 31 Dec 9999 23:59:59 GMT',
    'yesterday',
    '0',
    '-1',
    '',
  ),
  headerText,
);
const contentTypeArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=UTF-8',
      'application/json; charset=latin1',
      'application/json; charset=utf-16',
      'application/json; charset=bogus',
      'application/json;',
      'application/json; foo',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/vnd.api+json',
      'application/*',
      '*/*',
      '',
      ';;;',
    ),
  },
  { weight: 1, arbitrary: headerText },
);

/** Conditional, content and random headers, each only sometimes. */
const headersArb: fc.Arbitrary<Record<string, string>> = fc
  .tuple(
    fc.record({
      'if-match': sometimes(entityTagsArb, 0.2),
      'if-none-match': sometimes(entityTagsArb, 0.2),
      'if-modified-since': sometimes(httpDateArb, 0.15),
      'if-unmodified-since': sometimes(httpDateArb, 0.05),
      'cache-control': sometimes(fc.constantFrom('no-cache', 'no-store', 'max-age=0', '~'), 0.1),
      'content-type': sometimes(contentTypeArb, 0.15),
      'content-encoding': sometimes(
        fc.constantFrom('identity', 'gzip', 'deflate', 'br', 'bogus'),
        0.05,
      ),
      accept: sometimes(fc.constantFrom('application/json', 'text/html', '*/*', '', 'x'), 0.05),
    }),
    sometimes(fc.dictionary(headerName, headerText, { maxKeys: 3 }), 0.2),
  )
  .map(([known, extra]) => {
    const headers: Record<string, string> = { ...(extra ?? {}) };
    for (const [name, value] of Object.entries(known)) {
      if (value !== undefined) headers[name] = value;
    }
    return headers;
  });

const hugeNumber = fc.constantFrom(
  1e308,
  -1e308,
  2 ** 53,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  -0,
  5e-324,
  31_536_000,
  31_536_001,
  0,
  -1,
  1.5,
);

/** A value of the wrong type (or out of range) for any field. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.string({ maxLength: 10 }),
  fc.double(),
  fc.integer(),
  hugeNumber,
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  fc.constantFrom({}, [], '', '1', 'true'),
);

/** An object with own `__proto__`, `constructor` and `prototype` keys, as JSON.parse makes them. */
const protoObject: fc.Arbitrary<unknown> = fc
  .tuple(fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 }))
  .map(
    ([a, b]) =>
      JSON.parse(
        `{"__proto__":{"polluted":${JSON.stringify(a)}},"constructor":{"prototype":{"polluted":true}},"prototype":${JSON.stringify(b)}}`,
      ) as unknown,
  );

const dataArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: wrongValue },
  { weight: 1, arbitrary: fc.constantFrom(0, false, '', [], {}, null) },
  { weight: 1, arbitrary: protoObject },
  { weight: 1, arbitrary: fc.array(protoObject, { maxLength: 2 }) },
);

const ttlArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 31_536_000 }) },
  { weight: 2, arbitrary: wrongValue },
  { weight: 1, arbitrary: fc.constantFrom('60', 60.5, 0, -5, 31_536_001, 1e21) },
);

const tagsArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.array(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom(['demo'], ['demo', 'demo'], ['x'.repeat(128)]) },
  { weight: 1, arbitrary: fc.array(fc.string({ maxLength: 130 }), { maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.array(fc.string({ minLength: 1, maxLength: 3 }), {
      minLength: 33,
      maxLength: 34,
    }),
  },
  { weight: 1, arbitrary: fc.array(wrongValue, { minLength: 1, maxLength: 3 }) },
  { weight: 2, arbitrary: wrongValue },
);

const typeArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constantFrom('view', 'click', 'share', 'a.b-c_1', 'x'.repeat(64)),
  },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z0-9_.-]{1,64}$/) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('VIEW', '', ' ', 'x'.repeat(65), 'a b', 'view\n', 'é'),
  },
  { weight: 2, arbitrary: wrongValue },
);

/** Extra fields: random, and the ones that attack prototypes. */
const extraFields: fc.Arbitrary<Record<string, unknown>> = sometimes(
  fc.dictionary(
    fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra', 'toString'),
    ),
    fc.jsonValue({ maxDepth: 1 }),
    { minKeys: 1, maxKeys: 2 },
  ),
  0.15,
).map((extra) => extra ?? {});

/** `{...extra, ...fields}`, with absent (undefined) fields left out. */
const objectOf = (fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<object> =>
  fc.tuple(fc.record(fields), extraFields).map(([own, extra]) => {
    const body: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(extra)) {
      Object.defineProperty(body, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    for (const [key, value] of Object.entries(own)) if (value !== undefined) body[key] = value;
    return body;
  });

/** Lengthens valid short TTLs (see {@link MIN_TTL_SECONDS}) at the top level and in `items`. */
function noEarlyExpiry(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const body = value as Record<string, unknown>;
  const { ttl, items } = body;
  if (typeof ttl === 'number' && Number.isInteger(ttl) && ttl >= 1 && ttl < MIN_TTL_SECONDS) {
    body.ttl = ttl + MIN_TTL_SECONDS;
  }
  if (Array.isArray(items)) items.forEach(noEarlyExpiry);
  return value;
}

const jsonText = (value: unknown): string => JSON.stringify(noEarlyExpiry(value)) ?? '';

/** `fc.anything()` written as JSON where JSON can hold it, else as its string form. */
function serialiseAnything(value: unknown): string {
  try {
    const text = JSON.stringify(noEarlyExpiry(value));
    if (text !== undefined) return text;
  } catch {
    // BigInt, cycles: fall through
  }
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

const TOO_LARGE = `{"data":"${'x'.repeat(1_100_000)}"}`;

/** JSON the parser must reject, or barely accepts. */
const malformedJson: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '{',
      '}',
      '[',
      '{"data":}',
      '{"data":1,}',
      "{'data':1}",
      '{data:1}',
      '{"data":undefined}',
      '{"data":NaN}',
      '{"data":Infinity}',
      '{"data":1e99999}',
      '{"data":-1e99999}',
      '{"data":123456789012345678901234567890}',
      '{"data":"\\x"}',
      '{"data":"\\ud800"}',
      '{"data":"unterminated}',
      '{"data":1}{"data":2}',
      '{"data":1} trailing',
      '\ufeff{"data":1}',
      'null',
      'true',
      '0',
      '-0',
      '"str"',
      '[]',
      '[1,2]',
      '[{"data":1}]',
      '',
      ' ',
      '\u0000',
      '{"__proto__":{"polluted":true},"data":1}',
      '{"constructor":{"prototype":{"polluted":true}},"data":1}',
      '{"data":1,"data":null}',
      '{"data":null,"data":1}',
      '{"id":"k0","id":"k1","data":1}',
      TOO_LARGE,
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.json({ maxDepth: 2 }), fc.nat())
      .map(([text, cut]) => text.slice(0, cut % Math.max(1, text.length))),
  },
);

/** A body for a route whose object bodies look like `shape`: mostly that, sometimes anything. */
const bodyArb = (shape: fc.Arbitrary<object>): fc.Arbitrary<Partial<FuzzRequest>> =>
  fc.oneof(
    { weight: 12, arbitrary: shape.map((body) => ({ body: jsonText(body) })) },
    { weight: 1, arbitrary: fc.jsonValue().map((body) => ({ body: jsonText(body) })) },
    {
      weight: 1,
      arbitrary: fc
        .anything({ withBigInt: true, withBoxedValues: true, withMap: true, withSet: true })
        .map((value) => ({ body: serialiseAnything(value) })),
    },
    { weight: 2, arbitrary: malformedJson.map((body) => ({ body })) },
    {
      weight: 1,
      arbitrary: fc
        .uint8Array({ maxLength: 32 })
        .map((bytes) => ({ body: Buffer.from(bytes).toString('latin1'), latin1: true })),
    },
    { weight: 1, arbitrary: fc.constant({}) },
  );

/** GET, HEAD and DELETE rarely carry a body; when they do, it is anything. */
const strayBodyArb: fc.Arbitrary<Partial<FuzzRequest>> = fc.oneof(
  { weight: 9, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: bodyArb(objectOf({ data: dataArb })) },
);

const request = (
  method: string,
  path: fc.Arbitrary<string>,
  body: fc.Arbitrary<Partial<FuzzRequest>> = strayBodyArb,
): fc.Arbitrary<FuzzRequest> =>
  fc
    .tuple(path, headersArb, body)
    .map(([p, headers, b]): FuzzRequest => ({ method, path: p, headers, ...b }));

const path = (template: (seg: string) => string, query = queryArb): fc.Arbitrary<string> =>
  fc.tuple(segmentArb, query).map(([seg, q]) => template(seg) + q);
const fixed = (route: string): fc.Arbitrary<string> => queryArb.map((q) => route + q);

const putShape = objectOf({
  data: sometimes(dataArb, 0.85),
  ttl: sometimes(ttlArb, 0.4),
  tags: sometimes(tagsArb, 0.4),
});
const touchShape = objectOf({ ttl: sometimes(ttlArb, 0.6) });
const idsArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.array(idArb, { minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constantFrom([], Array<string>(1001).fill('k0')) },
  { weight: 1, arbitrary: fc.array(wrongValue, { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: wrongValue },
);
const msetItemArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 8,
    arbitrary: objectOf({
      id: sometimes(idArb, 0.9),
      data: sometimes(dataArb, 0.9),
      ttl: sometimes(ttlArb, 0.3),
      tags: sometimes(tagsArb, 0.3),
    }),
  },
  { weight: 1, arbitrary: wrongValue },
);
const tooManyItems = Array.from({ length: 1001 }, (_, i) => ({ id: `bulk-${i}`, data: i }));
const itemsArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 8, arbitrary: fc.array(msetItemArb, { minLength: 1, maxLength: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom([], tooManyItems) },
  { weight: 1, arbitrary: wrongValue },
);
const interactionShape = objectOf({
  resourceId: sometimes(idArb, 0.9),
  type: sometimes(typeArb, 0.5),
  data: sometimes(dataArb, 0.3),
  ttl: sometimes(ttlArb, 0.2),
});
const seedShape = objectOf({ id: sometimes(idArb, 0.9), data: sometimes(dataArb, 0.85) });

/** `/get_cached_resource?id=...`: the id encoded or raw, repeated, as an array, or absent. */
const seedQueryArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: idArb.map((id) => `?id=${percentEncode(id)}`) },
  { weight: 1, arbitrary: idArb.map((id) => `?id=${rawEncode(id)}`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(idArb, idArb)
      .map(([a, b]) => `?id=${percentEncode(a)}&id=${percentEncode(b)}`),
  },
  { weight: 1, arbitrary: idArb.map((id) => `?id[]=${percentEncode(id)}`) },
  { weight: 1, arbitrary: queryArb },
);

/** Every route, with its own kinds of ids, queries, headers and bodies. */
const routes: Record<string, fc.Arbitrary<FuzzRequest>> = {
  'PUT /resources/:id': request(
    'PUT',
    path((s) => `/resources/${s}`),
    bodyArb(putShape),
  ),
  'GET /resources/:id': request(
    'GET',
    path((s) => `/resources/${s}`),
  ),
  'HEAD /resources/:id': request(
    'HEAD',
    path((s) => `/resources/${s}`),
  ),
  'DELETE /resources/:id': request(
    'DELETE',
    path((s) => `/resources/${s}`),
  ),
  'POST /resources/:id/touch': request(
    'POST',
    path((s) => `/resources/${s}/touch`),
    bodyArb(touchShape),
  ),
  'GET /resources': request('GET', fixed('/resources')),
  'DELETE /resources': request('DELETE', fixed('/resources')),
  'POST /resources/_mget': request(
    'POST',
    fixed('/resources/_mget'),
    bodyArb(objectOf({ ids: sometimes(idsArb, 0.9) })),
  ),
  'POST /resources/_mset': request(
    'POST',
    fixed('/resources/_mset'),
    bodyArb(objectOf({ items: sometimes(itemsArb, 0.9) })),
  ),
  'POST /interactions': request('POST', fixed('/interactions'), bodyArb(interactionShape)),
  'GET /interactions': request('GET', fixed('/interactions')),
  'GET /interactions/:id': request(
    'GET',
    path((s) => `/interactions/${s}`),
  ),
  'GET /stats': request('GET', fixed('/stats')),
  'GET /get_cached_resource': request(
    'GET',
    seedQueryArb.map((q) => `/get_cached_resource${q}`),
  ),
  'POST /track_interaction': request('POST', fixed('/track_interaction'), bodyArb(seedShape)),
};

/**
 * Conditional requests on the known entries: well-formed bodies, and always
 * some If-Match / If-None-Match / If-Modified-Since, so that 412 and 304 are
 * common (a 412 must change nothing).
 */
const conditionalArb: fc.Arbitrary<FuzzRequest> = fc
  .record({
    method: fc.constantFrom('PUT', 'PUT', 'DELETE', 'GET', 'HEAD'),
    id: fc.constantFrom(...KNOWN_IDS, 'absent'),
    body: objectOf({
      data: fc.jsonValue({ maxDepth: 2 }).filter((data) => data !== null),
      ttl: sometimes(fc.integer({ min: MIN_TTL_SECONDS, max: 31_536_000 }), 0.3),
      tags: sometimes(fc.array(fc.constantFrom('demo', 'x', 'web'), { maxLength: 2 }), 0.3),
    }),
    ifMatch: sometimes(entityTagsArb, 0.5),
    ifNoneMatch: sometimes(entityTagsArb, 0.5),
    ifModifiedSince: sometimes(httpDateArb, 0.3),
    cacheControl: sometimes(fc.constant('no-cache'), 0.1),
  })
  .map(({ method, id, body, ifMatch, ifNoneMatch, ifModifiedSince, cacheControl }) => {
    const headers: Record<string, string> = {};
    if (ifMatch !== undefined) headers['if-match'] = ifMatch;
    if (ifNoneMatch !== undefined || ifMatch === undefined)
      headers['if-none-match'] = ifNoneMatch ?? '*';
    if (ifModifiedSince !== undefined) headers['if-modified-since'] = ifModifiedSince;
    if (cacheControl !== undefined) headers['cache-control'] = cacheControl;
    return {
      method,
      path: `/resources/${encodeURIComponent(id)}`,
      headers,
      ...(method === 'PUT' ? { body: jsonText(body) } : {}),
    };
  });

/** Any method on any route's path, with any query, headers and body. */
const anyRequestArb: fc.Arbitrary<FuzzRequest> = fc
  .tuple(
    fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    fc.oneof(...Object.values(routes)),
    fc.oneof(
      fc.constant(undefined),
      fc.constantFrom('/', '//', '/resources/', '/resources//touch', '/RESOURCES/k0', '/stats/'),
    ),
  )
  .map(([method, req, otherPath]) => ({
    ...req,
    method,
    path: otherPath ?? req.path,
  }));

/** JSON nested `depth` levels deep: arrays, objects, or the two in turn. */
function nested(kind: 'array' | 'object' | 'mixed', depth: number): string {
  const open: string[] = [];
  const close: string[] = [];
  for (let level = 0; level < depth; level++) {
    const object = kind === 'object' || (kind === 'mixed' && level % 2 === 1);
    open.push(object ? '{"a":' : '[');
    close.push(object ? '}' : ']');
  }
  return `${open.join('')}1${close.reverse().join('')}`;
}

type DeepPlace = [method: string, path: string, body: (value: string) => string];

/** Where a deeply nested value goes when it is data to cache (kept verbatim). */
const DEEP_DATA: DeepPlace[] = [
  ['PUT', '/resources/deep-nesting', (v) => `{"data":${v}}`],
  ['POST', '/resources/_mset', (v) => `{"items":[{"id":"deep-nesting","data":${v}}]}`],
  ['POST', '/interactions', (v) => `{"resourceId":"deep-nesting","data":${v}}`],
  ['POST', '/track_interaction', (v) => `{"id":"deep-nesting","data":${v}}`],
];

/** Where else it goes: every other field, an unknown field, and the whole body (all invalid). */
const DEEP_ELSEWHERE: DeepPlace[] = [
  ['PUT', '/resources/deep-nesting', (v) => `{"data":1,"ttl":${v}}`],
  ['PUT', '/resources/deep-nesting', (v) => `{"data":1,"tags":${v}}`],
  ['PUT', '/resources/deep-nesting', (v) => `{"data":1,"extra":${v}}`],
  ['PUT', '/resources/deep-nesting', (v) => v],
  ['POST', '/resources/deep-nesting/touch', (v) => `{"ttl":${v}}`],
  ['POST', '/resources/_mset', (v) => `{"items":${v}}`],
  ['POST', '/resources/_mget', (v) => `{"ids":${v}}`],
  ['POST', '/interactions', (v) => `{"resourceId":${v}}`],
  ['POST', '/track_interaction', (v) => `{"id":${v},"data":1}`],
  ['POST', '/track_interaction', (v) => v],
];

interface DeepCase {
  /** Index in the list of places. */
  place: number;
  kind: 'array' | 'object' | 'mixed';
  depth: number;
}

/** Nesting up to 60 000 levels deep (up to ~300 KB, within the default 1mb BODY_LIMIT). */
const deepCaseArb = (places: DeepPlace[]): fc.Arbitrary<DeepCase> =>
  fc.record({
    place: fc.nat({ max: places.length - 1 }),
    kind: fc.constantFrom('array' as const, 'object' as const, 'mixed' as const),
    depth: fc.integer({ min: 1, max: 60_000 }),
  });

function deepRequest(places: DeepPlace[], { place, kind, depth }: DeepCase): FuzzRequest {
  const [method, target, body] = places[place];
  return { method, path: target, headers: {}, body: body(nested(kind, depth)) };
}

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

interface Snapshot {
  stats: Record<string, unknown>;
  /** Every live entry (the listing's time-derived `ttl` left out). */
  resources: Array<{ id: string; tags: string[]; expiresAt: string }>;
  interactions: unknown[];
}

/** Counters a read is allowed to move, whatever it answers. */
const READ_COUNTERS = ['hits', 'misses', 'hitRatio'];

function isRead(req: FuzzRequest): boolean {
  return (
    req.method === 'GET' ||
    req.method === 'HEAD' ||
    (req.method === 'POST' && /^\/resources\/_mget(\?|$)/i.test(req.path))
  );
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((item) => strings(item, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      strings(item, out);
    }
  }
  return out;
}

/** Describes a request for a failure message, bodies cut short. */
function describeRequest(req: FuzzRequest): string {
  const body =
    req.body === undefined
      ? ''
      : `\n  body${req.latin1 ? ' (latin1 bytes)' : ''}: ${JSON.stringify(req.body.length > 300 ? `${req.body.slice(0, 300)}… (${req.body.length} chars)` : req.body)}`;
  return `${req.method} ${JSON.stringify(req.path.length > 300 ? `${req.path.slice(0, 300)}…` : req.path)}\n  headers: ${JSON.stringify(req.headers)}${body}`;
}

function diffState(before: Snapshot, after: Snapshot, ignore: string[]): string[] {
  const changes: string[] = [];
  const keys = new Set([...Object.keys(before.stats), ...Object.keys(after.stats)]);
  for (const key of keys) {
    if (ignore.includes(key)) continue;
    if (JSON.stringify(before.stats[key]) !== JSON.stringify(after.stats[key])) {
      changes.push(`stats.${key}: ${String(before.stats[key])} -> ${String(after.stats[key])}`);
    }
  }
  const index = (list: Snapshot['resources']) =>
    new Map(list.map((item) => [item.id, JSON.stringify(item)]));
  const [was, is] = [index(before.resources), index(after.resources)];
  for (const [id, item] of was) {
    if (!is.has(id)) changes.push(`resource removed: ${item}`);
    else if (is.get(id) !== item) changes.push(`resource changed: ${item} -> ${is.get(id)}`);
  }
  for (const [id, item] of is) if (!was.has(id)) changes.push(`resource added: ${item}`);
  if (JSON.stringify(before.interactions) !== JSON.stringify(after.interactions)) {
    const rows = (list: unknown[]) => new Set(list.map((row) => JSON.stringify(row)));
    const [old, now] = [rows(before.interactions), rows(after.interactions)];
    const rowChanges = [
      ...[...now].filter((row) => !old.has(row)).map((row) => `interactions row now: ${row}`),
      ...[...old].filter((row) => !now.has(row)).map((row) => `interactions row was: ${row}`),
    ];
    changes.push(...(rowChanges.length > 0 ? rowChanges : ['interactions: order changed']));
  }
  return changes;
}
// ---------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------

const STACK_LINE = /\n\s+at .+:\d+/;
const SEED_INVALID = JSON.stringify({ status: 'failure', message: 'Invalid data provided.' });

/** The properties every single answer must have; resolves the parsed body. */
function checkAnswer(req: FuzzRequest, res: FuzzResponse): unknown {
  const context = () =>
    `${res.status} to ${describeRequest(req)}\n  answer: ${JSON.stringify(res.text.slice(0, 500))}`;
  if (res.status >= 500) throw new Error(`server error: ${context()}`);
  // Requests echo their own text back (ids, data, field names): only what they did not send counts.
  const asked = `${req.path}\n${req.body ?? ''}\n${JSON.stringify(req.headers)}`;
  const leaks = (text: string) =>
    STACK_LINE.test(text) || (text.includes('node_modules') && !asked.includes('node_modules'));
  if (leaks(res.text)) throw new Error(`stack trace in the body: ${context()}`);
  const parsed = res.text === '' ? { ok: true as const, value: undefined } : parseJson(res.text);
  if (!parsed.ok) throw new Error(`body is neither JSON nor empty: ${context()}`);
  if (res.status >= 400 && strings(parsed.value).some(leaks)) {
    throw new Error(`stack trace in the error body: ${context()}`);
  }
  return parsed.value;
}

describe.each(storeTargets)(
  'fuzz: generated requests to every route ($name store)',
  ({ name, env }) => {
    let app: TestApp;
    let client: Client;
    /** The state as last observed, when nothing has changed it since. */
    let baseline: Snapshot | undefined;
    const prototypeKeys = JSON.stringify(Object.getOwnPropertyNames(Object.prototype).sort());
    const counts = {
      requests: 0,
      byStatus: new Map<number, number>(),
      rejected: 0,
      seedFailures: 0,
      reads: 0,
    };

    const getJson = async (target: string): Promise<unknown> => {
      const res = await client.send({ method: 'GET', path: target, headers: {} });
      if (res.status !== 200) throw new Error(`GET ${target} answered ${res.status}: ${res.text}`);
      return JSON.parse(res.text) as unknown;
    };

    async function snapshot(): Promise<Snapshot> {
      const stats = { ...((await getJson('/stats')) as Record<string, unknown>) };
      delete stats.uptimeSeconds;
      const resources: Snapshot['resources'] = [];
      let cursor: string | null = null;
      do {
        const page = (await getJson(
          `/resources?limit=1000${cursor === null ? '' : `&cursor=${cursor}`}`,
        )) as { items: Snapshot['resources']; nextCursor: string | null };
        resources.push(...page.items.map(({ id, tags, expiresAt }) => ({ id, tags, expiresAt })));
        cursor = page.nextCursor;
      } while (cursor !== null);
      const interactions = (await getJson('/interactions?limit=1000')) as unknown[];
      return { stats, resources, interactions };
    }

    /** Writes the known entries back, so that conditional requests meet them. */
    async function seedKnown(): Promise<void> {
      for (const { id, data, tags } of KNOWN) {
        const res = await client.send({
          method: 'PUT',
          path: `/resources/${encodeURIComponent(id)}`,
          headers: {},
          body: JSON.stringify({ data, tags }),
        });
        if (res.status !== 200 && res.status !== 201)
          throw new Error(`seeding ${id}: ${res.status}`);
      }
      baseline = undefined;
    }

    function count(res: FuzzResponse): void {
      counts.requests += 1;
      counts.byStatus.set(res.status, (counts.byStatus.get(res.status) ?? 0) + 1);
    }

    async function send(req: FuzzRequest): Promise<FuzzResponse> {
      try {
        return await client.send(req);
      } catch (error) {
        throw new Error(`connection error (${String(error)}) on ${describeRequest(req)}`, {
          cause: error,
        });
      }
    }

    /** Sends one request and checks every property that applies to its answer. */
    async function check(req: FuzzRequest): Promise<void> {
      const before = baseline ?? (await snapshot());
      baseline = undefined;
      const res = await send(req);
      count(res);
      const body = checkAnswer(req, res);
      const polluted = JSON.stringify(Object.getOwnPropertyNames(Object.prototype).sort());
      if (polluted !== prototypeKeys) {
        throw new Error(`Object.prototype polluted (${polluted}) by ${describeRequest(req)}`);
      }
      const rejected = res.status >= 400 && res.status < 500;
      const seedFailure = res.status === 200 && JSON.stringify(body) === SEED_INVALID;
      const read = isRead(req);
      if (!rejected && !seedFailure && !read) return;
      const after = await snapshot();
      const changes = diffState(before, after, read ? READ_COUNTERS : []);
      if (changes.length > 0) {
        throw new Error(
          `a ${rejected || seedFailure ? 'rejected request' : 'read'} changed the state ` +
            `(${changes.join('; ')}): ${res.status} to ${describeRequest(req)}\n` +
            `  answer: ${JSON.stringify(res.text.slice(0, 500))}`,
        );
      }
      if (rejected) counts.rejected += 1;
      else if (seedFailure) counts.seedFailures += 1;
      else counts.reads += 1;
      baseline = after;
    }

    const runs = (numRuns: number): fc.Parameters<unknown> => ({
      numRuns,
      ...(SEED === undefined ? {} : { seed: SEED }),
    });

    beforeAll(async () => {
      app = await startTestApp({ ...env(), CACHE_TTL: String(MIN_TTL_SECONDS) }, { listen: true });
      client = new Client(((app.app.getHttpServer() as Server).address() as AddressInfo).port);
    });
    afterAll(async () => {
      client?.close();
      await app?.close();
      const statuses = [...counts.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
      process.stdout.write(
        `fuzz (${name} store): ${counts.requests} requests [${statuses.join(' ')}]; state unchanged ` +
          `after ${counts.rejected} 4xx, ${counts.seedFailures} seed failures, ${counts.reads} other reads\n`,
      );
    });
    beforeEach(seedKnown);
    afterEach(async () => {
      // The server is still up, whatever was sent.
      const res = await client.send({ method: 'GET', path: '/stats', headers: {} });
      expect(res.status).toBe(200);
    });

    it('reading the state changes nothing (the state check itself is sound)', async () => {
      const first = await snapshot();
      expect(diffState(first, await snapshot(), [])).toEqual([]);
    });

    /** One request per run, so that a failure shrinks to one request. */
    const perRoute: Array<[string, number]> = [
      ['PUT /resources/:id', 220],
      ['GET /resources/:id', 100],
      ['HEAD /resources/:id', 60],
      ['DELETE /resources/:id', 100],
      ['POST /resources/:id/touch', 100],
      ['GET /resources', 90],
      ['DELETE /resources', 90],
      ['POST /resources/_mget', 90],
      ['POST /resources/_mset', 150],
      ['POST /interactions', 150],
      ['GET /interactions', 60],
      ['GET /interactions/:id', 60],
      ['GET /stats', 40],
      ['GET /get_cached_resource', 90],
      ['POST /track_interaction', 150],
    ];

    it.each(perRoute)(
      '%s: never a 5xx or a stack trace, always JSON; rejections change nothing',
      async (route, numRuns) => {
        await fc.assert(fc.asyncProperty(routes[route], check), runs(numRuns));
      },
      60_000,
    );

    it('conditional requests on existing entries: a failed precondition (412) changes nothing', async () => {
      await fc.assert(fc.asyncProperty(conditionalArb, check), runs(150));
    }, 60_000);

    it('sequences of any method on any route: the same properties', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(anyRequestArb, ...Object.values(routes)), {
            minLength: 2,
            maxLength: 6,
          }),
          async (reqs) => {
            for (const req of reqs) await check(req);
          },
        ),
        runs(60),
      );
    }, 60_000);

    it('concurrent batches: never a 5xx, a dropped connection, a stack trace or a non-JSON body', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(anyRequestArb, ...Object.values(routes)), {
            minLength: 4,
            maxLength: 10,
          }),
          async (reqs) => {
            baseline = undefined; // these requests change the state unchecked
            const answers = await Promise.all(
              reqs.map(async (req) => ({ req, res: await send(req) })),
            );
            for (const { req, res } of answers) {
              count(res);
              checkAnswer(req, res);
            }
          },
        ),
        runs(30),
      );
    }, 60_000);

    it.each([
      ['as data to cache', DEEP_DATA],
      ['in any other field, an unknown one, or as the whole body', DEEP_ELSEWHERE],
    ])(
      'deeply nested JSON %s: never a 5xx; rejections change nothing',
      async (_where, places) => {
        await fc.assert(
          fc.asyncProperty(deepCaseArb(places), (deep) => check(deepRequest(places, deep))),
          runs(25),
        );
      },
      60_000,
    );
  },
);
