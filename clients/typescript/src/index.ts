import createClient, { mergeHeaders } from 'openapi-fetch';
import type { Client, ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, operations, paths } from './schema';

/** The document's schemas by name: `Schemas['StatsResponseDto']`. */
export type Schemas = components['schemas'];

/** Any JSON value but null: what `data` holds. */
export type JsonValue = Schemas['JsonValue'];
/** A cached resource, as `GET /resources/{id}` and every write answer it. */
export type Resource = Schemas['ResourceResponseDto'];
/** A resource without its data, as `GET /resources` lists it. */
export type ResourceSummary = Schemas['ResourceSummaryDto'];
/** The body of `PUT /resources/{id}`. */
export type PutResource = Schemas['PutResourceDto'];
/** The body of every error answer but the original routes' (`{statusCode, message, error}`). */
export type ErrorBody = Schemas['ErrorResponseDto'];
/** The answer to `POST /interactions`. */
export type Interaction = Schemas['InteractionResponseDto'];
/** The answer to `GET /interactions/{resourceId}`. */
export type InteractionSummary = Schemas['InteractionSummaryResponseDto'];
/** A row of `GET /interactions`. */
export type TopResource = Schemas['TopResourceResponseDto'];
/** The answer to `GET /stats`. */
export type Stats = Schemas['StatsResponseDto'];

export type LapseClient = Client<paths>;

export interface LapseClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where Lapse is served, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** One of the server's API_KEYS, sent with every request. */
  apiKey?: string;
}

/**
 * A typed client for Lapse: `client.GET('/resources/{id}', { params: { path:
 * { id } } })` answers `{ data }` (typed by status) or `{ error }`, with the
 * `response` either way. Path parameters are percent-encoded, so URL ids work.
 */
export function createLapseClient({
  apiKey,
  headers,
  ...options
}: LapseClientOptions): LapseClient {
  return createClient<paths>({
    ...options,
    // Lapse also takes `X-API-Key`; a key never has spaces, so Bearer always fits.
    headers:
      apiKey === undefined ? headers : mergeHeaders(headers, { Authorization: `Bearer ${apiKey}` }),
  });
}
