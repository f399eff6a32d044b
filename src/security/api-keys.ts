import { createHash, timingSafeEqual } from 'node:crypto';

/** Request headers as both HTTP adapters expose them. */
type Headers = Record<string, string | string[] | undefined>;

/** The key a request presents: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(headers: Headers): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey !== '' ? apiKey : undefined;
}

/**
 * The configured API keys, kept only as SHA-256 digests. A presented key is
 * digested and compared with every configured one in constant time, so
 * neither its length nor a matching prefix shows in the response time.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  /** True when at least one key is configured. */
  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** Whether `key` is one of the configured keys. */
  accepts(key: string | undefined): boolean {
    if (key === undefined) return false;
    const presented = digest(key);
    let accepted = false;
    for (const known of this.digests) accepted = timingSafeEqual(known, presented) || accepted;
    return accepted;
  }
}

/** A stable, non-reversible name for a key, for rate-limit buckets (never logged raw). */
export function keyFingerprint(key: string): string {
  return digest(key).toString('base64url').slice(0, 22);
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}
