import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Node's parser errors that have a status of their own; any other is a 400. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * Answers a request that is not valid HTTP (a raw non-ASCII byte in the
 * path, an oversized header...), which Node rejects before any framework
 * sees it, exactly as Node does by default (and so as Express does): a bare
 * status line with `Connection: close`, then the connection is closed.
 * Fastify's own answer has a body but no `Connection: close`, so a keep-alive
 * client would send its next request on the dying socket, and a HEAD client
 * would read the body as the next response.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable) {
    socket.destroy(error);
    return;
  }
  const status = STATUS_BY_CODE[error.code ?? ''] ?? 400;
  // Closed once the answer is out, not left half-open until the client closes
  // its side: a client that never does would keep the connection (and a
  // shutdown waiting for it) forever.
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`, () =>
    socket.destroy(),
  );
}

/**
 * Whether `error` says the client closed its connection while its request
 * body was still being read: Node's `aborted` (Fastify reads the raw stream)
 * or raw-body's `request aborted` (Express's body parser). Not a failure of
 * the server, and there is nobody left to answer.
 */
export function isClientAbort(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, type } = error as { code?: unknown; type?: unknown };
  return code === 'ECONNRESET' || code === 'ECONNABORTED' || type === 'request.aborted';
}
