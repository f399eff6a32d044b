import type { IncomingHttpHeaders } from 'node:http';

/** A request body that is not acceptable JSON: a 400 whose message may be shown. */
export class MalformedJsonError extends Error {
  readonly status = 400;
  readonly statusCode = 400;
  readonly expose = true;
  readonly type = 'entity.parse.failed';
}

/**
 * Parses a JSON request body with the rules of Express's `body-parser` in
 * strict mode, so that Fastify accepts exactly what Express accepts: an empty
 * body is `{}`, the top level must be an object or an array, and keys such as
 * `__proto__` are kept as plain data (Fastify's own parser rejects them, but
 * cached data is stored verbatim).
 */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) return {};
  // JSON's whitespace is space, tab, line feed and carriage return.
  const first = /^[ \t\n\r]*(.)/.exec(text)?.[1];
  if (first !== '{' && first !== '[') {
    throw new MalformedJsonError(
      `Unexpected token ${JSON.stringify(first ?? '')}: a JSON body must be an object or an array`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new MalformedJsonError((error as Error).message);
  }
}

/** A JSON body in an encoding or charset Lapse does not read: a 415 whose message may be shown. */
export class UnsupportedBodyEncodingError extends Error {
  readonly status = 415;
  readonly statusCode = 415;
  readonly expose = true;
  readonly type = 'encoding.unsupported';
}

/** The parameter `charset` of a Content-Type, if it has one. */
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * Why a JSON body with these headers cannot be read, or `undefined` when it
 * can. Both adapters read JSON bodies only uncompressed (no `Content-Encoding`,
 * or `identity`) and in UTF-8 (no `charset`, or `utf-8`), which RFC 8259
 * requires of JSON exchanged between systems.
 */
export function unsupportedBodyEncoding(headers: IncomingHttpHeaders): Error | undefined {
  const encoding = headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    return new UnsupportedBodyEncodingError(
      `Content-Encoding ${JSON.stringify(encoding)} is not supported: send the body uncompressed`,
    );
  }
  const charset = CHARSET.exec(headers['content-type'] ?? '')?.[1].toLowerCase();
  if (charset !== undefined && charset !== 'utf-8') {
    return new UnsupportedBodyEncodingError(
      `Content-Type charset ${JSON.stringify(charset)} is not supported: a JSON body must be UTF-8`,
    );
  }
  return undefined;
}

/**
 * Whether Express's JSON body parser reads this request's body: one is
 * announced (type-is's `hasBody`) and its media type is `application/json`.
 */
export function hasJsonBody(headers: IncomingHttpHeaders): boolean {
  const type = headers['content-type'];
  if (type === undefined) return false;
  if (headers['transfer-encoding'] === undefined && headers['content-length'] === undefined) {
    return false;
  }
  return type.split(';', 1)[0].trim().toLowerCase() === 'application/json';
}
