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
