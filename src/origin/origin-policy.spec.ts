import { allowedOriginUrl, isInternalAddress, originTtl } from './origin-policy';

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
