import { messagesOf, namesField } from './helpers/messages';
import { storeTargets } from './helpers/stores';
import { useTestApp } from './helpers/test-app';
import type { Http } from './helpers/test-app';

/**
 * One request must never freeze the server: a body of up to 1 MB, whatever its
 * shape, is refused or answered well within a second, with a bounded answer,
 * and `/health` keeps answering meanwhile. Before the bounds, a 1 MB `_mset`
 * of empty items took over 10 s (every item validated after the count had
 * already failed) and answered about 1 MB of messages.
 */

jest.setTimeout(120_000);

/** Far above what a bounded body costs (under 0.3 s on a loaded 2-core machine), far below an unbounded one (4 to 15 s). */
const ANSWER_WITHIN_MS = 1000;
/** The slowest `/health` may answer while a big body is processed. */
const HEALTH_WITHIN_MS = 1000;
/** Ten messages of at most 200 characters, one more line, and Nest's fields. */
const MAX_REFUSAL_BYTES = 3000;

const MB = 1024 * 1024;
/** Room left for the request's own prefix and suffix within 1 MB. */
const ROOM = MB - 256;

/** `prefix` + `unit` repeated, comma-separated, + `suffix`: about 1 MB of JSON. */
function repeated(prefix: string, unit: string, suffix: string): string {
  const count = Math.floor((ROOM - prefix.length - suffix.length) / (unit.length + 1));
  return `${prefix}${Array<string>(count).fill(unit).join(',')}${suffix}`;
}

/** `prefix` + `"k0":0,"k1":0,…` + `suffix`: about 1 MB of distinct keys. */
function manyKeys(prefix: string, suffix: string): string {
  const parts: string[] = [];
  let length = prefix.length + suffix.length;
  for (let i = 0; length < ROOM; i++) {
    const part = `"k${i}":0`;
    parts.push(part);
    length += part.length + 1;
  }
  return `${prefix}${parts.join(',')}${suffix}`;
}

/** `prefix` + `[[[…]]]` nested as deep as 1 MB allows + `suffix`. */
function deeplyNested(prefix: string, suffix: string): string {
  const depth = Math.floor((ROOM - prefix.length - suffix.length) / 2);
  return `${prefix}${'['.repeat(depth)}${']'.repeat(depth)}${suffix}`;
}

interface Shape {
  name: string;
  method: 'put' | 'post';
  path: string;
  body: () => string;
  /** A field the 400's message names (a word of its own), or a text it starts with. */
  names: string | { startsWith: string };
  /** A resource id the body would have written or tracked, were it accepted. */
  wouldWrite: string;
}

