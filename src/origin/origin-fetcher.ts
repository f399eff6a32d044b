import {
  BadGatewayException,
  GatewayTimeoutException,
  HttpException,
  Injectable,
} from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import { LapseConfigService } from '../config/lapse-config.service';
import { lookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { allowedOriginUrl, isInternalAddress } from './origin-policy';

/** An origin's answer, read in full (within ORIGIN_MAX_BYTES). */
export interface OriginResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, when it is not the one asked for (redirects were followed). */
  redirectedTo?: URL;
}

/**
 * The headers every origin request carries, and no others: nothing of the
 * client's request (cookies, keys, authorization) ever reaches an origin.
 * Bodies are asked for unencoded, as Lapse does not decompress them.
 */
export const ORIGIN_REQUEST_HEADERS: Readonly<Record<string, string>> = {
  accept: 'application/json, text/*;q=0.9, */*;q=0.8',
  'accept-encoding': 'identity',
  'user-agent': 'Lapse',
};

/** Validators of a stored answer, sent to revalidate it: a 304 then says it is unchanged. */
export interface OriginConditions {
  'if-none-match'?: string;
  'if-modified-since'?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Most redirects followed for one fetch; one more is a 502. */
export const MAX_REDIRECTS = 3;

/**
 * Fetches URLs from origins, safely: GETs with a fixed set of headers,
 * redirects followed only within ORIGINS and at most {@link MAX_REDIRECTS}
 * times (else 502), a connect time limit and a total time limit (504), a size
 * cap enforced while the body streams in (502, nothing kept beyond the cap),
 * and no connection to an internal address (loopback, private, link-local)
 * that a host name resolves to: such an address is only reached when the
 * origin names it literally. Which URLs may be fetched at all is the
 * caller's decision (ORIGINS); where a redirect may lead is this class's.
 */
@Injectable()
export class OriginFetcher implements OnModuleDestroy {
  private readonly allowed: string[];
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly maxBytes: number;
  /**
   * One connection pool per origin (undici creates it on first use): at most
   * ORIGIN_MAX_CONCURRENCY connections, one request at a time on each, so
   * further requests wait in the pool's queue, and the total time limit
   * bounds that wait too.
   */
  private readonly agent: Agent;

