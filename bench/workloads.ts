/**
 * What the benchmark sends. Each workload is built inside the load-generator
 * process (autocannon), so request setup never runs in a measured server.
 */

/** A ~100-byte JSON value, different for every key. */
export function benchValue(i: number): Record<string, unknown> {
  return {
    title: `Article number ${String(i).padStart(7, '0')}`,
    author: 'lapse',
    views: i % 100_000,
    tags: ['news', 'tech'],
    published: true,
  };
}

/** Keys the mixed, write and interaction workloads spread over. */
export const WORKING_SET = 10_000;

export type WorkloadName =
  | 'get-hit'
  | 'seed-hit'
  | 'get-miss'
  | 'put'
  | 'interaction'
  | 'mixed'
  | 'get-random'
  | 'read-through';

export interface Workload {
  name: WorkloadName;
  title: string;
  /** True when every answer must be a 2xx (a miss expects 404s). */
  expectsSuccess: boolean;
}

/** The workloads of the main table, in the order they run against each server. */
export const WORKLOADS: Workload[] = [
  { name: 'get-hit', title: 'GET hit (REST)', expectsSuccess: true },
  { name: 'seed-hit', title: 'GET hit (seed route)', expectsSuccess: true },
  { name: 'get-miss', title: 'GET miss (404)', expectsSuccess: false },
  { name: 'put', title: 'PUT', expectsSuccess: true },
  { name: 'interaction', title: 'POST /interactions', expectsSuccess: true },
  { name: 'mixed', title: 'mixed 90/10 on 10k keys', expectsSuccess: true },
];

/** An autocannon request description. */
export interface BenchRequest {
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const random = (n: number): number => Math.floor(Math.random() * n);

/** The PUT that stores `benchValue(i)` under `key-i`. */
export function putRequest(i: number): BenchRequest {
  return {
    method: 'PUT',
    path: `/resources/key-${i}`,
    headers: JSON_HEADERS,
    body: JSON.stringify({ data: benchValue(i), ttl: 86_400 }),
  };
}

/** The id read-through reads for item `i` of the bench's origin. */
export const originItemUrl = (origin: string, i: number): string => `${origin}/items/${i}`;

/** The GET of item `i` of the bench's origin, read through Lapse. */
export function readThroughRequest(origin: string, i: number): BenchRequest {
  return { method: 'GET', path: `/resources/${encodeURIComponent(originItemUrl(origin, i))}` };
}

/**
 * The next request of a workload; `keys` is how many keys the server holds
 * (for read-through: how many items the origin has, at `origin`), `prefix`
 * what the server's routes start with.
 */
export function nextRequest(
  workload: WorkloadName,
  keys: number,
  prefix = '',
  origin = '',
): BenchRequest {
  const request = requestFor(workload, keys, origin);
  return { ...request, path: prefix + request.path };
}

function requestFor(workload: WorkloadName, keys: number, origin: string): BenchRequest {
  switch (workload) {
    case 'get-hit':
      return { method: 'GET', path: '/resources/key-0' };
    case 'seed-hit':
      return { method: 'GET', path: '/get_cached_resource?id=key-0' };
    case 'get-miss':
      return { method: 'GET', path: '/resources/absent-key' };
    case 'put':
      return putRequest(random(WORKING_SET));
    case 'interaction':
      return {
        method: 'POST',
        path: '/interactions',
        headers: JSON_HEADERS,
        body: JSON.stringify({ resourceId: `key-${random(WORKING_SET)}`, type: 'view' }),
      };
    case 'mixed':
      return Math.random() < 0.9
        ? { method: 'GET', path: `/resources/key-${random(WORKING_SET)}` }
        : putRequest(random(WORKING_SET));
    case 'get-random':
      return { method: 'GET', path: `/resources/key-${random(keys)}` };
    case 'read-through':
      return readThroughRequest(origin, random(keys));
  }
}
