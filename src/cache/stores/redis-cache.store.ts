import type { BeforeApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import Keyv from 'keyv';
import type { KeyvStoreAdapter } from 'keyv';
import { compareUtf8 } from '../../common/utf8-order';
import type { RedisConnection } from '../../redis/redis-connection';
import { RedisKeyspace } from '../../redis/redis-keyspace';
import { RedisKeyTracking } from '../../redis/redis-key-tracking';
import type {
  CacheEntry,
  DeleteOutcome,
  ListPage,
  ListQuery,
  Precondition,
  PurgeSelector,
  WriteOutcome,
} from '../cache-entry';
import { NO_NEAR_CACHE } from '../cache-store';
import type {
  CacheAccessCounter,
  CacheCounters,
  CacheStore,
  NearCacheActivity,
} from '../cache-store';
import {
  ACTIVITY_SCRIPT,
  DELETE_SCRIPT,
  INCREMENT_BATCH_SCRIPT,
  INCREMENT_SCRIPT,
  LIST_SCRIPT,
  READ_SCRIPT,
  PURGE_BATCH_SCRIPT,
  SWEEP_SCRIPT,
  WRITE_SCRIPT,
} from './redis-cache.scripts';
import {
  BUCKET_INTERVALS,
  bucketExpiry,
  bucketOf,
  DEFAULT_RETENTION,
  INTERVAL_MS,
  keptRuns,
} from '../../time-series/time-buckets';
import type { BucketRange, BucketRetention } from '../../time-series/time-buckets';
import { NearCache } from './near-cache';
import { PendingCounts } from './pending-counts';
import type { TakenCounts } from './pending-counts';
import { SweepSchedule } from './sweep-schedule';

/** Settings of {@link RedisCacheStore}. */
export interface RedisCacheStoreOptions {
  /** Prefix of every key, so that deployments can share one Redis. */
  namespace: string;
  /**
   * How ids map to shards and keys (default: one Redis, one shard, keys
   * prefixed by `namespace`). On a cluster, one hash-tagged shard per slot group.
   */
  keyspace?: RedisKeyspace;
  /** How often expired entries are counted and unindexed, in milliseconds. */
  sweepIntervalMs: number;
  /** How long per-minute and per-hour activity counts are kept. */
  retention?: BucketRetention;
  /**
   * Most entries of the near cache, an in-process copy of recently read
   * entries kept coherent by Redis's invalidation messages; 0 (default): none.
   */
  nearCacheMaxEntries?: number;
}

/**
 * How often the near cache's hits are added to the shared counters, at most:
 * how far behind `/stats` can be.
 */
export const NEAR_HITS_FLUSH_MS = 200;

/**
 * Longest time a near copy is served without Redis having confirmed, on the
 * tracking connection, that every change until then was heard: how long an
 * instance cut off from Redis without a reset can serve an old value.
 */
export const NEAR_CACHE_LEASE_MS = 1000;

/**
 * Most time between two sweeps of an instance (unless CACHE_SWEEP_INTERVAL_MS
 * is longer): sweeps otherwise run when an entry is due, so an idle instance
 * calls Redis about once a minute.
 */
const IDLE_SWEEP_MS = 60_000;
/** Most index entries one sweep or purge step handles. */
const BATCH = 1000;
/** Most ids one listing request visits per shard (expired ones included), whatever the page size. */
const LIST_BUDGET = 5000;
/** Most buckets one run of ACTIVITY_SCRIPT reads, so each run is short. */
const BUCKETS_PER_SCRIPT = 1000;
/** Most shards read at once by a purge, a sweep or a long series. */
const SHARDS_AT_ONCE = 8;
/**
 * The upper bound of a prefix range: the prefix followed by the byte 0xFF,
 * which never occurs in UTF-8 (a string '\xff' would be sent as C3 BF).
 */
function prefixUpperBound(prefix: string): Buffer {
  return Buffer.concat([Buffer.from(`[${prefix}`, 'utf8'), Buffer.from([0xff])]);
}

interface KeyvRecord {
  value: CacheEntry;
  expires?: number;
}

/** The keys of one shard (see `redis-cache.scripts.ts`). */
interface ShardKeys {
  /** expiry, ids, etags, tags: the index keys every script starts with. */
  index: string[];
  valuePrefix: string;
  tagPrefix: string;
  stats: string;
  bucketPrefix: string;
  evictionsSeen: string;
}

/** What one shard's listing script answered. */
interface ShardPage {
  entries: ListPage['entries'];
  /** The last id it visited when more may follow, or `undefined` when it visited all. */
  next: string | undefined;
}

/**
 * Cache store on Redis, shared by every instance that uses the same Redis and
 * namespace. Entries are written by Lua scripts (see `redis-cache.scripts.ts`)
 * because a value and its indexes (expiry, ids, tags, entity tags) must
 * change together and conditional writes must not race. Counters live in a
 * hash per shard, moved with HINCRBY by the same scripts.
 *
 * The keyspace splits ids into shards ({@link RedisKeyspace}): one on a
 * single Redis, several hash-tagged ones on a cluster, where an entry and its
 * shard's indexes share a slot, so every script stays atomic on one node.
 * Views of every entry (listing, purge, counts, counters) read each shard and merge.
 *
 * With `nearCacheMaxEntries`, entries read are kept in process too and served
 * from there until they expire or Redis says they changed (a tracking
 * connection of its own); the hits served so are added to the counters in
 * batches. It lives here rather than in a decorator of the port because it
 * hooks the store's own write path (shared by `setIf` and the Keyv adapter)
 * and counts with its buckets and scripts. See docs/near-cache.md.
 */
export class RedisCacheStore implements CacheStore, OnModuleDestroy, BeforeApplicationShutdown {
  readonly name = 'redis';
  /** Redis bounds memory itself (`maxmemory` and its eviction policy). */
  readonly maxEntries = null;
  readonly keyv: Keyv;

  private readonly keyspace: RedisKeyspace;
  private readonly shards: readonly ShardKeys[];
  private readonly retention: BucketRetention;
  private readonly sweeps: SweepSchedule;
  private readonly near: NearCacheParts | undefined;
  /** The shard that counts the next count made without a key, in turn, so none is hot. */
  private nextCountingShard = 0;

  constructor(
    private readonly connection: RedisConnection,
    {
      namespace,
      keyspace = RedisKeyspace.single(namespace),
      sweepIntervalMs,
      retention = DEFAULT_RETENTION,
      nearCacheMaxEntries = 0,
    }: RedisCacheStoreOptions,
  ) {
    this.retention = retention;
    this.keyspace = keyspace;
    this.shards = keyspace.all().map((shard) => shardKeys(keyspace.prefix(shard)));
    this.keyv = new Keyv(this.keyvAdapter(), {
      serialize: undefined,
      deserialize: undefined,
      useKeyPrefix: false,
      throwOnErrors: true,
    });
    this.keyv.on('error', () => undefined);
    this.sweeps = new SweepSchedule(() => this.sweepDue(), {
      minIntervalMs: sweepIntervalMs,
      idleMs: Math.max(sweepIntervalMs, IDLE_SWEEP_MS),
    });
    this.sweeps.start();
    if (nearCacheMaxEntries > 0) this.near = this.openNearCache(namespace, nearCacheMaxEntries);
  }

  async setIf(
    key: string,
    entry: CacheEntry,
    ttlMs: number,
    precondition: Precondition,
    countAsSet = true,
  ): Promise<WriteOutcome> {
    const result = await this.write(key, entry, ttlMs, precondition, countAsSet);
    return result < 0
      ? { written: false, reason: 'precondition-failed' }
      : { written: true, created: result === 1 };
  }

  async readCounted(key: string): Promise<CacheEntry | undefined> {
    const near = this.near;
    if (!near) return this.readShared(key);
    const { cache } = near;
    const now = Date.now();
    const copy = near.tracking.vouches(now) ? cache.lookup(key, now) : undefined;
    if (copy) {
      // Counted here; a timer adds the batch to Redis soon, one call for all of them.
      near.hits.add(now);
      this.scheduleNearHitsFlush(near);
      return copy;
    }
    const read = cache.beginRead(key);
    let entry: CacheEntry | undefined;
    try {
      entry = await this.readShared(key);
    } finally {
      cache.endRead(read, entry, Date.now());
    }
    return entry;
  }

  /** Reads from Redis and counts a hit or a miss there, in one round trip. */
  private async readShared(key: string): Promise<CacheEntry | undefined> {
    const keys = this.keysOf(key);
    const value = keys.valuePrefix + key;
    const json = await this.connection.run(
      (client) =>
        READ_SCRIPT.evaluate(client, {
          keys: [value, keys.stats],
          arguments: [String(Date.now()), ...this.bucketArguments(keys, Date.now())],
        }),
      value,
    );
    return typeof json === 'string' ? (JSON.parse(json) as KeyvRecord).value : undefined;
  }

  async deleteIf(key: string, precondition: Precondition): Promise<DeleteOutcome> {
    const keys = this.keysOf(key);
    const value = keys.valuePrefix + key;
    const result = await this.changing(key, () =>
      this.connection.run(
        (client) =>
          DELETE_SCRIPT.evaluate(client, {
            keys: [...keys.index, value],
            arguments: [key, keys.tagPrefix, ...preconditionArguments(precondition)],
          }),
        value,
      ),
    );
    return result === 1 ? 'deleted' : result === 0 ? 'absent' : 'precondition-failed';
  }

  /**
   * Each shard lists its page after the same id; the merged page keeps only
   * ids up to where every shard has looked, so no id is skipped, and the
   * next page starts after its last id, as on one shard.
   */
  async list({ prefix = '', tag, after, limit }: ListQuery): Promise<ListPage> {
    const start =
      after !== undefined && compareUtf8(after, prefix) >= 0 ? `(${after}` : `[${prefix}`;
    const end = prefix ? prefixUpperBound(prefix) : '+';
    const pages = await this.eachShard((keys) => this.listShard(keys, tag, start, end, limit));
    let seenUpTo: string | undefined;
    for (const { next } of pages) {
      if (next !== undefined && (seenUpTo === undefined || compareUtf8(next, seenUpTo) < 0)) {
        seenUpTo = next;
      }
    }
    const candidates = pages
      .flatMap(({ entries }) => entries)
      .filter(({ key }) => seenUpTo === undefined || compareUtf8(key, seenUpTo) <= 0)
      .sort((a, b) => compareUtf8(a.key, b.key));
    if (candidates.length > limit) {
      const entries = candidates.slice(0, limit);
      return { entries, next: entries[entries.length - 1].key };
    }
    return { entries: candidates, next: seenUpTo };
  }

  private async listShard(
    keys: ShardKeys,
    tag: string | undefined,
    start: string,
    end: string | Buffer,
    limit: number,
  ): Promise<ShardPage> {
    const source = tag === undefined ? keys.index[1] : keys.tagPrefix + tag;
    const reply = (await this.connection.run(
      (client) =>
        LIST_SCRIPT.evaluate(client, {
          keys: [...keys.index, source],
          arguments: [
            start,
            end,
            String(limit),
            String(LIST_BUDGET),
            String(Date.now()),
            keys.valuePrefix,
          ],
        }),
      source,
    )) as string[];
    const [next, ...flat] = reply;
    const entries = [];
    for (let i = 0; i < flat.length; i += 3) {
      entries.push({
        key: flat[i],
        expiresAt: Number(flat[i + 1]),
        tags: JSON.parse(flat[i + 2]) as string[],
      });
    }
    return { entries, next: next === '' ? undefined : next };
  }

  purge(selector: PurgeSelector): Promise<number> {
    // Which ids go is only known in Redis: the near cache forgets them all.
    return this.changing(undefined, async () => {
      const purged = await this.eachShard((keys) => this.purgeShard(keys, selector));
      return purged.reduce((sum, count) => sum + count, 0);
    });
  }

  private async purgeShard(keys: ShardKeys, { prefix = '', tag }: PurgeSelector): Promise<number> {
    const source = tag === undefined ? keys.index[1] : keys.tagPrefix + tag;
    let purged = 0;
    for (;;) {
      const [visited, deleted] = (await this.connection.run(
        (client) =>
          PURGE_BATCH_SCRIPT.evaluate(client, {
            keys: [...keys.index, source],
            arguments: [
              `[${prefix}`,
              prefix ? prefixUpperBound(prefix) : '+',
              String(BATCH),
              keys.valuePrefix,
              keys.tagPrefix,
            ],
          }),
        source,
      )) as [number, number];
      purged += deleted;
      if (visited < BATCH) return purged;
    }
  }

  async countEntries(): Promise<number> {
    const now = Date.now();
    const counts = await this.eachShard(({ index: [expiry] }) =>
      this.connection.run((client) => client.zCount(expiry, `(${now}`, '+inf'), expiry),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  /**
   * Counts in the shards in turn (they are summed): when one is down (its
   * master, on a cluster), the next takes the count, so a request on a shard
   * that answers does not fail for another's.
   */
  async increment(counter: CacheAccessCounter, by = 1): Promise<void> {
    for (let tries = 1; ; tries++) {
      const keys = this.countingShard();
      try {
        await this.connection.run(async (client) => {
          await INCREMENT_SCRIPT.evaluate(client, {
            keys: [keys.stats],
            arguments: [counter, String(by), ...this.bucketArguments(keys, Date.now())],
          });
        }, keys.stats);
        return;
      } catch (error) {
        if (tries >= Math.min(this.shards.length, 3)) throw error;
      }
    }
  }

  async activity(range: BucketRange): Promise<CacheCounters[]> {
    const step = String(INTERVAL_MS[range.interval]);
    const runs = keptRuns(range, Date.now(), this.retention, BUCKETS_PER_SCRIPT);
    const points = Array.from({ length: range.count }, () => countersOf({}, 0));
    await this.eachShard(({ bucketPrefix, stats }) =>
      Promise.all(
        runs.map(async ({ first, count, offset }) => {
          const reply = (await this.connection.run(
            (client) =>
              ACTIVITY_SCRIPT.evaluate(client, {
                keys: [stats],
                arguments: [bucketPrefix, range.interval, String(first), String(count), step],
              }),
            stats,
          )) as Array<number | string[]>;
          for (let i = 0; i < reply.length; i += 2) {
            addCounters(points[offset + (reply[i] as number)], reply[i + 1] as string[]);
          }
        }),
      ),
    );
    return points;
  }

  failedCalls(): number {
    return this.connection.failedCalls;
  }

  async readCounters(): Promise<CacheCounters> {
    const [stored, infos] = await Promise.all([
      this.eachShard(({ stats }) => this.connection.run((client) => client.hGetAll(stats), stats)),
      this.connection.runOnEachMaster((client) => client.info('stats')),
    ]);
    // Redis does not say which keys it evicted: this is its server-wide count, of every master.
    const evicted = infos.reduce(
      (sum, info) => sum + Number(/evicted_keys:(\d+)/.exec(info)?.[1] ?? 0),
      0,
    );
    return { ...sumCounters(stored.map((hash) => countersOf(hash, 0))), evicted };
  }

  /** Counts and unindexes entries Redis has expired. Resolves how many. */
  async sweepExpired(): Promise<number> {
    return (await this.sweep())?.expired ?? 0;
  }

  nearCache(): NearCacheActivity {
    if (!this.near) return NO_NEAR_CACHE;
    const { cache, tracking, counts } = this.near;
    return {
      enabled: true,
      active: cache.active && tracking.tracking,
      entries: cache.size,
      hits: cache.hits,
      invalidations: counts.invalidations,
      flushes: counts.flushes,
    };
  }

  onModuleDestroy(): void {
    this.sweeps.stop();
  }

  /**
   * Before the shared connection closes (on application shutdown, after
   * this): the near cache stops serving, so reads still under way count in
   * Redis themselves, and its last hits are added.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const near = this.near;
    if (!near) return;
    near.closed = true;
    clearTimeout(near.flushTimer);
    near.tracking.close();
    // A batch already on its way may fail and come back: the last flush waits for it.
    await near.flushing;
    await this.flushNearHits(near);
  }

  /**
   * The near cache, and the connection on which Redis says which of its keys
   * changed. One Redis only (the configuration refuses it on a cluster):
   * one shard, one prefix.
   */
  private openNearCache(namespace: string, maxEntries: number): NearCacheParts {
    const cache = new NearCache(maxEntries);
    const counts = { invalidations: 0, flushes: 0 };
    const tracking = new RedisKeyTracking(
      this.connection,
      {
        prefix: this.shards[0].valuePrefix,
        connectionName: `lapse-near-cache:${namespace}`,
        leaseMs: NEAR_CACHE_LEASE_MS,
      },
      {
        on: () => cache.activate(),
        off: () => cache.deactivate(),
        invalidated: (key) => {
          counts.invalidations += 1;
          if (key === null) cache.invalidateAll();
          else cache.invalidate(key);
        },
      },
    );
    return {
      cache,
      tracking,
      counts,
      hits: new PendingCounts(this.retention),
      flushTimer: undefined,
      flushing: undefined,
      closed: false,
    };
  }

  private scheduleNearHitsFlush(near: NearCacheParts): void {
    if (near.flushTimer !== undefined || near.closed) return;
    near.flushTimer = setTimeout(() => {
      near.flushTimer = undefined;
      const flushing = this.flushNearHits(near).finally(() => {
        if (near.flushing === flushing) near.flushing = undefined;
      });
      near.flushing = flushing;
    }, NEAR_HITS_FLUSH_MS);
    // A pending batch does not keep the process alive; shutdown flushes it.
    near.flushTimer.unref();
  }

  /** Adds the near hits counted so far to Redis's counters; kept for the next try if that fails. */
  private async flushNearHits(near: NearCacheParts): Promise<void> {
    const taken = near.hits.take();
    if (!taken) return;
    const keys = this.countingShard();
    try {
      // While Redis is away: no failing call per beat, the batch waits.
      if (!this.connection.isReady) throw new Error('Redis is not connected');
      await this.connection.run(
        (client) =>
          INCREMENT_BATCH_SCRIPT.evaluate(client, {
            keys: [keys.stats],
            arguments: incrementBatchArguments('hits', taken, keys.bucketPrefix),
          }),
        keys.stats,
      );
      near.counts.flushes += 1;
    } catch {
      near.hits.restore(taken);
    }
    if (near.hits.pending) this.scheduleNearHitsFlush(near);
  }

  /**
   * Runs a change of `key` (undefined: of any key) with the near cache
   * forgetting it before, so that reads begun earlier do not keep the old
   * value, and after, for what reads kept meanwhile: this instance never
   * reads its own change late, whenever Redis's message about it arrives.
   */
  private async changing<T>(key: string | undefined, change: () => Promise<T>): Promise<T> {
    const forget = (): void => {
      if (!this.near) return;
      if (key === undefined) this.near.cache.invalidateAll();
      else this.near.cache.invalidate(key);
    };
    forget();
    try {
      return await change();
    } finally {
      forget();
    }
  }

  /** One sweep; resolves the earliest expiry left, when the next is due. */
  private async sweepDue(): Promise<number | undefined> {
    const swept = await this.sweep();
    // Redis is down: look again after the least interval (without calling it).
    if (!swept) return Date.now();
    return swept.nextExpiry < 0 ? undefined : swept.nextExpiry;
  }

  /**
   * Runs the sweep script on every shard; `undefined` while the connection
   * is down. Resolves how many expired, and the earliest expiry left (-1: none).
   */
  private async sweep(): Promise<{ expired: number; nextExpiry: number } | undefined> {
    if (!this.connection.isReady) return undefined;
    // Eviction counts are per server: on a cluster no shard can file them alone.
    const fileEvictions = this.keyspace.hashTagged ? '0' : '1';
    const swept = await this.eachShard(async (keys) => {
      const [expired, nextExpiry] = (await this.connection.run(
        (client) =>
          SWEEP_SCRIPT.evaluate(client, {
            keys: [...keys.index, keys.stats, keys.evictionsSeen],
            arguments: [
              String(Date.now()),
              String(BATCH),
              keys.valuePrefix,
              keys.tagPrefix,
              ...this.bucketArguments(keys, Date.now()),
              fileEvictions,
            ],
          }),
        keys.stats,
      )) as [number, number];
      return { expired: Number(expired), nextExpiry: Number(nextExpiry) };
    });
    const left = swept.map(({ nextExpiry }) => nextExpiry).filter((at) => at >= 0);
    return {
      expired: swept.reduce((sum, { expired }) => sum + expired, 0),
      nextExpiry: left.length > 0 ? Math.min(...left) : -1,
    };
  }

  /** Runs `work` on every shard, at most {@link SHARDS_AT_ONCE} at a time; resolves in shard order. */
  private async eachShard<T>(work: (keys: ShardKeys) => Promise<T>): Promise<T[]> {
    const results = new Array<T>(this.shards.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < this.shards.length) {
        const shard = next++;
        results[shard] = await work(this.shards[shard]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(SHARDS_AT_ONCE, this.shards.length) }, worker));
    return results;
  }

  /** The keys of the shard `id` belongs to. */
  private keysOf(id: string): ShardKeys {
    return this.shards[this.keyspace.shardOf(id)];
  }

  /** The shard that counts a count made without an id: each in turn. */
  private countingShard(): ShardKeys {
    const keys = this.shards[this.nextCountingShard];
    this.nextCountingShard = (this.nextCountingShard + 1) % this.shards.length;
    return keys;
  }

  /** Where the scripts count activity at `now`: prefix, then start and expiry per interval. */
  private bucketArguments({ bucketPrefix }: ShardKeys, now: number): string[] {
    return [
      bucketPrefix,
      ...BUCKET_INTERVALS.flatMap((interval) => {
        const start = bucketOf(now, interval);
        return [String(start), String(bucketExpiry(start, interval, this.retention))];
      }),
    ];
  }

  /** Runs the write script; resolves 1 created, 0 replaced, -1 precondition failed. */
  private async write(
    key: string,
    entry: CacheEntry,
    ttlMs: number,
    precondition: Precondition,
    countAsSet: boolean,
  ): Promise<number> {
    this.sweeps.wakeBy(entry.expiresAt);
    const keys = this.keysOf(key);
    const value = keys.valuePrefix + key;
    // `expires` last and equal to the entry's own expiry: READ_SCRIPT reads it there.
    const json = JSON.stringify({ value: entry, expires: entry.expiresAt });
    const result = await this.changing(key, () =>
      this.connection.run(
        (client) =>
          WRITE_SCRIPT.evaluate(client, {
            keys: [...keys.index, value, keys.stats],
            arguments: [
              key,
              json,
              String(ttlMs),
              String(entry.expiresAt),
              entry.etag,
              JSON.stringify(entry.tags),
              keys.tagPrefix,
              String(Date.now()),
              ...preconditionArguments(precondition),
              ...this.bucketArguments(keys, Date.now()),
              countAsSet ? '1' : '0',
              ...entry.tags,
            ],
          }),
        value,
      ),
    );
    return Number(result);
  }

  private keyvAdapter(): KeyvStoreAdapter {
    const { connection } = this;
    const valueKey = (key: string): string => this.keysOf(key).valuePrefix + key;
    // A Map-like store for Keyv (serialisation off: records are objects). The
    // connection bounds every call and turns failures into StoreUnavailableError.
    // It has no disconnect(): the shared connection is closed by its owner,
    // not by cache-manager.
    const adapter = {
      get: async (key: string) => {
        const json = await connection.run((client) => client.get(valueKey(key)), valueKey(key));
        return json === null ? undefined : (JSON.parse(json) as KeyvRecord);
      },
      set: async (key: string, record: KeyvRecord, ttl?: number) => {
        // Plain writes through Keyv are counted by whoever made them.
        const ttlMs = ttl ?? record.value.expiresAt - record.value.storedAt;
        await this.write(key, record.value, ttlMs, {}, false);
        return true;
      },
      delete: async (key: string) => (await this.deleteIf(key, {})) === 'deleted',
      clear: () => this.purge({}),
      has: async (key: string) =>
        (await connection.run((client) => client.exists(valueKey(key)), valueKey(key))) === 1,
    };
    return adapter as unknown as KeyvStoreAdapter;
  }
}

/** The keys of the shard whose keys start with `prefix`. */
function shardKeys(prefix: string): ShardKeys {
  return {
    index: ['expiry', 'ids', 'etags', 'tags'].map((name) => `${prefix}:cache-${name}`),
    valuePrefix: `${prefix}:cache:`,
    tagPrefix: `${prefix}:tag:`,
    stats: `${prefix}:stats`,
    bucketPrefix: `${prefix}:stats:`,
    evictionsSeen: `${prefix}:stats-evictions-seen`,
  };
}

/** The sum of some counters, field by field. */
function sumCounters(counters: readonly CacheCounters[]): CacheCounters {
  const sum = countersOf({}, 0);
  for (const one of counters) {
    for (const field of Object.keys(sum) as Array<keyof CacheCounters>) sum[field] += one[field];
  }
  return sum;
}

/** The parts of a near cache and what they counted. */
interface NearCacheParts {
  cache: NearCache;
  tracking: RedisKeyTracking;
  /** Hits served near, not yet added to Redis's counters. */
  hits: PendingCounts;
  counts: { invalidations: number; flushes: number };
  flushTimer: NodeJS.Timeout | undefined;
  /** The batch on its way to Redis, if any. */
  flushing: Promise<void> | undefined;
  /** Set on shutdown: nothing is scheduled any more. */
  closed: boolean;
}

/** INCREMENT_BATCH_SCRIPT's arguments for `taken` counts of `counter`. */
function incrementBatchArguments(
  counter: CacheAccessCounter,
  { total, buckets }: TakenCounts,
  bucketPrefix: string,
): string[] {
  return [
    counter,
    String(total),
    bucketPrefix,
    ...buckets.flatMap(({ interval, start, expireAt, count }) => [
      interval,
      String(start),
      String(expireAt),
      String(count),
    ]),
  ];
}

/** Adds a bucket's counts, as HGETALL's flat field/value list, to `sum`. */
function addCounters(sum: CacheCounters, flat: readonly string[]): void {
  for (let i = 0; i < flat.length; i += 2) {
    const field = flat[i] as keyof CacheCounters;
    if (Object.hasOwn(sum, field)) sum[field] += Number(flat[i + 1]);
  }
}

/** Counters from a stats hash (fields absent until first counted), with `evicted` as given. */
function countersOf(hash: Record<string, string>, evicted: number): CacheCounters {
  const count = (field: keyof CacheCounters): number => Number(hash[field] ?? 0);
  return {
    hits: count('hits'),
    misses: count('misses'),
    sets: count('sets'),
    deletes: count('deletes'),
    expired: count('expired'),
    evicted,
  };
}

/** The precondition as the scripts take it: mode and newline-separated tags, twice. */
function preconditionArguments({ ifMatch, ifNoneMatch }: Precondition): string[] {
  const encode = (tags: readonly string[] | '*' | undefined): [string, string] =>
    tags === undefined ? ['', ''] : tags === '*' ? ['*', ''] : ['list', tags.join('\n')];
  return [...encode(ifMatch), ...encode(ifNoneMatch)];
}
