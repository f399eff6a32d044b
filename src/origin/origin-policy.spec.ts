import {
  allowedOriginUrl,
  freshnessAt,
  hasFreshnessHeaders,
  isInternalAddress,
  keptSeconds,
  mayServeStaleOnError,
  originTtl,
} from './origin-policy';

describe(allowedOriginUrl.name, () => {
  const allowed = ['https://api.example.com', 'http://127.0.0.1:8080'];

  it.each([
    'https://api.example.com/users/1',
    'https://API.Example.com/users/1',
    'https://api.example.com:443/users/1?page=2',
    'http://127.0.0.1:8080/',
    'HTTP://127.0.0.1:8080/a#fragment',
  ])('allows %p', (id) => {
    expect(allowedOriginUrl(id, allowed)).toBeInstanceOf(URL);
  });

  it.each([
    'users/1',
    'https://api.example.com.evil.net/users/1',
    'https://evil.net/https://api.example.com/',
    'https://api.example.com:8443/users/1',
    'http://api.example.com/users/1',
    'https://user:pass@api.example.com/users/1',
    'https://evil.net@api.example.com/',
    'http://127.0.0.1:8081/',
    'http://localhost:8080/',
    'ftp://api.example.com/file',
    'https://',
  ])('refuses %p', (id) => {
    expect(allowedOriginUrl(id, allowed)).toBeUndefined();
  });

  it('refuses everything when no origin is allowed', () => {
    expect(allowedOriginUrl('https://api.example.com/users/1', [])).toBeUndefined();
  });

  it('drops the fragment, which never reaches an origin', () => {
    expect(allowedOriginUrl('https://api.example.com/a?b=1#c', allowed)?.href).toBe(
      'https://api.example.com/a?b=1',
    );
  });
});

describe(isInternalAddress.name, () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    'not-an-address',
  ])('counts %p as internal', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'counts %p as external',
    (address) => {
      expect(isInternalAddress(address)).toBe(false);
    },
  );
});

describe(originTtl.name, () => {
  const bounds = { defaultTtl: 300, minTtl: 0, maxTtl: 86_400 };
  const now = Date.parse('2026-01-01T00:00:00Z');

  it.each([
    ['max-age=60', 60],
    ['public, max-age=60, s-maxage=120', 120],
    ['s-maxage=5, max-age=60', 5],
    ['MAX-AGE=42', 42],
    ['max-age="30"', 30],
    ['max-age=60, max-age=10', 60],
    ['max-age=abc', 300],
    ['must-revalidate', 300],
  ])('reads Cache-Control %p as %p seconds', (cacheControl, ttl) => {
    expect(originTtl({ cacheControl }, bounds, now)).toBe(ttl);
  });

  it.each(['no-store', 'private, max-age=60', 'no-cache', 'max-age=0', 'public, no-store'])(
    'does not store an answer with Cache-Control %p',
    (cacheControl) => {
      expect(originTtl({ cacheControl }, bounds, now)).toBeUndefined();
    },
  );

  it('reads Expires from the origin Date, else from now', () => {
    const expires = 'Thu, 01 Jan 2026 00:10:00 GMT';
    expect(originTtl({ expires }, bounds, now)).toBe(600);
    expect(originTtl({ expires, date: 'Thu, 01 Jan 2026 00:05:00 GMT' }, bounds, now)).toBe(300);
    expect(originTtl({ expires, cacheControl: 'max-age=7' }, bounds, now)).toBe(7);
  });

  it('does not store an answer with an Expires in the past or invalid', () => {
    expect(originTtl({ expires: 'Wed, 31 Dec 2025 00:00:00 GMT' }, bounds, now)).toBeUndefined();
    expect(originTtl({ expires: '0' }, bounds, now)).toBeUndefined();
  });

  it('takes CACHE_TTL when the origin says nothing', () => {
    expect(originTtl({}, bounds, now)).toBe(300);
  });

  it('clamps the lifetime to ORIGIN_MIN_TTL and ORIGIN_MAX_TTL', () => {
    const clamped = { defaultTtl: 300, minTtl: 10, maxTtl: 100 };
    expect(originTtl({ cacheControl: 'max-age=1' }, clamped, now)).toBe(10);
    expect(originTtl({ cacheControl: 'max-age=0' }, clamped, now)).toBe(10);
    expect(originTtl({ cacheControl: 'max-age=1000' }, clamped, now)).toBe(100);
    expect(originTtl({}, clamped, now)).toBe(100);
    expect(originTtl({ cacheControl: 'no-store' }, clamped, now)).toBeUndefined();
  });
});

describe('stale windows', () => {
  const freshUntil = Date.parse('2026-01-01T00:00:00Z');
  const at = (seconds: number): number => freshUntil + seconds * 1000;

  it.each([
    [{ whileRevalidate: 0, ifError: 0 }, 60, 60],
    [{ whileRevalidate: 30, ifError: 0 }, 60, 90],
    [{ whileRevalidate: 0, ifError: 600 }, 60, 660],
    [{ whileRevalidate: 30, ifError: 600 }, 60, 660],
    [{ whileRevalidate: 900, ifError: 600 }, 1, 901],
  ])('keeps an answer with windows %p fresh for %p s for %p s', (windows, fresh, kept) => {
    expect(keptSeconds(fresh, windows)).toBe(kept);
  });

  it.each([
    [-0.001, 'fresh'],
    [0, 'stale-while-revalidate'],
    [29.999, 'stale-while-revalidate'],
    [30, 'stale-if-error'],
    [599.999, 'stale-if-error'],
    [600, 'expired'],
  ])('places %p s past freshness (SWR 30, SIE 600) as %p', (seconds, freshness) => {
    expect(freshnessAt(freshUntil, { whileRevalidate: 30, ifError: 600 }, at(seconds))).toBe(
      freshness,
    );
  });

  it('is fresh, then expired, with both windows off', () => {
    const off = { whileRevalidate: 0, ifError: 0 };
    expect(freshnessAt(freshUntil, off, at(-1))).toBe('fresh');
    expect(freshnessAt(freshUntil, off, at(0))).toBe('expired');
  });

  it('counts the stale-while-revalidate window before the stale-if-error one, both from the end of freshness', () => {
    const windows = { whileRevalidate: 600, ifError: 30 };
    expect(freshnessAt(freshUntil, windows, at(100))).toBe('stale-while-revalidate');
    expect(freshnessAt(freshUntil, windows, at(600))).toBe('expired');
    expect(mayServeStaleOnError(freshUntil, windows, at(29))).toBe(true);
    expect(mayServeStaleOnError(freshUntil, windows, at(30))).toBe(false);
    expect(mayServeStaleOnError(freshUntil, windows, at(100))).toBe(false);
  });

  it('serves stale on error only within STALE_IF_ERROR', () => {
    expect(mayServeStaleOnError(freshUntil, { whileRevalidate: 0, ifError: 0 }, at(0))).toBe(false);
    expect(mayServeStaleOnError(freshUntil, { whileRevalidate: 0, ifError: 5 }, at(4.9))).toBe(
      true,
    );
  });

  it('tells whether a 304 gives a lifetime of its own', () => {
    expect(hasFreshnessHeaders({})).toBe(false);
    expect(hasFreshnessHeaders({ date: 'Thu, 01 Jan 2026 00:00:00 GMT' })).toBe(false);
    expect(hasFreshnessHeaders({ cacheControl: 'max-age=5' })).toBe(true);
    expect(hasFreshnessHeaders({ expires: 'Thu, 01 Jan 2026 00:10:00 GMT' })).toBe(true);
  });
});