/** Bodies of about 1 MB that must be refused quickly, naming the field. */
const REFUSED: Shape[] = [
  {
    name: '_mset of 349,000 empty items after a valid one',
    method: 'post',
    path: '/resources/_mset',
    body: () => repeated('{"items":[{"id":"mset-empty","data":1},', '{}', ']}'),
    names: 'items',
    wouldWrite: 'mset-empty',
  },
  {
    name: '_mset whose items are 500,000 numbers',
    method: 'post',
    path: '/resources/_mset',
    body: () => repeated('{"items":[{"id":"mset-numbers","data":1},', '1', ']}'),
    names: 'items',
    wouldWrite: 'mset-numbers',
  },
  {
    name: '_mset of one item with 100,000 unknown keys',
    method: 'post',
    path: '/resources/_mset',
    body: () => manyKeys('{"items":[{"id":"mset-keys","data":1,', '}]}'),
    names: 'k0',
    wouldWrite: 'mset-keys',
  },
  {
    name: '_mset of 1,000 items with 70 unknown keys each',
    method: 'post',
    path: '/resources/_mset',
    body: () => {
      const keys = Array.from({ length: 70 }, (_, i) => `"unknown${i}":0`).join(',');
      const items = Array.from({ length: 1000 }, (_, i) => `{"id":"mset-wide-${i}",${keys}}`);
      return `{"items":[${items.join(',')}]}`;
    },
    names: 'unknown0',
    wouldWrite: 'mset-wide-0',
  },
  {
    name: '_mget of 260,000 ids',
    method: 'post',
    path: '/resources/_mget',
    body: () => repeated('{"ids":[', '"a"', ']}'),
    names: 'ids',
    wouldWrite: 'a',
  },
  {
    name: '_mget of 500,000 numbers',
    method: 'post',
    path: '/resources/_mget',
    body: () => repeated('{"ids":[', '1', ']}'),
    names: 'ids',
    wouldWrite: '1',
  },
  {
    name: 'PUT with 100,000 unknown keys',
    method: 'put',
    path: '/resources/put-keys',
    body: () => manyKeys('{"data":1,', '}'),
    names: 'k0',
    wouldWrite: 'put-keys',
  },
  {
    name: 'PUT with one unknown key of 1 MB',
    method: 'put',
    path: '/resources/put-long-key',
    body: () => `{"data":1,"${'k'.repeat(ROOM - 20)}":0}`,
    names: { startsWith: 'property kkkkkkkkkk' },
    wouldWrite: 'put-long-key',
  },
  {
    name: 'PUT with 260,000 tags',
    method: 'put',
    path: '/resources/put-tags',
    body: () => repeated('{"data":1,"tags":[', '"t"', ']}'),
    names: 'tags',
    wouldWrite: 'put-tags',
  },
  {
    name: 'PUT with tags of 500,000 numbers',
    method: 'put',
    path: '/resources/put-tag-numbers',
    body: () => repeated('{"data":1,"tags":[', '1', ']}'),
    names: 'tags',
    wouldWrite: 'put-tag-numbers',
  },
  {
    name: 'PUT with a tag of 500,000 numbers',
    method: 'put',
    path: '/resources/put-tag-list',
    body: () => repeated('{"data":1,"tags":[[', '1', ']]}'),
    names: 'tags',
    wouldWrite: 'put-tag-list',
  },
  {
    name: 'PUT with a ttl of 500,000 numbers',
    method: 'put',
    path: '/resources/put-ttl',
    body: () => repeated('{"data":1,"ttl":[', '1', ']}'),
    names: 'ttl',
    wouldWrite: 'put-ttl',
  },
  {
    name: 'PUT with data nested 500,000 deep',
    method: 'put',
    path: '/resources/put-deep',
    body: () => deeplyNested('{"data":', '}'),
    names: 'body',
    wouldWrite: 'put-deep',
  },
  {
    name: 'PUT of an array of 500,000 numbers',
    method: 'put',
    path: '/resources/put-array',
    body: () => repeated('[', '1', ']'),
    names: '0',
    wouldWrite: 'put-array',
  },
  {
    name: 'touch with 100,000 unknown keys',
    method: 'post',
    path: '/resources/touched/touch',
    body: () => manyKeys('{', '}'),
    names: 'k0',
    wouldWrite: 'touched',
  },
  {
    name: 'touch with a ttl of 500,000 numbers',
    method: 'post',
    path: '/resources/touched/touch',
    body: () => repeated('{"ttl":[', '1', ']}'),
    names: 'ttl',
    wouldWrite: 'touched',
  },
  {
    name: 'an interaction with 100,000 unknown keys',
    method: 'post',
    path: '/interactions',
    body: () => manyKeys('{"resourceId":"tracked-keys",', '}'),
    names: 'k0',
    wouldWrite: 'tracked-keys',
  },
  {
    name: 'an interaction whose type is 260,000 strings',
    method: 'post',
    path: '/interactions',
    body: () => repeated('{"resourceId":"tracked-type","data":1,"type":[', '"a"', ']}'),
    names: 'type',
    wouldWrite: 'tracked-type',
  },
  {
    name: 'an interaction whose resourceId is an object of 100,000 keys',
    method: 'post',
    path: '/interactions',
    body: () => manyKeys('{"data":1,"resourceId":{', '}}'),
    names: 'resourceId',
    wouldWrite: 'k0',
  },
  {
    name: 'an interaction with data nested 500,000 deep',
    method: 'post',
    path: '/interactions',
    body: () => deeplyNested('{"resourceId":"tracked-deep","data":', '}'),
    names: 'body',
    wouldWrite: 'tracked-deep',
  },
];

/** Bodies of about 1 MB that are valid: answered quickly all the same. */
const ACCEPTED = [
  {
    name: 'PUT of 500,000 numbers',
    method: 'put' as const,
    path: '/resources/big-list',
    body: () => repeated('{"data":[', '0', ']}'),
    status: 201,
  },
  {
    name: 'PUT of an object of 100,000 keys',
    method: 'put' as const,
    path: '/resources/big-object',
    body: () => manyKeys('{"data":{', '}}'),
    status: 201,
  },
  {
    name: 'PUT of a string of 1 MB',
    method: 'put' as const,
    path: '/resources/big-string',
    body: () => `{"data":"${'x'.repeat(ROOM - 20)}"}`,
    status: 201,
  },
  {
    name: '_mget of 1,000 ids of 1,000 characters',
    method: 'post' as const,
    path: '/resources/_mget',
    body: () =>
      JSON.stringify({ ids: Array.from({ length: 1000 }, (_, i) => `${i}`.padEnd(1000, 'x')) }),
    status: 200,
  },
  {
    name: 'POST /track_interaction of 500,000 numbers',
    method: 'post' as const,
    path: '/track_interaction',
    body: () => repeated('{"id":"compat-big","data":[', '0', ']}'),
    status: 200,
  },
];

interface Timed {
  status: number;
  body: unknown;
  bytes: number;
  ms: number;
  /** The slowest `/health` answer while the request was processed. */
  slowestHealthMs: number;
}

/**
 * Sends `body`, and `/health` again and again until it is answered: how long
 * each took, and what it answered.
 */
