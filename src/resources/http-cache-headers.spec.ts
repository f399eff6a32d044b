import type { LapseConfigService } from '../config/lapse-config.service';
import type { LapseConfig } from '../config/lapse.config';
import { HttpCacheHeaders, headerSafeTag } from './http-cache-headers';
import type { ReadOutcome } from './http-cache-headers';
import type { Resource } from './resource';

/** Field values Node.js accepts: tab, visible ASCII, space, obs-text. */
const VALID_FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

describe(headerSafeTag.name, () => {
  it.each(['articles', 'user:42', 'a.b_c-d/e~f', 'ABC!#$&*+;=?@[]^`{|}', '"quoted"'])(
    'keeps the printable ASCII tag %p as it is',
    (tag) => {
      expect(headerSafeTag(tag)).toBe(tag);
    },
  );

  it.each([
    ['a,b', 'a%2Cb'],
    ['a b', 'a%20b'],
    ['100%', '100%25'],
    ['café', 'caf%C3%A9'],
    ['line\r\nbreak', 'line%0D%0Abreak'],
    ['tab\there', 'tab%09here'],
    ['del\x7f', 'del%7F'],
    ['😀', '%F0%9F%98%80'],
  ])('percent-encodes what would split or break the headers: %p → %p', (tag, sent) => {
    expect(headerSafeTag(tag)).toBe(sent);
    expect(decodeURIComponent(headerSafeTag(tag))).toBe(tag);
  });

  it('sends a lone surrogate as U+FFFD', () => {
    expect(headerSafeTag('a\ud800b')).toBe('a%EF%BF%BDb');
  });

  it('always gives one token that Cache-Tag and Surrogate-Key can carry', () => {
    const unfit: string[] = [];
    for (let code = 0; code < 0x3000; code += 1) {
      const sent = headerSafeTag(`x${String.fromCharCode(code)}y`);
      if (!VALID_FIELD_VALUE.test(sent) || /[\s,]/.test(sent)) unfit.push(sent);
    }
    expect(unfit).toEqual([]);
  });
});