  constructor(config: LapseConfigService) {
    const { allowed, timeoutMs, connectTimeoutMs, maxBytes, maxConcurrency } = config.get('origin');
    this.allowed = allowed;
    this.timeoutMs = timeoutMs;
    this.connectTimeoutMs = connectTimeoutMs;
    this.maxBytes = maxBytes;
    this.agent = new Agent({
      connections: maxConcurrency,
      pipelining: 1,
      // The total time limit covers headers and body: undici's own limits are off.
      headersTimeout: 0,
      bodyTimeout: 0,
      connect: { timeout: connectTimeoutMs, lookup: externalOnlyLookup },
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.destroy();
  }

  /**
   * GETs `url`, conditionally with `conditions` (a 304 is resolved like any
   * answer, with an empty body); rejects with a 502 or 504 (HttpException)
   * saying what went wrong.
   */
  async fetch(url: URL, conditions?: OriginConditions): Promise<OriginResponse> {
    const headers = conditions
      ? { ...ORIGIN_REQUEST_HEADERS, ...conditions }
      : ORIGIN_REQUEST_HEADERS;
    const deadline = new AbortController();
    const timer = setTimeout(
      () =>
        deadline.abort(
          new GatewayTimeoutException(
            `Origin ${url.origin} did not answer within ${this.timeoutMs} ms`,
          ),
        ),
      this.timeoutMs,
    );
    try {
      let current = url;
      for (let redirects = 0; ; redirects += 1) {
        const answer = await this.request(current, headers, deadline.signal);
        if (!REDIRECTS.has(answer.statusCode)) {
          const body = await this.readBody(current, answer, deadline.signal);
          return {
            status: answer.statusCode,
            headers: nodeHeaders(answer.headers),
            body,
            ...(current === url ? {} : { redirectedTo: current }),
          };
        }
        // The redirect's own body is not wanted; reading it off keeps the connection reusable.
        await answer.body.dump().catch(() => undefined);
        current = this.redirectTarget(current, answer, redirects);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private async request(
    url: URL,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<Dispatcher.ResponseData> {
    try {
      return await this.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers,
        signal,
      });
    } catch (error) {
      throw this.failure(url, error, signal);
    }
  }

  /** The body, within the cap: checked on Content-Length, then on every chunk as it arrives. */
  private async readBody(
    url: URL,
    { headers, body }: Dispatcher.ResponseData,
    signal: AbortSignal,
  ): Promise<Buffer> {
    if (Number(headers['content-length']) > this.maxBytes) {
      body.destroy();
      throw tooLarge(url, this.maxBytes);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        // Destroying the body closes the connection: the rest is never read.
        if (size > this.maxBytes) {
          body.destroy();
          throw tooLarge(url, this.maxBytes);
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof HttpException) throw error;
      if (signal.aborted) throw signal.reason;
      throw new BadGatewayException(`Origin ${url.origin} broke off its answer`);
    }
    return Buffer.concat(chunks, size);
  }

  /** Where a redirect leads, when it may be followed: within ORIGINS, and not too often. */
  private redirectTarget(from: URL, answer: Dispatcher.ResponseData, redirects: number): URL {
    const status = answer.statusCode;
    if (redirects >= MAX_REDIRECTS) {
      throw new BadGatewayException(
        `Origin ${from.origin} redirected more than ${MAX_REDIRECTS} times (last ${status})`,
      );
    }
    const location = singleHeader(answer.headers.location);
    if (location === undefined) {
      throw new BadGatewayException(
        `Origin ${from.origin} answered a redirect (${status}) without a Location`,
      );
    }
    let target: URL;
    try {
      target = new URL(location, from);
    } catch {
      throw new BadGatewayException(
        `Origin ${from.origin} answered a redirect (${status}) to an invalid Location`,
      );
    }
    if (target.username !== '' || target.password !== '') {
      throw new BadGatewayException(
        `Origin ${from.origin} redirected (${status}) to a URL with credentials, which Lapse does not follow`,
      );
    }
    const allowed = allowedOriginUrl(target.href, this.allowed);
    if (!allowed) {
      throw new BadGatewayException(
        `Origin ${from.origin} redirected (${status}) to ${target.origin}, which is not on ORIGINS`,
      );
    }
    return allowed;
  }

  /** The HttpException an undici error stands for. */
  private failure(url: URL, error: unknown, signal: AbortSignal): unknown {
    if (signal.aborted) return signal.reason;
    if (error instanceof HttpException) return error;
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === INTERNAL_ADDRESS) return new BadGatewayException(message);
    if (code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new GatewayTimeoutException(
        `Origin ${url.origin} did not accept a connection within ${this.connectTimeoutMs} ms`,
      );
    }
    return new BadGatewayException(
      `Origin ${url.origin} could not be reached (${code ?? message})`,
    );
  }
}

const INTERNAL_ADDRESS = 'LAPSE_INTERNAL_ADDRESS';

function tooLarge(url: URL, maxBytes: number): BadGatewayException {
  return new BadGatewayException(
    `Origin ${url.origin} answered more than ORIGIN_MAX_BYTES (${maxBytes} bytes)`,
  );
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * undici's headers as Node's `http` gives them: a repeated header as one
 * value joined with `, `, except `Set-Cookie`, which stays a list.
 */
function nodeHeaders(headers: Dispatcher.ResponseData['headers']): IncomingHttpHeaders {
  const result: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (name === 'set-cookie') result[name] = Array.isArray(value) ? value : [value];
    else result[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return result;
}

/**
 * `dns.lookup` that refuses internal addresses. It runs as the connection is
 * made, so the address checked is the one connected to. Hosts written as IP
 * literals are not looked up at all: an origin listed by its address is reached.
 */
function externalOnlyLookup(
  hostname: string,
  options: LookupOptions,
  callback: (
    error: NodeJS.ErrnoException | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void,
): void {
  lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const internal = addresses.find(({ address }) => isInternalAddress(address));
    if (internal) {
      const refused: NodeJS.ErrnoException = new Error(
        `Origin host ${hostname} resolves to the internal address ${internal.address}, ` +
          'which Lapse only reaches when ORIGINS names that address itself',
      );
      refused.code = INTERNAL_ADDRESS;
      return callback(refused, []);
    }
    if (options.all) return callback(null, addresses);
    return callback(null, addresses[0].address, addresses[0].family);
  });
}