async function sendTimed(http: Http, method: 'put' | 'post', path: string, body: string) {
  let answered = false;
  let slowestHealthMs = 0;
  const start = performance.now();
  const big = http()
    [method](path)
    .set('content-type', 'application/json')
    .send(body)
    .then((res) => {
      answered = true;
      return res;
    });
  const probes = (async () => {
    while (!answered) {
      const sent = performance.now();
      await http().get('/health').expect(200);
      slowestHealthMs = Math.max(slowestHealthMs, performance.now() - sent);
    }
  })();
  const res = await big;
  const ms = performance.now() - start;
  await probes;
  return {
    status: res.status,
    body: res.body as unknown,
    bytes: Buffer.byteLength(res.text ?? ''),
    ms,
    slowestHealthMs,
  } satisfies Timed;
}

/**
 * `sendTimed`, tried up to three times until both bounds hold. A pause of
 * this test process (which also runs the app) can stretch one measurement;
 * an unbounded body takes seconds on every try.
 */
async function sendWithinBounds(http: Http, method: 'put' | 'post', path: string, body: string) {
  let res: Timed | undefined;
  for (let tries = 0; tries < 3; tries++) {
    res = await sendTimed(http, method, path, body);
    if (res.ms < ANSWER_WITHIN_MS && res.slowestHealthMs < HEALTH_WITHIN_MS) break;
  }
  return res!;
}

interface Counters {
  entries: number;
  sets: number;
  interactions: number;
}

describe.each(storeTargets)('hostile bodies ($name store)', ({ env }) => {
  const { http } = useTestApp(() => ({ ...env(), BODY_LIMIT: '1mb' }), { listen: true });
  const counters = async (): Promise<Counters> => {
    const { entries, sets, interactions } = (await http().get('/stats').expect(200))
      .body as Counters;
    return { entries, sets, interactions };
  };

  beforeAll(async () => {
    // Warm the routes up, so that the first measured request pays no start-up cost.
    await http().put('/resources/touched').send({ data: 'kept' }).expect(201);
    await http()
      .post('/resources/_mget')
      .send({ ids: ['touched'] })
      .expect(200);
    await http()
      .post('/resources/_mset')
      .send({ items: [{ id: 'warm', data: 1 }] })
      .expect(200);
    await http().post('/interactions').send({ resourceId: 'warm' }).expect(201);
  });

  describe.each(REFUSED)('$name', ({ method, path, body, names, wouldWrite }) => {
    it('is refused within a second with a short 400 naming the field, changing nothing', async () => {
      const before = await counters();
      const text = body();
      expect(Buffer.byteLength(text)).toBeGreaterThan(0.9 * MB);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MB);

      const res = await sendWithinBounds(http, method, path, text);

      expect(res.status).toBe(400);
      if (typeof names === 'string') {
        expect(namesField(res.body as object, names)).toBe(true);
      } else {
        expect(messagesOf(res.body as object)[0]).toMatch(new RegExp(`^${names.startsWith}`));
      }
      expect(res.bytes).toBeLessThan(MAX_REFUSAL_BYTES);
      expect(messagesOf(res.body as object).length).toBeLessThanOrEqual(11);
      expect(res.ms).toBeLessThan(ANSWER_WITHIN_MS);
      expect(res.slowestHealthMs).toBeLessThan(HEALTH_WITHIN_MS);
      expect(await counters()).toStrictEqual(before);
      const id = encodeURIComponent(wouldWrite);
      if (wouldWrite === 'touched') {
        expect((await http().get(`/resources/${id}`).expect(200)).body).toMatchObject({
          data: 'kept',
        });
      } else {
        await http().get(`/resources/${id}`).expect(404);
      }
      await http().get(`/interactions/${id}`).expect(404);
    });
  });

  describe.each(ACCEPTED)('$name', ({ method, path, body, status }) => {
    it('is answered within a second, /health answering meanwhile', async () => {
      const res = await sendWithinBounds(http, method, path, body());

      expect(res.status).toBe(status);
      expect(res.ms).toBeLessThan(ANSWER_WITHIN_MS);
      expect(res.slowestHealthMs).toBeLessThan(HEALTH_WITHIN_MS);
    });
  });

  it('lists at most ten messages, then says the others were omitted', async () => {
    const items = Array.from({ length: 1000 }, () => ({}));

    const res = await http().post('/resources/_mset').send({ items }).expect(400);

    const messages = messagesOf(res.body as object);
    expect(messages).toHaveLength(11);
    expect(messages[0]).toMatch(/^items\.0\.id /);
    expect(messages[10]).toBe('Further validation errors were omitted');
    await http().get('/resources/0').expect(404);
  });

  it('still lists every message of a body with a few errors', async () => {
    const res = await http()
      .put('/resources/few-errors')
      .send({ ttl: 0, tags: [''], colour: 'red' })
      .expect(400);

    expect(messagesOf(res.body as object).sort()).toStrictEqual(
      [
        'data is required and must not be null',
        'each value in tags must be a string of 1 to 128 characters',
        'property colour should not exist',
        'ttl must not be less than 1',
      ].sort(),
    );
  });
});
