import { compareUtf8 } from '../../common/utf8-order';
import type { RedisConnection } from '../../redis/redis-connection';
import { RedisKeyspace } from '../../redis/redis-keyspace';
import {
  BUCKET_INTERVALS,
  bucketExpiry,
  bucketOf,
  bucketStarts,
  coveringBuckets,
  INTERVAL_MS,
  keptRuns,
} from '../../time-series/time-buckets';
import type { BucketRange, BucketRef, BucketRetention } from '../../time-series/time-buckets';
import { BUCKET_LEADERS, leaderMember, parseLeaderMember, topOfWindow } from '../window-top';
import type { Check, Checked, Leader, WindowSource } from '../window-top';
import type {
  InteractionSummary,
  SeriesPoint,
  TopResource,
  TrackingStore,
  TypeBound,
} from '../tracking-store';
import { DEFAULT_TYPE_BOUND } from '../tracking-store';
import {
  ACTIVITY_SCRIPT,
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
  /**
   * How resources map to shards and keys (default: one Redis, one shard,
   * keys prefixed by `namespace`). On a cluster, one hash-tagged shard per slot group.
   */
  keyspace?: RedisKeyspace;
  /**
   * Most resources remembered. With several shards, each shard keeps
   * `ceil(maxResources / shards)` of them (see {@link RedisTrackingStore}).
   */
  maxResources: number;
  /** How many distinct types each resource keeps; default {@link DEFAULT_TYPE_BOUND}. */
  types?: TypeBound;
  retention: BucketRetention;
}

/** Most shards read at once by a view that loops over them. */
const SHARDS_AT_ONCE = 8;

/** The keys of one shard (see the class's TSDoc). */
interface ShardKeys {
  totals: string;
  activity: string;
  /** The shard's count of interactions, also its sequence; the key calls to the shard are routed by. */
  interactions: string;
  resourcePrefix: string;
  bucketPrefix: string;
}

/**
 * Tracker on Redis, exact across instances: every update is one Lua script,
 * run atomically by the server. `top()` reads a sorted set per shard, never a scan.
 *
 * Keys, with `<p>` the prefix of a shard ({@link RedisKeyspace}: the
 * namespace itself on one Redis, `{<ns>:<shard>}` on a cluster):
 * `<p>:tracking:totals`, `<p>:tracking:activity` (sorted sets),
 * `<p>:tracking:interactions` (counter), `<p>:tracking:r:<id>` (hash per
 * resource), and per bucket (`<i>` is `minute` or `hour`, `<t>` its start),
 * each expiring after its retention: `<p>:tracking:l:<i>:<t>` (its leaders,
 * a sorted set of at most `BUCKET_LEADERS` members `<id>\0<life>` scored by
 * negated counts), `<p>:tracking:s:<i>:<t>:<id>` (a resource's counts by
 * type) and `<p>:tracking:n:<i>:<t>` (all interactions). A resource lives in
 * the shard `keyspace.shardOf(id)`; its keys and its shard's share a hash
 * tag, hence a slot, so the scripts may derive bucket keys from prefixes.
 *
 * Each shard is bounded on its own: it keeps `ceil(maxResources / shards)`
 * resources and drops its least recently recorded beyond that, so a resource
 * may be dropped while other shards hold older ones, and the store as a whole
 * keeps up to `shards - 1` more than `maxResources` (fewer when ids spread
 * unevenly). An exact global LRU would need one key touched by every
 * interaction, the very hot spot sharding avoids. With one shard (one Redis)
 * the bound is exactly `maxResources`, least recently recorded first.
 *
 * Views of every resource read each shard and merge, exactly: `top()` merges
 * each shard's top, `activity()` and `countInteractions()` add up the
 * shards, and a windowed top list merges each shard's bucket leaders: the
 * first `depth` of the union, in one sorted set's order, are among the first
 * `depth` of their shards, and a resource left out of a cut list has at most
 * its last leader's count, as on one shard. A windowed top list runs no
 * writing script: bounded reads of the leaders of the window's buckets, then
 * of a few resources (see `topOfWindow`), sent together as small commands
 * that other clients' commands interleave with.
 */
