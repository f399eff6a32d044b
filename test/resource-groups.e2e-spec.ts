import { storeTargets } from './helpers/stores';
import { startTestApp, useTestApps } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { sleep } from './helpers/time';

// Real 1 s expiries and a few hundred requests per test: more than Jest's default 5 s.
jest.setTimeout(30_000);

interface Summary {
  id: string;
  tags: string[];
  expiresAt: string;
  ttl: number;
}

interface Page {
  items: Summary[];
  nextCursor: string | null;
}

interface Stats {
  entries: number;
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  evicted: number;
}

interface MsetItem {
  id: string;
  data: unknown;
  ttl?: number;
  tags?: string[];
}

/** The query of a listing. */
type ListQuery = { prefix?: string; tag?: string; limit?: number; cursor?: string };

/** Byte order of the UTF-8 encodings: the order ids must be listed in. */
const utf8Order = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const sortedUtf8 = (ids: Iterable<string>): string[] => [...ids].sort(utf8Order);

/** Ids whose prefixes `u/` and `中` are followed by characters beyond ASCII and Latin-1. */
const NON_ASCII_IDS = [
  'u/a',
  'u/é',
  'u/ÿ',
  'u/ÿz',
  'u/ā',
  'u/中',
  'u/😀',
  'u/\uFFFD',
  '中文',
  '中😀',
  '中',
  '丫',
  'v/a',
];

/** The ids of the items of a page or a bulk answer, in order. */
const idsOf = (body: unknown): string[] =>
  (body as { items: Array<{ id: string }> }).items.map((item) => item.id);

/** True when a 400's message (a string or a list of them) mentions `text`. */
const mentions = (body: { message?: unknown }, text: string): boolean =>
  JSON.stringify(body.message ?? '').includes(text);

/** An HTTP client for one app, with the group routes spelled out. */
function clientOf({ http }: TestApp) {
  const path = (id: string) => `/resources/${encodeURIComponent(id)}`;
  const client = {
    http,
    put: (id: string, body: object) => http().put(path(id)).send(body),
    get: (id: string) => http().get(path(id)),
    del: (id: string) => http().delete(path(id)),
    list: (query: ListQuery = {}) => http().get('/resources').query(query),
    purge: (query: Record<string, string> = {}) => http().delete('/resources').query(query),
    mget: (body: unknown) =>
      http()
        .post('/resources/_mget')
        .send(body as object),
    mset: (body: unknown) =>
      http()
        .post('/resources/_mset')
        .send(body as object),
    stats: async (): Promise<Stats> => (await http().get('/stats').expect(200)).body as Stats,
    /** Every page of a listing, following nextCursor until null. */
    listAll: async (
      query: ListQuery = {},
    ): Promise<{ ids: string[]; items: Summary[]; pages: Page[] }> => {
      const pages: Page[] = [];
      let cursor: string | null = null;
      do {
        const res = await client.list(cursor === null ? query : { ...query, cursor }).expect(200);
        const page = res.body as Page;
        pages.push(page);
        cursor = page.nextCursor;
        if (pages.length > 2000) throw new Error('the listing never ends');
      } while (cursor !== null);
      const items = pages.flatMap((page) => page.items);
      return { ids: items.map((item) => item.id), items, pages };
    },
    /** Writes every id (one PUT each) with the given body. */
    putAll: async (ids: Iterable<string>, body: object = { data: 1 }) => {
      for (const id of ids) await client.put(id, body).expect(201);
    },
    /** The ids that GET finds, in the order given. */
    found: async (ids: Iterable<string>): Promise<string[]> => {
      const live: string[] = [];
      for (const id of ids) {
        const res = await client.get(id);
        expect([200, 404]).toContain(res.status);
        if (res.status === 200) live.push(id);
      }
      return live;
    },
  };
  return client;
}

type Client = ReturnType<typeof clientOf>;

