import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Node's parser errors that have a status of their own; any other is a 400. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * How long a connection answered by {@link answerClientError} may still take
 * to close once the answer is out, while what the client still sends is read
 * and dropped.
 */
export const LINGER_MS = 2000;

/** Connections already answered: Node's parser reports every later chunk as an error too. */
const answered = new WeakSet<Duplex>();

/** Node keeps the response being written on a connection on its socket. */
type HttpSocket = Duplex & { _httpMessage?: { headersSent: boolean } | null };

/**
 * Answers a request that is not valid HTTP (a raw non-ASCII byte in the
 * path, an oversized header...), which Node rejects before any framework
 * sees it, on both adapters, with the answer Node gives by default: a bare
 * status line with `Connection: close` (none when an answer on that
 * connection is already under way), then the connection is closed.
 * Fastify's own answer has a body but no `Connection: close`, so a keep-alive
 * client would send its next request on the dying socket, and a HEAD client
 * would read the body as the next response.
 *
 * The connection is closed in stages (RFC 9112 §9.6): our side first, while
 * what the client still sends (the body of that request) is read and dropped,
 * then the whole connection once the client closes its side, or after
 * {@link LINGER_MS}. Closed at once, with a body still arriving, the system
 * answers the client's next bytes with a reset, and a client still sending
 * may never read the answer (Node 24's client reports only the reset).
 */
export function answerClientError(error: Error & { code?: string }, socket: HttpSocket): void {
  // What arrives after the answer is bad HTTP too: read and dropped.
  if (answered.has(socket)) return;
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (!socket.writable || socket._httpMessage?.headersSent) {
    socket.destroy(error);
    return;
  }
  answered.add(socket);
  const status = STATUS_BY_CODE[error.code ?? ''] ?? 400;
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
  // Never left half-open for long: a client that never closes its side would
  // keep the connection (and a shutdown waiting for it) forever.
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
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