export class RedisTrackingStore implements TrackingStore {
  private readonly keyspace: RedisKeyspace;
  private readonly shards: readonly ShardKeys[];
  /** How many resources each shard keeps. */
  private readonly perShard: number;
  private readonly types: TypeBound;
  private readonly retention: BucketRetention;
  private readonly window: WindowSource = {
    leaders: async (buckets, depth) => {
      const perShard = await this.eachShard((keys) => this.shardLeaders(keys, buckets, depth));
      if (perShard.length === 1) return perShard[0];
      // Per bucket, the first `depth` of the union, in the order of one shard's sorted set.
      return buckets.map((_, i) =>
        perShard
          .flatMap((lists) => lists[i])
          .sort(compareLeaders)
          .slice(0, depth),
      );
    },
    check: async (resources) => {
      const byShard = new Map<number, number[]>();
      resources.forEach(({ resourceId }, i) => {
        const shard = this.keyspace.shardOf(resourceId);
        const indexes = byShard.get(shard);
        if (indexes) indexes.push(i);
        else byShard.set(shard, [i]);
      });
      const found = new Array<Checked | undefined>(resources.length);
      const groups = [...byShard];
      await mapAtMost(groups, SHARDS_AT_ONCE, async ([shard, indexes]) => {
        const checked = await this.checkShard(
          this.shards[shard],
          indexes.map((i) => resources[i]),
        );
        indexes.forEach((index, j) => (found[index] = checked[j]));
      });
      return found;
    },
  };

  constructor(
    private readonly connection: RedisConnection,
    {
      namespace,
      keyspace = RedisKeyspace.single(namespace),
      maxResources,
      types = DEFAULT_TYPE_BOUND,
      retention,
    }: RedisTrackingStoreOptions,
  ) {
    this.keyspace = keyspace;
    this.shards = keyspace.all().map((shard) => shardKeys(keyspace.prefix(shard)));
    this.perShard = Math.ceil(maxResources / keyspace.shards);
    this.types = types;
    this.retention = retention;
  }

  async record(resourceId: string, type: string, at: number): Promise<number | undefined> {
    const keys = this.keysOf(resourceId);
    const hash = keys.resourcePrefix + resourceId;
    const total = await this.connection.run(
      (client) =>
        RECORD_SCRIPT.evaluate(client, {
          keys: [keys.totals, keys.activity, keys.interactions, hash],
          arguments: [
            resourceId,
            type,
            String(at),
            String(this.perShard),
            keys.resourcePrefix,
            keys.bucketPrefix,
            String(BUCKET_LEADERS),
            String(this.types.maxTypes),
            this.types.reserved,
            ...BUCKET_INTERVALS.flatMap((interval) => {
              const start = bucketOf(at, interval);
              return [
                interval,
                String(start),
                String(bucketExpiry(start, interval, this.retention)),
              ];
            }),
          ],
        }),
      hash,
    );
    return Number(total) < 0 ? undefined : Number(total);
  }