describe.each(storeTargets)('resource groups ($name store)', ({ store, env }) => {
  const bootApp = useTestApps(env);
  /** A fresh, empty app (its own Redis namespace), closed after the test. */
  const boot = async (extra: Record<string, string> = {}): Promise<Client> =>
    clientOf(await bootApp(extra));

  describe('GET /resources (listing)', () => {
    it('lists {id, tags, expiresAt, ttl} of live entries and a null nextCursor on the last page', async () => {
      const c = await boot({ CACHE_TTL: '120' });
      const written = new Map<string, { tags: string[]; expiresAt: string; ttl: number }>();
      for (const [id, body] of [
        ['shape-a', { data: 1, tags: ['x', 'y'] }],
        ['shape-b', { data: { b: true }, ttl: 30 }],
        ['shape-c', { data: 'c', ttl: 3600, tags: ['y'] }],
      ] as const) {
        const res = await c.put(id, body).expect(201);
        written.set(id, res.body);
      }
      const before = Date.now();
      const res = await c.list().expect(200);
      const after = Date.now();
      expect(Object.keys(res.body).sort()).toEqual(['items', 'nextCursor']);
      const page = res.body as Page;
      expect(page.nextCursor).toBeNull();
      expect(page.items.map((item) => item.id)).toEqual(sortedUtf8(written.keys()));
      for (const item of page.items) {
        const put = written.get(item.id)!;
        expect(Object.keys(item).sort()).toEqual(['expiresAt', 'id', 'tags', 'ttl']);
        expect(item.tags).toEqual(put.tags);
        expect(item.expiresAt).toBe(put.expiresAt);
        const expires = Date.parse(item.expiresAt);
        expect(item.ttl).toBeGreaterThanOrEqual(Math.ceil((expires - after) / 1000));
        expect(item.ttl).toBeLessThanOrEqual(Math.ceil((expires - before) / 1000));
        expect(item.ttl).toBeLessThanOrEqual(put.ttl);
      }
    });

    it('an empty cache lists nothing', async () => {
      const c = await boot();
      await c.list().expect(200, { items: [], nextCursor: null });
    });

    it('orders ids by the bytes of their UTF-8 encoding, on every page size', async () => {
      const c = await boot();
      const ids = [
        'b',
        'a',
        'B',
        'aa',
        'a b',
        'a/1',
        '~',
        'Z9',
        'é',
        '中',
        '\uE000',
        '\uFF5E',
        '\uFFFD',
        '😀',
        '😀a',
        '𝄞',
        'https://example.com/a?b=c',
      ];
      await c.putAll(ids);
      const expected = sortedUtf8(ids);
      // The order differs from JavaScript's (UTF-16) order, so the check means something.
      expect(expected).not.toEqual([...ids].sort());
      for (const limit of [1, 2, 3, 5, 100]) {
        const { ids: listed, pages } = await c.listAll({ limit });
        expect({ limit, listed }).toEqual({ limit, listed: expected });
        for (const page of pages) expect(page.items.length).toBeLessThanOrEqual(limit);
      }
    });

    it('pages by 100 by default and up to 1000; following nextCursor gives every id exactly once', async () => {
      const c = await boot();
      const ids = Array.from({ length: 250 }, (_, i) => `page/${i}`);
      const others = ['other/1', 'other/2', 'pag', 'page'];
      await c.mset({ items: ids.map((id, i) => ({ id, data: i })) }).expect(200);
      await c.mset({ items: others.map((id) => ({ id, data: id })) }).expect(200);
      const expected = sortedUtf8(ids);

      const byDefault = await c.listAll({ prefix: 'page/' });
      expect(byDefault.pages.map((page) => page.items.length)).toEqual([100, 100, 50]);
      expect(byDefault.ids).toEqual(expected);
      expect(byDefault.pages.at(-1)!.nextCursor).toBeNull();

      const whole = await c.list({ prefix: 'page/', limit: 1000 }).expect(200);
      expect(whole.body.nextCursor).toBeNull();
      expect(idsOf(whole.body)).toEqual(expected);

      const bySeven = await c.listAll({ prefix: 'page/', limit: 7 });
      expect(bySeven.ids).toEqual(expected);
      expect(new Set(bySeven.ids).size).toBe(ids.length);

      const everything = await c.listAll({ limit: 1000 });
      expect(everything.ids).toEqual(sortedUtf8([...ids, ...others]));
      const byThree = await c.listAll({ limit: 3 });
      expect(byThree.ids).toEqual(everything.ids);
    });

    it.each(['0', '1001', 'abc', '-1', '1.5', ''])('limit=%p → 400 naming limit', async (limit) => {
      const c = await boot();
      await c.put('x', { data: 1 }).expect(201);
      const res = await c.http().get(`/resources?limit=${limit}`).expect(400);
      expect(mentions(res.body, 'limit')).toBe(true);
    });

    it('limit=1 and limit=1000 are accepted', async () => {
      const c = await boot();
      await c.putAll(['l1', 'l2']);
      const one = await c.list({ limit: 1 }).expect(200);
      expect(idsOf(one.body)).toEqual(['l1']);
      expect(typeof one.body.nextCursor).toBe('string');
      const max = await c.list({ limit: 1000 }).expect(200);
      expect(max.body).toMatchObject({ nextCursor: null });
      expect(max.body.items).toHaveLength(2);
    });

    it('a cursor it did not give out → 400 naming cursor', async () => {
      const c = await boot();
      await c.putAll(['c1', 'c2', 'c3']);
      const first = await c.list({ limit: 1 }).expect(200);
      const cursor = first.body.nextCursor as string;
      // The one it gave out works.
      const second = await c.list({ limit: 1, cursor }).expect(200);
      expect(idsOf(second.body)).toEqual(['c2']);
      for (const bogus of ['!!!', 'not a cursor', `${cursor}=`, `${cursor}!`, 'AAAA', '']) {
        const res = await c.http().get(`/resources?cursor=${encodeURIComponent(bogus)}`);
        expect({ bogus, status: res.status }).toEqual({ bogus, status: 400 });
        expect(mentions(res.body, 'cursor')).toBe(true);
      }
    });

    it('an unknown query parameter → 400 naming it', async () => {
      const c = await boot();
      for (const query of ['sort=asc', 'prefix=a&offset=3', 'tags=x']) {
        const res = await c.http().get(`/resources?${query}`).expect(400);
        const unknown = query.split('&').at(-1)!.split('=')[0];
        expect(mentions(res.body, unknown)).toBe(true);
      }
    });

    it.each([
      ['prefix=', 'prefix'],
      ['prefix=a%00b', 'prefix'],
      ['tag=', 'tag'],
      [`tag=${'t'.repeat(129)}`, 'tag'],
    ])('%s → 400 naming %s', async (query, field) => {
      const c = await boot();
      const res = await c.http().get(`/resources?${query}`).expect(400);
      expect(mentions(res.body, field)).toBe(true);
    });

    it('filters by id prefix', async () => {
      const c = await boot();
      const ids = ['pre/a', 'pre/b', 'pre', 'pre/a/b', 'prf', 'pr', 'Pre/a', 'xpre/a', 'pre~'];
      await c.putAll(ids);
      for (const prefix of ['pre', 'pre/', 'pre/a', 'p', 'x', 'q']) {
        const { ids: listed } = await c.listAll({ prefix, limit: 2 });
        const expected = sortedUtf8(ids.filter((id) => id.startsWith(prefix)));
        expect({ prefix, listed }).toEqual({ prefix, listed: expected });
      }
    });

    it('filters by a prefix followed by any character, non-ASCII ones included', async () => {
      const c = await boot();
      await c.putAll(NON_ASCII_IDS);
      for (const prefix of ['u/', '中']) {
        const expected = sortedUtf8(NON_ASCII_IDS.filter((id) => id.startsWith(prefix)));
        const { ids: listed } = await c.listAll({ prefix });
        expect({ prefix, listed }).toEqual({ prefix, listed: expected });
      }
    });

    it('filters by tag, and by tag and prefix together', async () => {
      const c = await boot();
      const tagged: Record<string, string[]> = {
        'a/1': ['red'],
        'a/2': ['red', 'blue'],
        'a/3': ['blue'],
        'b/1': ['red'],
        'b/2': [],
        'b/3': ['blue', 'red'],
        'c/1': ['Red'],
        'a/4': ['red-ish'],
      };
      for (const [id, tags] of Object.entries(tagged)) {
        await c.put(id, { data: id, tags }).expect(201);
      }
      const expected = (tag: string, prefix?: string) =>
        sortedUtf8(
          Object.keys(tagged).filter(
            (id) => tagged[id].includes(tag) && (prefix === undefined || id.startsWith(prefix)),
          ),
        );
      for (const tag of ['red', 'blue', 'Red', 'red-ish', 'green']) {
        const { ids, items } = await c.listAll({ tag, limit: 2 });
        expect({ tag, ids }).toEqual({ tag, ids: expected(tag) });
        for (const item of items) expect(item.tags).toEqual(tagged[item.id]);
        for (const prefix of ['a/', 'b/', 'c/']) {
          const both = await c.listAll({ tag, prefix, limit: 1 });
          expect({ tag, prefix, ids: both.ids }).toEqual({
            tag,
            prefix,
            ids: expected(tag, prefix),
          });
        }
      }
    });

    it('never lists expired entries (ttl 1, real time)', async () => {
      const c = await boot();
      const short = ['exp/a', 'exp/c', 'exp/e', 'exp/g'];
      const long = ['exp/b', 'exp/d', 'exp/f'];
      for (const id of short) await c.put(id, { data: 1, ttl: 1, tags: ['t'] }).expect(201);
      for (const id of long) await c.put(id, { data: 1, ttl: 60, tags: ['t'] }).expect(201);
      expect((await c.listAll({ prefix: 'exp/' })).ids).toEqual(sortedUtf8([...short, ...long]));
      await sleep(1100);
      const live = sortedUtf8(long);
      for (const query of [
        {},
        { limit: 1 },
        { prefix: 'exp/' },
        { prefix: 'exp/', limit: 2 },
        { tag: 't' },
        { tag: 't', limit: 1 },
        { tag: 't', prefix: 'exp/', limit: 2 },
      ]) {
        const { ids, items } = await c.listAll(query);
        expect({ query, ids }).toEqual({ query, ids: live });
        for (const item of items) expect(item.ttl).toBeGreaterThan(0);
      }
    });

    if (store === 'memory') {
      it('with CACHE_MAX_ENTRIES=3, evicted entries are neither listed nor purged nor counted', async () => {
        const c = await boot({ CACHE_MAX_ENTRIES: '3' });
        const ids = ['lru/1', 'lru/2', 'lru/3', 'lru/4', 'lru/5'];
        for (const id of ids) await c.put(id, { data: id, tags: ['lru'] }).expect(201);
        const kept = ids.slice(-3);
        const stats = await c.stats();
        expect(stats.entries).toBe(3);
        expect(stats.evicted).toBe(2);
        for (const query of [{}, { prefix: 'lru/' }, { tag: 'lru' }, { tag: 'lru', limit: 1 }]) {
          const { ids: listed } = await c.listAll(query);
          expect({ query, listed }).toEqual({ query, listed: kept });
        }
        const res = await c.purge({ tag: 'lru' }).expect(200);
        expect(res.body).toEqual({ deleted: kept.length });
        expect((await c.stats()).deletes).toBe(stats.deletes + kept.length);
        expect((await c.listAll({ tag: 'lru' })).ids).toEqual([]);
        expect(await c.found(ids)).toEqual([]);
      });

      it('with CACHE_MAX_ENTRIES=3, a prefix or all=true purge counts only the entries kept', async () => {
        const c = await boot({ CACHE_MAX_ENTRIES: '3' });
        const ids = ['ev/1', 'ev/2', 'ev/3', 'ev/4'];
        await c.mset({ items: ids.map((id) => ({ id, data: 1, tags: ['ev'] })) }).expect(200);
        const live = await c.found(ids);
        expect(live).toHaveLength(3);
        expect((await c.listAll({ prefix: 'ev/' })).ids).toEqual(sortedUtf8(live));
        expect((await c.listAll({ tag: 'ev' })).ids).toEqual(sortedUtf8(live));
        await c.purge({ prefix: 'ev/' }).expect(200, { deleted: 3 });
        await c.putAll(['ev/5', 'ev/6', 'ev/7', 'ev/8']);
        await c.purge({ all: 'true' }).expect(200, { deleted: 3 });
        expect((await c.stats()).entries).toBe(0);
      });
    }
  });

  describe('DELETE /resources (purge)', () => {
    /** Writes live entries and, once they have expired, some with ttl 1 mixed in. */
    const populate = async (
      c: Client,
      live: Record<string, string[]>,
      expired: Record<string, string[]>,
    ) => {
      for (const [id, tags] of Object.entries(expired)) {
        await c.put(id, { data: id, tags, ttl: 1 }).expect(201);
      }
      if (Object.keys(expired).length > 0) await sleep(1100);
      for (const [id, tags] of Object.entries(live)) {
        await c.put(id, { data: id, tags }).expect(201);
      }
    };

    const live: Record<string, string[]> = {
      'p/1': ['t1'],
      'p/2': ['t1', 't2'],
      'p/3': ['t2'],
      'q/1': ['t1'],
      'q/2': [],
      'q/3': ['t2', 't1'],
      pq: ['t1'],
    };
    const expired: Record<string, string[]> = {
      'p/9': ['t1'],
      'q/9': ['t1', 't2'],
      'r/9': ['t2'],
    };
    const matching = (tag?: string, prefix?: string) =>
      Object.keys(live).filter(
        (id) =>
          (tag === undefined || live[id].includes(tag)) &&
          (prefix === undefined || id.startsWith(prefix)),
      );

    describe('by tag, prefix or both', () => {
      const selectors: Array<[string, { tag?: string; prefix?: string }]> = [
        ['tag=t1', { tag: 't1' }],
        ['tag=t2', { tag: 't2' }],
        ['prefix=p/', { prefix: 'p/' }],
        ['prefix=q', { prefix: 'q' }],
        ['tag=t1&prefix=q/ (intersection)', { tag: 't1', prefix: 'q/' }],
        ['tag=t2&prefix=p (intersection)', { tag: 't2', prefix: 'p' }],
      ];
      // One app per selector, populated together so that one wait lets every ttl-1 entry expire.
      const ready = new Map<string, Client>();
      const own: TestApp[] = [];
      beforeAll(async () => {
        for (const [label] of selectors) {
          const app = await startTestApp(env());
          own.push(app);
          ready.set(label, clientOf(app));
        }
        for (const c of ready.values()) {
          for (const [id, tags] of Object.entries(expired)) {
            await c.put(id, { data: id, tags, ttl: 1 }).expect(201);
          }
        }
        await sleep(1100);
        for (const c of ready.values()) await populate(c, live, {});
      });
      afterAll(async () => {
        await Promise.all(own.map((app) => app.close()));
      });

      it.each(selectors)(
        '%s deletes the live matching entries and counts only those',
        async (label, selector) => {
          const c = ready.get(label)!;
          for (const id of Object.keys(expired)) await c.get(id).expect(404);
          const doomed = matching(selector.tag, selector.prefix);
          expect(doomed.length).toBeGreaterThan(0);
          const before = await c.stats();
          const res = await c.purge(selector).expect(200);
          expect(res.body).toEqual({ deleted: doomed.length });
          const after = await c.stats();
          expect(after.deletes).toBe(before.deletes + doomed.length);
          const survivors = Object.keys(live).filter((id) => !doomed.includes(id));
          expect(await c.found(Object.keys(live))).toEqual(survivors);
          expect((await c.listAll()).ids).toEqual(sortedUtf8(survivors));
          for (const tag of ['t1', 't2']) {
            expect((await c.listAll({ tag })).ids).toEqual(
              sortedUtf8(survivors.filter((id) => live[id].includes(tag))),
            );
          }
          // Nothing left to match: a second purge deletes nothing.
          await c.purge(selector).expect(200, { deleted: 0 });
          expect((await c.stats()).deletes).toBe(after.deletes);
        },
      );
    });

    it('a prefix purge takes ids continuing with any character, non-ASCII ones included', async () => {
      const c = await boot();
      await c.putAll(NON_ASCII_IDS);
      for (const prefix of ['u/', '中']) {
        const doomed = NON_ASCII_IDS.filter((id) => id.startsWith(prefix));
        const res = await c.purge({ prefix }).expect(200);
        expect({ prefix, deleted: res.body.deleted }).toEqual({ prefix, deleted: doomed.length });
        expect({ prefix, left: await c.found(doomed) }).toEqual({ prefix, left: [] });
      }
      expect(await c.found(NON_ASCII_IDS)).toEqual(
        NON_ASCII_IDS.filter((id) => !id.startsWith('u/') && !id.startsWith('中')),
      );
    });

    it('a selector that matches nothing deletes nothing', async () => {
      const c = await boot();
      await c.putAll(['n/1', 'n/2']);
      await c.purge({ tag: 'absent' }).expect(200, { deleted: 0 });
      await c.purge({ prefix: 'm' }).expect(200, { deleted: 0 });
      await c.purge({ prefix: 'n/', tag: 'absent' }).expect(200, { deleted: 0 });
      expect(await c.found(['n/1', 'n/2'])).toEqual(['n/1', 'n/2']);
    });

    it('only expired entries: deleted is 0', async () => {
      const c = await boot();
      await c.put('gone/1', { data: 1, ttl: 1, tags: ['g'] }).expect(201);
      await c.put('gone/2', { data: 1, ttl: 1, tags: ['g'] }).expect(201);
      await sleep(1100);
      const before = await c.stats();
      await c.purge({ tag: 'g' }).expect(200, { deleted: 0 });
      await c.purge({ prefix: 'gone/' }).expect(200, { deleted: 0 });
      await c.purge({ all: 'true' }).expect(200, { deleted: 0 });
      expect((await c.stats()).deletes).toBe(before.deletes);
    });

    it.each([
      ['no selector', ''],
      ['all=false', 'all=false'],
      ['all=1', 'all=1'],
      ['all=yes', 'all=yes'],
      ['all=true&prefix=p', 'all=true&prefix=p'],
      ['all=true&tag=t1', 'all=true&tag=t1'],
      ['prefix=p&all=true&tag=t1', 'prefix=p&all=true&tag=t1'],
      ['an empty prefix', 'prefix='],
      ['an unknown parameter', 'ids=p/1'],
      ['an unknown parameter beside a tag', 'tag=t1&force=1'],
    ])('%s → 400 and nothing deleted', async (_label, query) => {
      const c = await boot();
      await populate(c, live, {});
      const before = await c.stats();
      const res = await c.http().delete(`/resources${query ? `?${query}` : ''}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400 });
      expect(await c.found(Object.keys(live))).toEqual(Object.keys(live));
      const after = await c.stats();
      expect(after.deletes).toBe(before.deletes);
      expect(after.entries).toBe(Object.keys(live).length);
    });

    it('all=true deletes every live entry of this namespace only, and counts them', async () => {
      // Two apps on separate namespaces (on Redis: one server, two namespaces).
      const c = await boot();
      const other = await boot();
      await populate(c, live, expired);
      const theirs = ['p/1', 'other/1', 'q/3'];
      for (const id of theirs) await other.put(id, { data: 'theirs', tags: ['t1'] }).expect(201);
      const before = await c.stats();
      const otherBefore = await other.stats();

      const res = await c.purge({ all: 'true' }).expect(200);
      expect(res.body).toEqual({ deleted: Object.keys(live).length });
      const after = await c.stats();
      expect(after.deletes).toBe(before.deletes + Object.keys(live).length);
      expect(await c.found([...Object.keys(live), ...Object.keys(expired)])).toEqual([]);
      expect((await c.listAll()).ids).toEqual([]);
      expect((await c.listAll({ tag: 't1' })).ids).toEqual([]);

      // The other namespace is untouched.
      expect(await other.found(theirs)).toEqual(theirs);
      expect((await other.listAll()).ids).toEqual(sortedUtf8(theirs));
      expect((await other.listAll({ tag: 't1' })).ids).toEqual(sortedUtf8(theirs));
      const otherAfter = await other.stats();
      expect(otherAfter.entries).toBe(theirs.length);
      expect(otherAfter.deletes).toBe(otherBefore.deletes);

      await c.purge({ all: 'true' }).expect(200, { deleted: 0 });
      await other.purge({ all: 'true' }).expect(200, { deleted: theirs.length });
    });

    if (store === 'redis') {
      it('all=true leaves an app sharing the Redis under another namespace alone, even with equal ids', async () => {
        const mine = await boot();
        const theirs = await boot();
        const ids = Array.from({ length: 30 }, (_, i) => `shared/${i}`);
        await mine
          .mset({ items: ids.map((id) => ({ id, data: 'mine', tags: ['s'] })) })
          .expect(200);
        await theirs
          .mset({ items: ids.map((id) => ({ id, data: 'theirs', tags: ['s'] })) })
          .expect(200);
        await mine.purge({ all: 'true' }).expect(200, { deleted: ids.length });
        expect((await theirs.listAll({ tag: 's' })).ids).toEqual(sortedUtf8(ids));
        const got = await theirs.mget({ ids }).expect(200);
        expect(got.body.missing).toEqual([]);
        for (const item of got.body.items) expect(item.data).toBe('theirs');
        expect((await mine.mget({ ids }).expect(200)).body.missing).toEqual(ids);
      });
    }
  });

  describe('tag indexes never outlive their entries', () => {
    it('after a delete, a rewrite without the tag, with another tag, an expiry or a purge', async () => {
      const c = await boot();
      const ids = [
        'ix/deleted',
        'ix/untagged',
        'ix/retagged',
        'ix/expired',
        'ix/purged',
        'ix/mset',
        'ix/seed',
        'ix/kept',
      ];
      for (const id of ids) {
        await c
          .put(id, { data: id, tags: ['T', 'U'], ttl: id === 'ix/expired' ? 1 : 60 })
          .expect(201);
      }
      expect((await c.listAll({ tag: 'T' })).ids).toEqual(sortedUtf8(ids));

      await c.del('ix/deleted').expect(204);
      await c.put('ix/untagged', { data: 'no tags now' }).expect(200);
      await c.put('ix/retagged', { data: 'other tag', tags: ['V'] }).expect(200);
      await c.purge({ prefix: 'ix/purged' }).expect(200, { deleted: 1 });
      await c.mset({ items: [{ id: 'ix/mset', data: 'bulk', tags: ['V'] }] }).expect(200);
      await c
        .http()
        .post('/track_interaction')
        .send({ id: 'ix/seed', data: 'seed' })
        .expect(200, { status: 'success', message: 'Resource cached successfully.' });
      await sleep(1100);

      for (const tag of ['T', 'U']) {
        const { ids: listed, items } = await c.listAll({ tag, limit: 1 });
        expect({ tag, listed }).toEqual({ tag, listed: ['ix/kept'] });
        expect(items[0].tags).toEqual(['T', 'U']);
      }
      expect((await c.listAll({ tag: 'V' })).ids).toEqual(['ix/mset', 'ix/retagged']);
      expect((await c.list({ prefix: 'ix/untagged' }).expect(200)).body.items[0].tags).toEqual([]);

      // A purge by the old tag takes only the entry that still has it.
      const before = await c.stats();
      await c.purge({ tag: 'T' }).expect(200, { deleted: 1 });
      expect((await c.stats()).deletes).toBe(before.deletes + 1);
      expect(await c.found(ids)).toEqual(['ix/untagged', 'ix/retagged', 'ix/mset', 'ix/seed']);
      await c.purge({ tag: 'U' }).expect(200, { deleted: 0 });
      expect((await c.listAll({ tag: 'U' })).ids).toEqual([]);
    });

    it('a tag rewritten back onto an entry lists it once', async () => {
      const c = await boot();
      await c.put('once', { data: 1, tags: ['T'] }).expect(201);
      await c.put('once', { data: 2 }).expect(200);
      await c.put('once', { data: 3, tags: ['T', 'T'] }).expect(200);
      const { items } = await c.listAll({ tag: 'T' });
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ id: 'once', tags: ['T'] });
      await c.purge({ tag: 'T' }).expect(200, { deleted: 1 });
    });
  });

  describe('POST /resources/_mget', () => {
    it('answers the live representations and the missing ids, and counts hits and misses', async () => {
      const c = await boot();
      await c.put('g/short', { data: 'short', ttl: 1 }).expect(201);
      await sleep(1100);
      const present = ['g/a', 'g/b', 'g/c'];
      for (const [i, id] of present.entries()) {
        await c.put(id, { data: { i }, tags: [`t${i}`], ttl: 30 + i }).expect(201);
      }
      await c.put('g/deleted', { data: 1 }).expect(201);
      await c.del('g/deleted').expect(204);
      const ids = ['g/c', 'g/absent', 'g/a', 'g/short', 'g/b', 'g/deleted'];
      const absent = ['g/absent', 'g/short', 'g/deleted'];

      const before = await c.stats();
      const res = await c.mget({ ids }).expect(200);
      const after = await c.stats();
      expect(Object.keys(res.body).sort()).toEqual(['items', 'missing']);
      expect(res.body.missing).toEqual(absent);
      expect(idsOf(res.body)).toEqual(ids.filter((id) => !absent.includes(id)));
      for (const item of res.body.items) {
        const one = await c.get(item.id).expect(200);
        expect(item).toEqual({ ...one.body, ttl: item.ttl });
        expect(Math.abs(item.ttl - one.body.ttl)).toBeLessThanOrEqual(1);
      }
      expect(after.hits - before.hits).toBe(present.length);
      expect(after.misses - before.misses).toBe(absent.length);
    });

    it('takes 1000 ids', async () => {
      const c = await boot();
      const ids = Array.from({ length: 1000 }, (_, i) => `m/${i}`);
      await c.mset({ items: ids.slice(0, 10).map((id) => ({ id, data: id })) }).expect(200);
      const before = await c.stats();
      const res = await c.mget({ ids }).expect(200);
      expect(res.body.items).toHaveLength(10);
      expect(res.body.missing).toEqual(ids.slice(10));
      const after = await c.stats();
      expect(after.hits - before.hits).toBe(10);
      expect(after.misses - before.misses).toBe(990);
    });

    it.each([
      ['1001 ids', { ids: Array.from({ length: 1001 }, (_, i) => `m/${i}`) }, 'ids'],
      ['no ids', { ids: [] }, 'ids'],
      ['an empty id', { ids: ['m/1', ''] }, 'ids'],
      ['an id with a control character', { ids: ['m/1', 'a\u0000b'] }, 'ids'],
      ['an id too long', { ids: ['x'.repeat(1025)] }, 'ids'],
      ['a number', { ids: ['m/1', 5] }, 'ids'],
      ['ids not a list', { ids: 'm/1' }, 'ids'],
      ['no ids field', {}, 'ids'],
      ['an unknown field', { ids: ['m/1'], all: true }, 'all'],
    ])('%s → 400 naming the field, nothing counted', async (_label, body, field) => {
      const c = await boot();
      await c.put('m/1', { data: 1 }).expect(201);
      const before = await c.stats();
      const res = await c.mget(body).expect(400);
      expect(mentions(res.body, field)).toBe(true);
      const after = await c.stats();
      expect([after.hits, after.misses]).toEqual([before.hits, before.misses]);
    });
  });

  describe('POST /resources/_mset', () => {
    it('writes every item and answers their representations, in order', async () => {
      const c = await boot({ CACHE_TTL: '120' });
      const items: MsetItem[] = [
        { id: 's/b', data: { b: 1 }, ttl: 30, tags: ['x', 'y', 'x'] },
        { id: 's/a', data: 'a' },
        { id: 'https://example.com/s?c=1', data: [1, 2], tags: ['x'] },
        { id: 's/falsy', data: 0 },
      ];
      const before = await c.stats();
      const started = Date.now();
      const res = await c.mset({ items }).expect(200);
      expect(Object.keys(res.body)).toEqual(['items']);
      expect(res.body.items).toHaveLength(items.length);
      for (const [i, item] of items.entries()) {
        const written = res.body.items[i];
        expect(Object.keys(written).sort()).toEqual([
          'createdAt',
          'data',
          'expiresAt',
          'id',
          'tags',
          'ttl',
        ]);
        expect(written).toMatchObject({
          id: item.id,
          data: item.data,
          tags: [...new Set(item.tags ?? [])],
          ttl: item.ttl ?? 120,
        });
        expect(Date.parse(written.createdAt)).toBeGreaterThanOrEqual(started - 1);
        expect(Date.parse(written.expiresAt) - Date.parse(written.createdAt)).toBe(
          (item.ttl ?? 120) * 1000,
        );
        const got = await c.get(item.id).expect(200);
        expect(got.body).toEqual({ ...written, ttl: got.body.ttl });
        // A bulk write carries the same validator as a PUT of the same data.
        const single = await c.put(`${item.id}#copy`, { data: item.data }).expect(201);
        expect(got.headers.etag).toBe(single.headers.etag);
      }
      expect((await c.stats()).sets - before.sets).toBe(items.length * 2);
      expect((await c.listAll({ tag: 'x' })).ids).toEqual(
        sortedUtf8(items.filter((item) => item.tags?.includes('x')).map((item) => item.id)),
      );
    });

    it('replaces existing entries, tags included', async () => {
      const c = await boot();
      await c.put('r/1', { data: 'old', tags: ['old'] }).expect(201);
      await c.mset({ items: [{ id: 'r/1', data: 'new', tags: ['new'] }] }).expect(200);
      expect((await c.get('r/1').expect(200)).body).toMatchObject({ data: 'new', tags: ['new'] });
      expect((await c.listAll({ tag: 'old' })).ids).toEqual([]);
      expect((await c.listAll({ tag: 'new' })).ids).toEqual(['r/1']);
    });

    it('takes 1000 items', async () => {
      const c = await boot();
      const ids = Array.from({ length: 1000 }, (_, i) => `k/${i}`);
      const res = await c
        .mset({ items: ids.map((id, i) => ({ id, data: { i }, tags: ['k'] })) })
        .expect(200);
      expect(idsOf(res.body)).toEqual(ids);
      const page = await c.list({ tag: 'k', limit: 1000 }).expect(200);
      expect(page.body.nextCursor).toBeNull();
      expect(idsOf(page.body)).toEqual(sortedUtf8(ids));
      expect((await c.stats()).entries).toBe(1000);
    });

    it.each([
      ['items.1.ttl', 1, { ttl: 0 }, /^items\.1\.ttl /],
      ['items.1.ttl', 1, { ttl: '5' }, /^items\.1\.ttl /],
      ['items.2.ttl', 2, { ttl: 1.5 }, /^items\.2\.ttl /],
      ['items.2.id', 2, { id: '' }, /^items\.2\.id /],
      ['items.0.id', 0, { id: 'a\u0007b' }, /^items\.0\.id /],
      ['items.1.data', 1, { data: null }, /^items\.1\.data /],
      ['items.2.tags', 2, { tags: 'x' }, /^items\.2\.tags /],
      // class-validator words each-item rules as "each value in tags ...".
      ['items.1.tags', 1, { tags: [''] }, /^items\.1\..*\btags\b/],
      ['items.0 unknown field', 0, { extra: true }, /^items\.0\..*\bextra\b/],
    ])(
      'one bad item (%s) → 400 naming it, and nothing written',
      async (_field, index, override: Record<string, unknown>, pattern) => {
        const c = await boot();
        const items: Record<string, unknown>[] = [
          { id: 'bad/0', data: 0, tags: ['bad'] },
          { id: 'bad/1', data: { one: 1 }, ttl: 60 },
          { id: 'bad/2', data: 'two', tags: ['bad'] },
        ];
        items[index] = { ...items[index], ...override };
        const ids = ['bad/0', 'bad/1', 'bad/2'];
        const before = await c.stats();
        const res = await c.mset({ items }).expect(400);
        const messages = [res.body.message].flat() as string[];
        expect(messages.filter((message) => pattern.test(message))).not.toEqual([]);
        expect(await c.found(ids)).toEqual([]);
        expect((await c.listAll()).ids).toEqual([]);
        expect((await c.listAll({ tag: 'bad' })).ids).toEqual([]);
        const after = await c.stats();
        expect(after.sets).toBe(before.sets);
        expect(after.entries).toBe(0);
      },
    );

    it('one bad item among many good ones: nothing written, even items already stored stay as they were', async () => {
      const c = await boot();
      await c.put('many/0', { data: 'before' }).expect(201);
      const items: Record<string, unknown>[] = Array.from({ length: 50 }, (_, i) => ({
        id: `many/${i}`,
        data: i,
      }));
      items[37] = { id: 'many/37', data: 37, ttl: -1 };
      const res = await c.mset({ items }).expect(400);
      expect(mentions(res.body, 'items.37.ttl')).toBe(true);
      expect(await c.found(items.map((item) => item.id as string))).toEqual(['many/0']);
      expect((await c.get('many/0').expect(200)).body.data).toBe('before');
    });

    it.each([
      [
        '1001 items',
        () => ({ items: Array.from({ length: 1001 }, (_, i) => ({ id: `o/${i}`, data: i })) }),
      ],
      ['no items', () => ({ items: [] })],
      ['items not a list', () => ({ items: { id: 'o/1', data: 1 } })],
      ['no items field', () => ({})],
      ['an item that is a list', () => ({ items: [[], { id: 'o/0', data: false }] })],
      ['an item that is null', () => ({ items: [null, { id: 'o/0', data: false }] })],
    ])('%s → 400 naming items, and nothing written', async (_label, body) => {
      const c = await boot();
      const res = await c.mset(body()).expect(400);
      expect(mentions(res.body, 'items')).toBe(true);
      expect((await c.listAll()).ids).toEqual([]);
      await c.get('o/0').expect(404);
      await c.get('o/1000').expect(404);
      const stats = await c.stats();
      expect([stats.sets, stats.entries]).toEqual([0, 0]);
    });

    it('keeps data with __proto__, constructor and prototype keys byte for byte', async () => {
      const c = await boot();
      const payloads = [
        '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"a":[{"__proto__":null}]}',
        '[{"__proto__":"s"},{"prototype":[]}]',
        '{"nested":{"__proto__":{"__proto__":{"deep":"yes"}}},"n":-0.5,"s":"\\u00e9"}',
      ];
      const body = `{"items":[${payloads
        .map((data, i) => `{"id":"proto/${i}","data":${data},"tags":["p"]}`)
        .join(',')}]}`;
      const res = await c
        .http()
        .post('/resources/_mset')
        .set('content-type', 'application/json')
        .send(body)
        .expect(200);
      const canonical = payloads.map((data) => JSON.stringify(JSON.parse(data)));
      const ids = payloads.map((_, i) => `proto/${i}`);
      for (const [i, data] of canonical.entries()) {
        expect(JSON.stringify(res.body.items[i].data)).toBe(data);
        const got = await c.get(ids[i]).expect(200);
        expect(got.text).toContain(`"data":${data},`);
        const seed = await c.http().get('/get_cached_resource').query({ id: ids[i] }).expect(200);
        expect(seed.text).toBe(`{"status":"success","data":${data}}`);
      }
      const many = await c.mget({ ids }).expect(200);
      const items = (many.body as { items: Array<{ data: unknown }> }).items;
      expect(items.map((item) => JSON.stringify(item.data))).toEqual(canonical);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(({} as Record<string, unknown>).deep).toBeUndefined();
    });
  });
});