describe(HttpCacheHeaders.name, () => {
  /** A hit on an entry expiring at `expiresAt` (epoch ms) at `now`: its headers, and whether it is a 304. */
  function hit(
    http: Partial<LapseConfig['http']>,
    expiresAt: number,
    now: number,
    request: Record<string, string> = {},
    outcome?: ReadOutcome,
  ): { headers: Record<string, string>; notModified: boolean } {
    const config = {
      get: (name: string) =>
        name === 'http'
          ? { cacheControlScope: 'private', xCacheHeader: false, sharedMaxAge: undefined, ...http }
          : { apiKeys: [], authReads: false },
    } as unknown as LapseConfigService;
    const headers: Record<string, string> = {};
    const response = { header: (name: string, value: string) => (headers[name] = value) };
    const resource: Resource = { id: 'a', data: 1, tags: [], etag: '"e"', createdAt: 0, expiresAt };
    const notModified = new HttpCacheHeaders(config).hit(request, response, resource, now, outcome);
    return { headers, notModified };
  }

  /** The headers of a plain (not conditional) hit. */
  const hitHeaders = (http: Partial<LapseConfig['http']>, expiresAt: number, now: number) =>
    hit(http, expiresAt, now).headers;

  it.each([
    ['stale', 'Lapse; hit; fwd=stale; ttl=-3', 'STALE'],
    ['stale-error', 'Lapse; hit; fwd=stale; ttl=-3; detail=origin-error', 'STALE'],
  ] as const)(
    'marks a %s answer stale, with no cache keeping it as fresh',
    (outcome, cacheStatus, xCache) => {
      // Fresh until 100 s; served at 102.5 s, in public scope.
      const { headers } = hit(
        { cacheControlScope: 'public', xCacheHeader: true },
        100_000,
        102_500,
        {},
        outcome,
      );
      expect(headers['Cache-Status']).toBe(cacheStatus);
      expect(headers['Cache-Control']).toBe('private, no-cache');
      expect(headers['X-Cache']).toBe(xCache);
      expect(headers.ETag).toBe('"e"');
    },
  );

  it.each([
    ['hit', /^Lapse; hit; ttl=10$/, 'HIT'],
    ['stored', /^Lapse; fwd=miss; stored$/, 'MISS'],
    ['replaced', /^Lapse; fwd=stale; stored$/, 'MISS'],
    ['revalidated', /^Lapse; fwd=stale; fwd-status=304; stored$/, 'MISS'],
  ] as const)('says how a %s answer came about', (outcome, cacheStatus, xCache) => {
    const { headers } = hit({ xCacheHeader: true }, 110_900, 100_100, {}, outcome);
    expect(headers['Cache-Status']).toMatch(cacheStatus);
    expect(headers['X-Cache']).toBe(xCache);
    expect(headers['Cache-Control']).toBe('private, max-age=10');
  });

  it('gives browsers the whole seconds left as max-age', () => {
    expect(hitHeaders({}, 110_900, 100_100)['Cache-Control']).toBe('private, max-age=10');
  });

  // A whole-second cache (nginx) that gets the answer at 100.1 s keeps it fresh
  // through second 100 + s-maxage: s-maxage=10 would serve it until 111 s,
  // past the entry's expiry at 110.9 s.
  it.each([
    [110_900, 100_100, 9],
    [110_050, 100_900, 9],
    [102_000, 100_999, 1],
  ])(
    'ends shared copies before the second the entry expires in (expiry %d ms, now %d ms → s-maxage=%d)',
    (expiresAt, now, sharedMaxAge) => {
      const cacheControl = hitHeaders({ cacheControlScope: 'public' }, expiresAt, now)[
        'Cache-Control'
      ];
      expect(cacheControl).toMatch(new RegExp(`^public, max-age=\\d+, s-maxage=${sharedMaxAge}$`));
      // A whole-second cache serves it until the end of second floor(now) + s-maxage.
      expect((Math.floor(now / 1000) + sharedMaxAge + 1) * 1000).toBeLessThanOrEqual(expiresAt);
    },
  );

  // nginx keeps an `s-maxage=0` answer fresh for the rest of the second it came in.
  it.each([
    [101_500, 100_900],
    [100_500, 100_100],
    [101_999, 100_000],
  ])(
    'keeps an entry that expires within its next whole second from shared caches (expiry %d ms, now %d ms)',
    (expiresAt, now) => {
      const headers = hitHeaders({ cacheControlScope: 'public' }, expiresAt, now);
      expect(headers['Cache-Control']).toBe(
        `private, max-age=${Math.floor((expiresAt - now) / 1000)}`,
      );
    },
  );

  it('CACHE_SHARED_MAX_AGE=0 keeps every answer from shared caches', () => {
    const headers = hitHeaders({ cacheControlScope: 'public', sharedMaxAge: 0 }, 160_000, 100_000);
    expect(headers['Cache-Control']).toBe('private, max-age=60');
  });

  it('answers a revalidation in full once shared caches may keep no copy, so none turns fresh again', () => {
    const ifNoneMatch = { 'if-none-match': '"e"' };
    expect(hit({ cacheControlScope: 'public' }, 110_900, 100_100, ifNoneMatch).notModified).toBe(
      true,
    );
    // A copy: an answer sent in full drops the request's conditions.
    const late = hit({ cacheControlScope: 'public' }, 101_500, 100_900, { ...ifNoneMatch });
    expect(late).toEqual({
      headers: expect.objectContaining({ 'Cache-Control': 'private, max-age=0' }),
      notModified: false,
    });
    // Browsers' own copies still revalidate to a 304 until the end.
    expect(hit({}, 101_500, 100_900, ifNoneMatch).notModified).toBe(true);
    expect(
      hit({ cacheControlScope: 'public', sharedMaxAge: 0 }, 101_500, 100_900, ifNoneMatch)
        .notModified,
    ).toBe(true);
  });

  it('caps s-maxage at CACHE_SHARED_MAX_AGE', () => {
    const headers = hitHeaders({ cacheControlScope: 'public', sharedMaxAge: 5 }, 160_000, 100_000);
    expect(headers['Cache-Control']).toBe('public, max-age=60, s-maxage=5');
  });
});