  async summary(resourceId: string): Promise<InteractionSummary | undefined> {
    const hash = this.keysOf(resourceId).resourcePrefix + resourceId;
    const fields = await this.connection.run((client) => client.hGetAll(hash), hash);
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

  /** Each shard's first `limit`, merged: the first `limit` of all are among them. */
  async top(limit: number): Promise<TopResource[]> {
    // ZRANGE 0 -1 would mean "everything".
    if (limit <= 0) return [];
    const perShard = await this.eachShard(async ({ totals, resourcePrefix }) => {
      const flat = (await this.connection.run(
        (client) =>
          TOP_SCRIPT.evaluate(client, {
            keys: [totals],
            arguments: [String(limit), resourcePrefix],
          }),
        totals,
      )) as string[];
      const rows: TopResource[] = [];
      for (let i = 0; i < flat.length; i += 3) {
        rows.push({
          resourceId: flat[i],
          total: -Number(flat[i + 1]),
          lastAt: Number(flat[i + 2]),
        });
      }
      return rows;
    });
    if (perShard.length === 1) return perShard[0];
    return perShard
      .flat()
      .sort((a, b) => b.total - a.total || compareUtf8(a.resourceId, b.resourceId))
      .slice(0, limit);
  }

  async series(resourceId: string, range: BucketRange): Promise<SeriesPoint[]> {
    const keys = this.keysOf(resourceId);
    const hash = keys.resourcePrefix + resourceId;
    const buckets = (await this.connection.run(
      (client) =>
        SERIES_SCRIPT.evaluate(client, {
          keys: [hash],
          arguments: [...this.rangeArguments(keys, range), resourceId],
        }),
      hash,
    )) as string[][];
    // The script answers only the buckets still kept: those skipped at the start are zeros.
    const skipped = range.count - buckets.length;
    return bucketStarts(range).map((t, i) => ({ t, ...countsOf(buckets[i - skipped] ?? []) }));
  }

  topWithin(window: BucketRange, limit: number): Promise<TopResource[]> {
    return topOfWindow(this.window, coveringBuckets(window, Date.now(), this.retention), limit);
  }

  async activity(range: BucketRange): Promise<number[]> {
    const step = String(INTERVAL_MS[range.interval]);
    const runs = keptRuns(range, Date.now(), this.retention, KEYS_PER_SCRIPT);
    const totals = new Array<number>(range.count).fill(0);
    await this.eachShard(({ bucketPrefix, interactions }) =>
      this.connection.run(
        (client) =>
          Promise.all(
            runs.map(async ({ first, count, offset }) => {
              const reply = (await ACTIVITY_SCRIPT.evaluate(client, {
                // Not read by the script: names the shard's slot, so a cluster routes the call there.
                keys: [interactions],
                arguments: [bucketPrefix, range.interval, String(first), String(count), step],
              })) as Array<number | string>;
              for (let i = 0; i < reply.length; i += 2) {
                totals[offset + (reply[i] as number)] += Number(reply[i + 1]);
              }
            }),
          ),
        interactions,
      ),
    );
    return totals;
  }

  async countInteractions(): Promise<number> {
    const counts = await this.eachShard(({ interactions }) =>
      this.connection.run((client) => client.get(interactions), interactions),
    );
    return counts.reduce((sum, count) => sum + Number(count ?? 0), 0);
  }

  /** A shard's first `depth` leaders of each bucket, strongest first. */
  private async shardLeaders(
    keys: ShardKeys,
    buckets: readonly BucketRef[],
    depth: number,
  ): Promise<Leader[][]> {
    const prefix = `${keys.bucketPrefix}l:`;
    const names = buckets.map(({ interval, start }) => `${interval}:${start}`);
    const runs = await this.connection.run(async (client) => {
      // Each run stops once it has read about KEYS_PER_SCRIPT leaders: the first ones.
      const readSome = (some: readonly string[]): Promise<string[][]> =>
        LEADERS_SCRIPT.evaluate(client, {
          // Not read by the script: names the shard's slot, so a cluster routes the call there.
          keys: [keys.interactions],
          arguments: [prefix, String(depth), String(KEYS_PER_SCRIPT), ...some],
        }) as Promise<string[][]>;
      const readAll = async (some: readonly string[]): Promise<string[][]> => {
        const lists = await readSome(some);
        return lists.length < some.length
          ? [...lists, ...(await readAll(some.slice(lists.length)))]
          : lists;
      };
      // One run reads a window of sparse buckets whole (most buckets of a
      // sharded keyspace are); the rest of full ones is read a few buckets
      // per run, the runs sent together.
      const head = await readSome(names);
      const perRun = Math.max(1, Math.floor(KEYS_PER_SCRIPT / depth));
      const tail = await Promise.all(chunk(names.slice(head.length), perRun).map(readAll));
      return [head, ...tail];
    }, keys.interactions);
    return runs.flat().map((flat) => {
      const leaders: Leader[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        leaders.push(parseLeaderMember(flat[i], -Number(flat[i + 1])));
      }
      return leaders;
    });
  }

  /** {@link WindowSource.check} of resources that all live in the shard of `keys`. */
  private async checkShard(
    keys: ShardKeys,
    resources: readonly Check[],
  ): Promise<Array<Checked | undefined>> {
    const runs: string[][] = [[]];
    let count = 0;
    for (const { resourceId, life, buckets } of resources) {
      if (count > 0 && count + buckets.length + 1 > KEYS_PER_SCRIPT) {
        runs.push([]);
        count = 0;
      }
      count += buckets.length + 1;
      runs[runs.length - 1].push(
        resourceId,
        life,
        String(buckets.length),
        ...buckets.map(({ interval, start }) => `${interval}:${start}`),
      );
    }
    const replies = await this.connection.run(
      (client) =>
        Promise.all(
          runs.map(
            (run) =>
              CHECK_SCRIPT.evaluate(client, {
                // Not read by the script: names the shard's slot, so a cluster routes the call there.
                keys: [keys.interactions],
                arguments: [keys.resourcePrefix, `${keys.bucketPrefix}s:`, ...run],
              }) as Promise<Array<string | number>>,
          ),
        ),
      keys.interactions,
    );
    const flat = replies.flat();
    return resources.map((_, i) => {
      const lastAt = Number(flat[2 * i]);
      return lastAt < 0 ? undefined : { lastAt, counts: Number(flat[2 * i + 1]) };
    });
  }

  /** Bucket prefix, interval, first start, count and step, as the scripts take them. */
  private rangeArguments({ bucketPrefix }: ShardKeys, range: BucketRange): string[] {
    // The buckets still kept, in one run (none when all are past their retention).
    const [run] = keptRuns(range, Date.now(), this.retention, Math.max(1, range.count));
    return [
      bucketPrefix,
      range.interval,
      String(run?.first ?? range.first),
      String(run?.count ?? 0),
      String(INTERVAL_MS[range.interval]),
    ];
  }

  /** Runs `work` on every shard, at most {@link SHARDS_AT_ONCE} at a time; resolves in shard order. */
  private eachShard<T>(work: (keys: ShardKeys) => Promise<T>): Promise<T[]> {
    return mapAtMost(this.shards, SHARDS_AT_ONCE, work);
  }

  /** The keys of the shard `id` belongs to. */
  private keysOf(id: string): ShardKeys {
    return this.shards[this.keyspace.shardOf(id)];
  }
}

/** The keys of the shard whose keys start with `prefix`. */
function shardKeys(prefix: string): ShardKeys {
  return {
    totals: `${prefix}:tracking:totals`,
    activity: `${prefix}:tracking:activity`,
    interactions: `${prefix}:tracking:interactions`,
    resourcePrefix: `${prefix}:tracking:r:`,
    bucketPrefix: `${prefix}:tracking:`,
  };
}

/**
 * The order of a bucket's leaders, as one shard's sorted set of negated
 * counts keeps them: highest count first, ties by member in UTF-8 byte order.
 */
function compareLeaders(a: Leader, b: Leader): number {
  return (
    b.count - a.count ||
    compareUtf8(leaderMember(a.resourceId, a.life), leaderMember(b.resourceId, b.life))
  );
}

/** `work` on each item, at most `atOnce` at a time; resolves in the items' order. */
async function mapAtMost<T, R>(
  items: readonly T[],
  atOnce: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, items.length) }, worker));
  return results;
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
