/**
 * The load generator, in a process of its own: runs one autocannon workload
 * against a server and prints its figures as one JSON line.
 * Usage: node load.js '{"port":3000,"workload":"get-hit","keys":1000,"seconds":5,"connections":50}'
 */
import autocannon from 'autocannon';
import { nextRequest } from './workloads';
import type { WorkloadName } from './workloads';

export interface LoadOptions {
  port: number;
  workload: WorkloadName;
  keys: number;
  seconds: number;
  connections: number;
  /** What the server's routes start with ('' for Lapse). */
  prefix: string;
  /** The origin Lapse reads through, for the read-through workload. */
  origin?: string;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as LoadOptions;
  const result = await autocannon({
    url: `http://127.0.0.1:${options.port}`,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        // A new request description for every request: random keys, bodies.
        setupRequest: (request) => ({
          ...request,
          ...nextRequest(options.workload, options.keys, options.prefix, options.origin),
        }),
      },
    ],
  });
  const figures: LoadResult = {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

void main();
