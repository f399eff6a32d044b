import { BlockList, isIP } from 'node:net';

/**
 * The URL `id` names when it is an absolute `http(s)` URL on one of the
 * `allowed` origins (normalised as `URL.origin` is), else `undefined`. The
 * comparison is exact on scheme, host and port after normalisation, so
 * `https://api.example.com.evil.net` or `https://api.example.com:8443` never
 * match `https://api.example.com`. URLs with credentials never match.
 */
export function allowedOriginUrl(id: string, allowed: readonly string[]): URL | undefined {
  if (allowed.length === 0 || !/^https?:\/\//i.test(id)) return undefined;
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    return undefined;
  }
  if (url.username !== '' || url.password !== '') return undefined;
  url.hash = '';
  return allowed.includes(url.origin) ? url : undefined;
}

/** Addresses no origin may resolve to unless it is listed by that very address. */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 3], // multicast, reserved, broadcast
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}

/** Whether `address` (an IP literal) is loopback, private, link-local or otherwise internal. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return INTERNAL.check(address, 'ipv4');
  if (family !== 6) return true;
  // IPv4 written as IPv6 (::ffff:127.0.0.1) is checked as the IPv4 it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? INTERNAL.check(mapped[1], 'ipv4') : INTERNAL.check(address, 'ipv6');
}

/** The settings a fetched answer's time-to-live is derived with, in seconds. */
export interface TtlBounds {
  /** CACHE_TTL: when the origin says nothing. */
  defaultTtl: number;
  minTtl: number;
  maxTtl: number;
}

/** The headers of an origin answer that bear on how long it may be kept. */
export interface FreshnessHeaders {
  cacheControl?: string;
  expires?: string;
  date?: string;
}

/**
 * How many seconds a shared cache may keep an origin's answer (RFC 9111 §4.2.1):
 * `s-maxage` over `max-age` over `Expires` (minus the origin's `Date`), else
 * `defaultTtl`; then clamped to `[minTtl, maxTtl]`. `undefined` when the answer
 * must not be stored: `no-store`, `private`, `no-cache` (Lapse does not
 * revalidate before every use) or a lifetime of 0 with no minimum.
 */
export function originTtl(
  { cacheControl, expires, date }: FreshnessHeaders,
  { defaultTtl, minTtl, maxTtl }: TtlBounds,
  now = Date.now(),
): number | undefined {
  const directives = parseCacheControl(cacheControl ?? '');
  if (['no-store', 'private', 'no-cache'].some((name) => directives.has(name))) return undefined;
  const lifetime =
    deltaSeconds(directives.get('s-maxage')) ??
    deltaSeconds(directives.get('max-age')) ??
    expiresLifetime(expires, date, now) ??
    defaultTtl;
  const ttl = Math.min(maxTtl, Math.max(minTtl, lifetime));
  return ttl > 0 ? ttl : undefined;
}

/** How long past its freshness a fetched answer may still be served, in seconds (0: not at all). */
export interface StaleWindows {
  /** STALE_WHILE_REVALIDATE: served at once while one refresh runs in the background. */
  whileRevalidate: number;
  /** STALE_IF_ERROR: served when the refresh fails (origin unreachable, too slow, 5xx). */
  ifError: number;
}

/** Where a fetched answer is in its life at a given moment. */
export type Freshness = 'fresh' | 'stale-while-revalidate' | 'stale-if-error' | 'expired';

/**
 * Seconds to keep an answer fresh for `freshSeconds` in the store: its fresh
 * lifetime, then the longer of the two stale windows, so a stale copy is
 * still there to serve.
 */
export function keptSeconds(freshSeconds: number, windows: StaleWindows): number {
  return freshSeconds + Math.max(windows.whileRevalidate, windows.ifError);
}

/**
 * Where an answer fresh until `freshUntil` (epoch ms) is at `now`: fresh
 * before it (exclusive, as an entry's expiry is); then within
 * STALE_WHILE_REVALIDATE; else within STALE_IF_ERROR; else expired. Both
 * windows are counted from the end of freshness (RFC 5861).
 */
export function freshnessAt(freshUntil: number, windows: StaleWindows, now: number): Freshness {
  if (now < freshUntil) return 'fresh';
  const staleMs = now - freshUntil;
  if (staleMs < windows.whileRevalidate * 1000) return 'stale-while-revalidate';
  if (staleMs < windows.ifError * 1000) return 'stale-if-error';
  return 'expired';
}

/**
 * Whether an answer fresh until `freshUntil` may be served in place of a
 * failed refresh at `now`: within STALE_IF_ERROR of the end of its freshness.
 */
export function mayServeStaleOnError(
  freshUntil: number,
  windows: StaleWindows,
  now: number,
): boolean {
  return now - freshUntil < windows.ifError * 1000;
}

/** Whether an answer (a 304) says anything of its own lifetime; if not, the stored one's stands. */
export function hasFreshnessHeaders({ cacheControl, expires }: FreshnessHeaders): boolean {
  return cacheControl !== undefined || expires !== undefined;
}

/** Directive names (lower-case) and their values (`''` when none), the first of each kept. */
function parseCacheControl(header: string): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of header.split(',')) {
    const [name, ...rest] = part.split('=');
    const key = name.trim().toLowerCase();
    if (key === '' || directives.has(key)) continue;
    directives.set(
      key,
      rest
        .join('=')
        .trim()
        .replace(/^"(.*)"$/, '$1'),
    );
  }
  return directives;
}

/** A delta-seconds value; an invalid one is ignored (`undefined`). */
function deltaSeconds(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/** Seconds from the origin's `Date` (else now) to `Expires`; an invalid `Expires` is already stale. */
function expiresLifetime(
  expires: string | undefined,
  date: string | undefined,
  now: number,
): number | undefined {
  if (expires === undefined) return undefined;
  const at = Date.parse(expires);
  if (Number.isNaN(at)) return 0;
  const dated = date === undefined ? Number.NaN : Date.parse(date);
  const from = Number.isNaN(dated) ? now : dated;
  return Math.max(0, Math.floor((at - from) / 1000));
}
