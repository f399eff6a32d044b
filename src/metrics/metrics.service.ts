import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CacheService, CacheStore } from '../cache';
import type { CacheAccessCounter } from '../cache';
import { StoreUnavailableError } from '../common/store-unavailable.error';
import type { FinishedRequest } from '../http/request-hooks';
import { OriginCounters } from '../origin/origin-counters';
import type { OriginCounter } from '../origin/origin-counters';
import { TrackingService } from '../tracking/tracking.service';

/**
 * The methods a request is labelled with; any other (the parser accepts
 * about thirty, such as PROPFIND or PURGE) is `OTHER`, so clients cannot add
 * series at will.
 */
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
  'CONNECT',
  'TRACE',
]);

/**
 * prom-client's default gauges named like counters, which Prometheus's
 * linter (`promtool check metrics`) rejects. Each is the sum of a gauge kept
 * by type: `sum(nodejs_active_handles)` and so on.
 */
const GAUGES_NAMED_TOTAL = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * Lapse's Prometheus metrics: request durations, cache activity, entries,
 * interactions, read-through's origin requests, the store's health, and
 * Node's process metrics.
 * Cache and interaction counters count what this process did; they are read
 * from the services when Prometheus scrapes, so no request pays for them.
 * The metrics read from the store are a registry of their own: while the
 * store does not answer they are left out (and `lapse_store_up` is 0), and
 * every other metric is still served.
 */
@Injectable()
export class MetricsService implements OnApplicationShutdown {
  /** Everything known without asking the store. */
  private readonly registry = new Registry();
  /** What only the store knows. */
  private readonly storeRegistry = new Registry();
  private readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly storeUp: Gauge;

  constructor(
    private readonly cache: CacheService,
    private readonly tracking: TrackingService,
    @Inject(CacheStore) private readonly store: CacheStore,
    private readonly origins: OriginCounters,
  ) {
    collectDefaultMetrics({ register: this.registry });
    for (const name of GAUGES_NAMED_TOTAL) this.registry.removeSingleMetric(name);
    this.requestDuration = new Histogram({
      name: 'lapse_http_request_duration_seconds',
      help: 'HTTP request duration, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    const activity = (counter: CacheAccessCounter, help: string): void => {
      this.counter(
        `lapse_cache_${counter}_total`,
        help,
        () => this.cache.processActivity()[counter],
      );
    };
    activity('hits', 'Reads that found a live entry.');
    activity('misses', 'Reads that found nothing or an expired entry.');
    activity('sets', 'Entries written.');
    activity('deletes', 'Entries deleted on request (purges included).');
    this.counter(
      'lapse_interactions_total',
      'Interactions recorded.',
      () => this.tracking.recordedByThisProcess,
    );
    const origin = (counter: OriginCounter, name: string, help: string): void => {
      this.counter(`lapse_origin_${name}_total`, help, () => this.origins.snapshot()[counter]);
    };
    origin(
      'fetches',
      'fetches',
      'Requests sent to origins (read-through), revalidations included.',
    );
    origin(
      'revalidations',
      'revalidations',
      'Origin refreshes answered 304: the stored body renewed.',
    );
    origin(
      'staleServed',
      'stale_served',
      'Answers served stale: while a refresh ran or the origin failed.',
    );
    origin(
      'errors',
      'errors',
      'Origin requests that failed: unreachable, too slow, 5xx or unreadable.',
    );
    origin('joined', 'joined', 'Reads that waited for an origin request already under way.');
    const near = (counter: 'hits' | 'invalidations' | 'flushes', help: string): void => {
      this.counter(
        `lapse_near_cache_${counter}_total`,
        help,
        () => this.cache.nearCacheActivity()[counter],
      );
    };
    near('hits', 'Reads the near cache served without asking Redis (0 when it is off).');
    near('invalidations', 'Invalidation messages the near cache heard from Redis.');
    near('flushes', "Batches of the near cache's hits added to Redis's counters.");
    const nearCache = () => this.cache.nearCacheActivity();
    new Gauge({
      name: 'lapse_near_cache_entries',
      help: 'Entries the near cache holds.',
      registers: [this.registry],
      collect() {
        this.set(nearCache().entries);
      },
    });
    this.storeUp = new Gauge({
      name: 'lapse_store_up',
      help: 'Whether the store answered this scrape (1) or not (0); always 1 in memory.',
      registers: [this.registry],
    });
    this.counter(
      'lapse_store_errors_total',
      'Store calls that failed (unreachable, too slow or refused), requests and background work alike.',
      () => this.store.failedCalls(),
    );

    const fromStore = [this.storeRegistry];
    this.counter(
      'lapse_cache_expired_total',
      'Entries reclaimed after their time-to-live (as the store counts them).',
      async () => (await this.store.readCounters()).expired,
      fromStore,
    );
    this.counter(
      'lapse_cache_evicted_total',
      'Live entries evicted to make room (as the store counts them).',
      async () => (await this.store.readCounters()).evicted,
      fromStore,
    );
    const countEntries = () => this.store.countEntries();
    new Gauge({
      name: 'lapse_cache_entries',
      help: 'Live entries in the cache store.',
      registers: fromStore,
      async collect() {
        this.set(await countEntries());
      },
    });
  }

  /** Records one finished HTTP request. */
  observeRequest({ method, route, statusCode, durationMs }: FinishedRequest): void {
    this.requestDuration.observe(
      {
        method: KNOWN_METHODS.has(method) ? method : 'OTHER',
        route,
        status_code: String(statusCode),
      },
      durationMs / 1000,
    );
  }

  /**
   * The exposition text Prometheus scrapes. The store is asked first, so that
   * `lapse_store_up` says whether this very scrape could read it.
   */
  async scrape(): Promise<string> {
    let fromStore: string | undefined;
    try {
      fromStore = await this.storeRegistry.metrics();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
    }
    this.storeUp.set(fromStore === undefined ? 0 : 1);
    const always = await this.registry.metrics();
    return fromStore === undefined ? always : `${always}\n${fromStore}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** After the HTTP server has closed, so a scrape during shutdown still gets every metric. */
  onApplicationShutdown(): void {
    this.registry.clear();
    this.storeRegistry.clear();
  }

  /** A counter whose value is read from `read` at scrape time. */
  private counter(
    name: string,
    help: string,
    read: () => number | Promise<number>,
    registers = [this.registry],
  ): void {
    new Counter({
      name,
      help,
      registers,
      async collect() {
        this.reset();
        this.inc(await read());
      },
    });
  }
}
