import { crc32 } from 'node:zlib';

/** Most shards a keyspace may have: every global view reads each of them. */
export const MAX_REDIS_SHARDS = 1024;

/**
 * Where a namespace's keys live: which shard an id belongs to, and the prefix
 * of that shard's keys.
 *
 * On a Redis Cluster, each shard's prefix is a hash tag, `{<namespace>:<shard>}`:
 * an entry's keys and its shard's index keys hash to one slot, so each write
 * stays one atomic script on one node, and resharding moves whole shards.
 * Views of every entry (listing, purge, top lists, counters) read every shard
 * and merge.
 *
 * On one Redis there is one shard whose prefix is the namespace itself: the
 * same code path, with the keys Lapse always used there.
 */
export class RedisKeyspace {
  private readonly prefixes: readonly string[];

  constructor(
    readonly namespace: string,
    readonly shards: number,
    /** Whether shard prefixes are hash tags (on a cluster). */
    readonly hashTagged: boolean,
  ) {
    if (!Number.isInteger(shards) || shards < 1 || shards > MAX_REDIS_SHARDS) {
      throw new RangeError(`shards must be an integer from 1 to ${MAX_REDIS_SHARDS}`);
    }
    if (!hashTagged && shards !== 1) {
      throw new RangeError('one Redis has one shard: several need hash tags (a cluster)');
    }
    this.prefixes = Array.from({ length: shards }, (_, shard) =>
      hashTagged ? `{${namespace}:${shard}}` : namespace,
    );
  }

  /** One Redis, one shard: keys are `<namespace>:…`, as before clusters. */
  static single(namespace: string): RedisKeyspace {
    return new RedisKeyspace(namespace, 1, false);
  }

  /** A cluster's keyspace of `shards` hash-tagged shards. */
  static cluster(namespace: string, shards: number): RedisKeyspace {
    return new RedisKeyspace(namespace, shards, true);
  }

  /** The shard of `id`: CRC-32 of its UTF-8 bytes, modulo the number of shards. */
  shardOf(id: string): number {
    return this.shards === 1 ? 0 : crc32(id) % this.shards;
  }

  /** The prefix of every key of `shard`, e.g. `{lapse:7}`. */
  prefix(shard: number): string {
    return this.prefixes[shard];
  }

  /** The prefix of the shard `id` belongs to. */
  prefixOf(id: string): string {
    return this.prefixes[this.shardOf(id)];
  }

  /** Every shard, in order. */
  all(): number[] {
    return Array.from({ length: this.shards }, (_, shard) => shard);
  }
}
