import { BadGatewayException, GatewayTimeoutException, Injectable } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { lookup } from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import type { LapseConfig } from '../config/lapse.config';
import { isInternalAddress } from './origin-policy';

/** An origin's answer, read in full (within ORIGIN_MAX_BYTES). */
export interface OriginResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The headers every origin request carries, and no others: nothing of the
 * client's request (cookies, keys, authorization) ever reaches an origin.
 * Bodies are asked for unencoded, as Lapse does not decompress them.
 */
export const ORIGIN_REQUEST_HEADERS: Readonly<Record<string, string>> = {
  accept: 'application/json, text/*;q=0.9',
  'accept-encoding': 'identity',
  'user-agent': 'Lapse',
};

/** Validators of a stored answer, sent to revalidate it: a 304 then says it is unchanged. */
export interface OriginConditions {
  'if-none-match'?: string;
  'if-modified-since'?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches URLs from origins, safely: one GET with a fixed set of headers, no
 * redirects followed (502), a total time limit (504), a size cap enforced while
 * the body streams in (502, nothing kept beyond the cap), and no connection to
 * an internal address (loopback, private, link-local) that a host name resolves
 * to: such an address is only reached when the origin names it literally.
 * Which URLs may be fetched at all is the caller's decision (ORIGINS).
 */
@Injectable()
export class OriginFetcher implements OnModuleDestroy {
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  // Connections are kept open and reused per origin (the agents pool them by host and port).
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };

  constructor(config: ConfigService<LapseConfig, true>) {
    const { timeoutMs, maxBytes } = config.get('origin', { infer: true });
    this.timeoutMs = timeoutMs;
    this.maxBytes = maxBytes;
  }

  onModuleDestroy(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }

  /**
   * GETs `url`, conditionally with `conditions` (a 304 is resolved like any
   * answer, with an empty body); rejects with a 502 or 504 (HttpException)
   * saying what went wrong.
   */
  fetch(url: URL, conditions?: OriginConditions): Promise<OriginResponse> {
    const where = url.origin;
    return new Promise<OriginResponse>((resolve, reject) => {
      const fail = (error: Error): void => {
        clearTimeout(timer);
        request.destroy();
        reject(error);
      };
      const transport = url.protocol === 'https:' ? https : http;
      const request = transport.get(url, {
        agent: this.agents[url.protocol as 'http:' | 'https:'],
        headers: conditions ? { ...ORIGIN_REQUEST_HEADERS, ...conditions } : ORIGIN_REQUEST_HEADERS,
        lookup: externalOnlyLookup,
      });
      const timer = setTimeout(
        () =>
          fail(
            new GatewayTimeoutException(
              `Origin ${where} did not answer within ${this.timeoutMs} ms`,
            ),
          ),
        this.timeoutMs,
      );
      request.on('error', (error: NodeJS.ErrnoException) =>
        fail(
          error.code === INTERNAL_ADDRESS
            ? new BadGatewayException(error.message)
            : new BadGatewayException(
                `Origin ${where} could not be reached (${error.code ?? error.message})`,
              ),
        ),
      );
      request.on('response', (response) => {
        const status = response.statusCode ?? 0;
        if (REDIRECTS.has(status)) {
          fail(
            new BadGatewayException(
              `Origin ${where} answered a redirect (${status}), which Lapse does not follow`,
            ),
          );
          return;
        }
        const declared = Number(response.headers['content-length']);
        if (declared > this.maxBytes) {
          fail(tooLarge(where, this.maxBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          // Checked as the body arrives: a body beyond the cap is never held in full.
          if (size > this.maxBytes) fail(tooLarge(where, this.maxBytes));
          else chunks.push(chunk);
        });
        response.on('error', () =>
          fail(new BadGatewayException(`Origin ${where} broke off its answer`)),
        );
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ status, headers: response.headers, body: Buffer.concat(chunks, size) });
        });
      });
    });
  }
}

const INTERNAL_ADDRESS = 'LAPSE_INTERNAL_ADDRESS';

function tooLarge(where: string, maxBytes: number): BadGatewayException {
  return new BadGatewayException(
    `Origin ${where} answered more than ORIGIN_MAX_BYTES (${maxBytes} bytes)`,
  );
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
