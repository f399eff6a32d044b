import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { answerClientError } from './client-error';

/** Limits applied to the HTTP server, identical on both adapters. */
export interface ConnectionLimits {
  /** Longest time a request (headers and body) may take to arrive, in ms; 0: no limit. */
  requestTimeoutMs: number;
  /** Most client connections open at once; 0: no cap. */
  maxConnections: number;
}

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/** Node keeps the response being written on a connection on its socket. */
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

/** Node's request-timeout error, as its connection checker raises it. */
const REQUEST_TIMEOUT = Object.assign(new Error('Request timeout'), {
  code: 'ERR_HTTP_REQUEST_TIMEOUT',
});

/**
 * How often Node looks for requests past the timeout: a quarter of it,
 * between 0.1 s and 1 s, so a request is cut at most a quarter late (Node's
 * default, every 30 s, would cut a 1 s timeout up to 30 s late).
 */
function checkingIntervalMs(requestTimeoutMs: number): number {
  return Math.min(1000, Math.max(100, Math.ceil(requestTimeoutMs / 4)));
}

/**
 * The connections of the HTTP server under either adapter, held at the Node
 * level where both adapters meet:
 * - requests on one connection take effect in the order they were sent: a
 *   pipelined request is handed to the framework only once the answer before
 *   it has finished (Node emits every request as soon as its headers are
 *   parsed, and a body read asynchronously would let the next request's
 *   handler overtake it);
 * - the request timeout (headers and body) and the connection cap;
 * - a graceful drain on shutdown ({@link drain}).
 *
 * Per request this costs one call and a null check; per connection, an entry
 * in a set.
 */
export class HttpConnections {
  private readonly sockets = new Set<HttpSocket>();
  private draining = false;
  private readonly requestTimeoutMs: number;

  constructor(
    private readonly server: Server,
    { requestTimeoutMs, maxConnections }: ConnectionLimits,
  ) {
    this.requestTimeoutMs = requestTimeoutMs;
    // Read by Node when the server starts listening; both apply to receiving a
    // request only, never to the time its handler takes.
    server.requestTimeout = requestTimeoutMs;
    server.headersTimeout = requestTimeoutMs;
    if (requestTimeoutMs > 0) {
      (server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval =
        checkingIntervalMs(requestTimeoutMs);
    }
    // Beyond it Node closes a new connection at once, before any byte is read.
    if (maxConnections > 0) server.maxConnections = maxConnections;
    server.on('connection', (socket: HttpSocket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.inConnectionOrder();
  }

  /**
   * Starts a graceful shutdown that is to end within `shutdownTimeoutMs`: idle
   * connections are closed at once, every answer from now on says
   * `Connection: close` (so clients open a new connection, which is refused,
   * rather than reuse one that is closing), and requests still arriving after
   * their request timeout, or half the shutdown time if sooner, are answered
   * 408 and closed: a request complete just in time still has the other half
   * to be answered. (Node stops its own request-timeout checks once the
   * server stops listening.)
   */
  drain(shutdownTimeoutMs: number): void {
    const half = Math.floor(shutdownTimeoutMs / 2);
    const arrivalMs = this.requestTimeoutMs > 0 ? Math.min(this.requestTimeoutMs, half) : half;
    this.draining = true;
    this.server.closeIdleConnections();
    for (const socket of this.sockets) {
      const response = socket._httpMessage;
      if (!response) continue;
      if (!response.headersSent) {
        response.shouldKeepAlive = false;
      } else {
        // Its headers already promised keep-alive: close the connection once it is idle.
        response.once('finish', () => setImmediate(() => this.server.closeIdleConnections()));
      }
    }
    setTimeout(() => this.cutUnfinishedRequests(), arrivalMs).unref();
  }

  /** Closes every connection, whatever it is doing (the shutdown timeout has passed). */
  closeAll(): void {
    this.server.closeAllConnections();
  }

  /** Answers 408 to the requests that have not fully arrived, and closes their connections. */
  private cutUnfinishedRequests(): void {
    for (const socket of this.sockets) {
      const response = socket._httpMessage;
      if (response?.headersSent) {
        if (!response.req.complete) socket.destroy();
      } else if (!response || !response.req.complete) {
        // Headers or body still arriving.
        answerClientError(REQUEST_TIMEOUT, socket);
      }
    }
  }

  /** Hands each request to the framework once the answer before it on its connection has finished. */
  private inConnectionOrder(): void {
    const listeners = this.server.listeners('request') as RequestListener[];
    this.server.removeAllListeners('request');
    const server = this.server;
    const handle: RequestListener =
      listeners.length === 1
        ? listeners[0]
        : (request, response) => {
            for (const listener of listeners) listener.call(server, request, response);
          };
    const dispatch: RequestListener = (request, response) => {
      if (this.draining) response.shouldKeepAlive = false;
      handle.call(server, request, response);
    };
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      // Node gives a response its socket only once the previous answer on the
      // connection has finished; until then the request waits its turn. After
      // an answer with `Connection: close` the turn never comes, and the
      // request is never run (its answer could not be sent).
      if (response.socket === null) {
        response.once('socket', () => dispatch(request, response));
      } else {
        dispatch(request, response);
      }
    });
  }
}
