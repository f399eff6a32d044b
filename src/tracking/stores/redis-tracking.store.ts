import type { RedisConnection } from '../../redis/redis-connection';
import {
  BUCKET_INTERVALS,
  bucketExpiry,
  bucketOf,
  bucketStarts,
  coveringBuckets,
  INTERVAL_MS,
  oldestKept,
} from '../../time-series/time-buckets';
import type { BucketRange, BucketRetention } from '../../time-series/time-buckets';
import { BUCKET_LEADERS, parseLeaderMember, topOfWindow } from '../window-top';
import type { Leader, WindowSource } from '../window-top';
import type {
  InteractionSummary,
  SeriesPoint,
  TopResource,
  TrackingStore,
  TypeBound,
} from '../tracking-store';
import { DEFAULT_TYPE_BOUND } from '../tracking-store';
import {
  CHECK_SCRIPT,
  KEYS_PER_SCRIPT,
  LEADERS_SCRIPT,
  RECORD_SCRIPT,
  SERIES_SCRIPT,
  TOP_SCRIPT,
} from './redis-tracking.scripts';

/** Settings of {@link RedisTrackingStore}. */
export interface RedisTrackingStoreOptions {
  namespace: string;
  maxResources: number;
  /** How many distinct types each resource keeps; default {@link DEFAULT_TYPE_BOUND}. */
  types?: TypeBound;
  retention: BucketRetention;
}

/**
 * Tracker on Redis, exact across instances: every update is one Lua script,
 * run atomically by the server. `top()` reads a sorted set, never a scan.
 *
 * Keys: `<ns>:tracking:totals`, `<ns>:tracking:activity` (sorted sets),
 * `<ns>:tracking:interactions` (counter), `<ns>:tracking:r:<id>` (hash per
 * resource), and per bucket (`<i>` is `minute` or `hour`, `<t>` its start),
 * each expiring after its retention: `<ns>:tracking:l:<i>:<t>` (its leaders,
 * a sorted set of at most `BUCKET_LEADERS` members `<id>\0<life>` scored by
 * negated counts), `<ns>:tracking:s:<i>:<t>:<id>` (a resource's counts by
 * type) and `<ns>:tracking:n:<i>:<t>` (all interactions).
 * Bucket keys are derived inside the scripts: one Redis, not a Cluster.
 *
 * A windowed top list runs no script: bounded reads of the leaders of the
 * window's buckets, then of a few resources (see `topOfWindow`), sent
 * together as small commands that other clients' commands interleave with.
 */
export class RedisTrackingStore implements TrackingStore {
  private readonly totalsKey: string;
  private readonly activityKey: string;
  private readonly interactionsKey: string;
  private readonly resourcePrefix: string;
  private readonly bucketPrefix: string;
  private readonly maxResources: number;
  private readonly types: TypeBound;
  private readonly retention: BucketRetention;
  private readonly window: WindowSource = {
    leaders: async (buckets, depth) => {
      // A few buckets per run, so that each run reads about KEYS_PER_SCRIPT entries at most.
      const perRun = Math.max(1, Math.floor(KEYS_PER_SCRIPT / depth));
      const runs = await this.connection.run((client) =>
        Promise.all(
          chunk(buckets, perRun).map(
            (some) =>
              LEADERS_SCRIPT.evaluate(client, {
                keys: [],
                arguments: [
                  `${this.bucketPrefix}l:`,
                  String(depth),
                  ...some.map(({ interval, start }) => `${interval}:${start}`),
                ],
              }) as Promise<string[][]>,
          ),
        ),
      );
      return runs.flat().map((flat) => {
        const leaders: Leader[] = [];
        for (let i = 0; i < flat.length; i += 2) {
          leaders.push(parseLeaderMember(flat[i], -Number(flat[i + 1])));
        }
        return leaders;
      });
    },
    check: async (resources) => {
      const runs: string[][] = [[]];
      let keys = 0;
      for (const { resourceId, life, buckets } of resources) {
        if (keys > 0 && keys + buckets.length + 1 > KEYS_PER_SCRIPT) {
          runs.push([]);
          keys = 0;
        }
        keys += buckets.length + 1;
        runs[runs.length - 1].push(
          resourceId,
          life,
          String(buckets.length),
          ...buckets.map(({ interval, start }) => `${interval}:${start}`),
        );
      }
      const replies = await this.connection.run((client) =>
        Promise.all(
          runs.map(
            (run) =>
              CHECK_SCRIPT.evaluate(client, {
                keys: [],
                arguments: [this.resourcePrefix, `${this.bucketPrefix}s:`, ...run],
              }) as Promise<Array<string | number>>,
          ),
        ),
      );
      const flat = replies.flat();
      return resources.map((_, i) => {
        const lastAt = Number(flat[2 * i]);
        return lastAt < 0 ? undefined : { lastAt, counts: Number(flat[2 * i + 1]) };
      });
    },
  };

  constructor(
    private readonly connection: RedisConnection,
    { namespace, maxResources, types = DEFAULT_TYPE_BOUND, retention }: RedisTrackingStoreOptions,
  ) {
    this.totalsKey = `${namespace}:tracking:totals`;
    this.activityKey = `${namespace}:tracking:activity`;
    this.interactionsKey = `${namespace}:tracking:interactions`;
    this.resourcePrefix = `${namespace}:tracking:r:`;
    this.bucketPrefix = `${namespace}:tracking:`;
    this.maxResources = maxResources;
    this.types = types;
    this.retention = retention;
  }

  async record(resourceId: string, type: string, at: number): Promise<number | undefined> {
    const total = await this.connection.run((client) =>
      RECORD_SCRIPT.evaluate(client, {
        keys: [
          this.totalsKey,
          this.activityKey,
          this.interactionsKey,
          this.resourcePrefix + resourceId,
        ],
        arguments: [
          resourceId,
          type,
          String(at),
          String(this.maxResources),
          this.resourcePrefix,
          this.bucketPrefix,
          String(BUCKET_LEADERS),
          String(this.types.maxTypes),
          this.types.reserved,
          ...BUCKET_INTERVALS.flatMap((interval) => {
            const start = bucketOf(at, interval);
            return [interval, String(start), String(bucketExpiry(start, interval, this.retention))];
          }),
        ],
      }),
    );
    return Number(total) < 0 ? undefined : Number(total);
  }

  async summary(resourceId: string): Promise<InteractionSummary | undefined> {
    const fields = await this.connection.run((client) =>
      client.hGetAll(this.resourcePrefix + resourceId),
    );
    if (fields.total === undefined) return undefined;
    const byType: Record<string, number> = {};
    for (const [field, count] of Object.entries(fields)) {
      if (field.startsWith('t:')) {
        Object.defineProperty(byType, field.slice(2), {
          value: Number(count),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return {
      resourceId,
      total: Number(fields.total),
      byType,
      firstAt: Number(fields.firstAt),
      lastAt: Number(fields.lastAt),
    };
  }

  async top(limit: number): Promise<TopResource[]> {
    // ZRANGE 0 -1 would mean "everything".
    if (limit <= 0) return [];
    const flat = (await this.connection.run((client) =>
      TOP_SCRIPT.evaluate(client, {
        keys: [this.totalsKey],
        arguments: [String(limit), this.resourcePrefix],
      }),
    )) as string[];
    const rows: TopResource[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      rows.push({ resourceId: flat[i], total: -Number(flat[i + 1]), lastAt: Number(flat[i + 2]) });
    }
    return rows;
  }

  async series(resourceId: string, range: BucketRange): Promise<SeriesPoint[]> {
    const buckets = (await this.connection.run((client) =>
      SERIES_SCRIPT.evaluate(client, {
        keys: [this.resourcePrefix + resourceId],
        arguments: [...this.rangeArguments(range), resourceId],
      }),
    )) as string[][];
    // The script answers only the buckets still kept: those skipped at the start are zeros.
    const skipped = range.count - buckets.length;
    return bucketStarts(range).map((t, i) => ({ t, ...countsOf(buckets[i - skipped] ?? []) }));
  }

  topWithin(window: BucketRange, limit: number): Promise<TopResource[]> {
    return topOfWindow(this.window, coveringBuckets(window, Date.now(), this.retention), limit);
  }

  async activity(range: BucketRange): Promise<number[]> {
    // MGET takes at least one key.
    if (range.count <= 0) return [];
    const keys = bucketStarts(range).map((t) => `${this.bucketPrefix}n:${range.interval}:${t}`);
    const counts = await this.connection.run((client) => client.mGet(keys));
    return counts.map((count) => Number(count ?? 0));
  }

  /** Bucket prefix, interval, first start, count and step, as the scripts take them. */
  private rangeArguments({ interval, first, count }: BucketRange): string[] {
    // Buckets past their retention may still await Redis's expiry: never read them.
    const oldest = oldestKept(Date.now(), interval, this.retention);
    const skipped = Math.max(0, Math.min(count, (oldest - first) / INTERVAL_MS[interval]));
    return [
      this.bucketPrefix,
      interval,
      String(first + skipped * INTERVAL_MS[interval]),
      String(count - skipped),
      String(INTERVAL_MS[interval]),
    ];
  }

  async countInteractions(): Promise<number> {
    const count = await this.connection.run((client) => client.get(this.interactionsKey));
    return Number(count ?? 0);
  }
}

/** A bucket's flat HGETALL reply as counts: `total` and `t:<type>` fields. */
function countsOf(fields: string[]): Omit<SeriesPoint, 't'> {
  let total = 0;
  const byType: Record<string, number> = {};
  for (let i = 0; i < fields.length; i += 2) {
    const [field, value] = [fields[i], Number(fields[i + 1])];
    if (field === 'total') total = value;
    else if (field.startsWith('t:')) {
      // defineProperty: a type named `__proto__` is data, not a prototype.
      Object.defineProperty(byType, field.slice(2), {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return { total, byType };
}

/** `items` in runs of at most `size`. */
function chunk<T>(items: readonly T[], size: number): T[][] {
  const runs: T[][] = [];
  for (let i = 0; i < items.length; i += size) runs.push(items.slice(i, i + size));
  return runs;
}
