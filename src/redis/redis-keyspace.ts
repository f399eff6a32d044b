import { Logger } from '@nestjs/common';
import { ErrorReply } from '@redis/client';
import { crc32 } from 'node:zlib';
import type { RedisConnection } from './redis-connection';

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
    if (!Number.isInteger(shards) || shards < 1) {
      throw new RangeError('shards must be a positive integer');
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

/** Where a cluster's namespace records its number of shards. */
export function shardCountKey(namespace: string): string {
  return `${namespace}:shards`;
}

/**
 * The keyspace of `namespace` on a cluster: the number of shards recorded
 * there by the first instance to start, else `wanted`, recorded now (SET NX,
 * so two first instances agree). Waits while the cluster does not answer,
 * trying again every second: an instance that guessed the count could file
 * ids in the wrong shards. Fails when the cluster refuses (a wrong password,
 * say) or holds a count that is not one.
 */
export async function openClusterKeyspace(
  connection: RedisConnection,
  namespace: string,
  wanted: number,
): Promise<RedisKeyspace> {
  const logger = new Logger(RedisKeyspace.name);
  const key = shardCountKey(namespace);
  await connection.onModuleInit();
  for (let attempt = 1; ; attempt++) {
    let recorded: string | null;
    try {
      recorded = await connection.run(async (client) => {
        await client.set(key, String(wanted), { condition: 'NX' });
        return client.get(key);
      }, key);
    } catch (error) {
      const reply = error instanceof Error ? error.cause : undefined;
      if (reply instanceof ErrorReply) {
        throw new Error(`The Redis Cluster refused to say its number of shards: ${reply.message}`, {
          cause: error,
        });
      }
      if (attempt === 1) {
        logger.error(
          'Cannot read the number of shards from the Redis Cluster yet; ' +
            'trying again every second before serving',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      continue;
    }
    const shards = Number(recorded);
    if (!Number.isInteger(shards) || shards < 1) {
      throw new Error(
        `${key} in the Redis Cluster holds ${JSON.stringify(recorded)}, not a number of shards`,
      );
    }
    if (shards !== wanted) {
      logger.warn(
        `The cluster's namespace ${namespace} has ${shards} shards (REDIS_SHARDS=${wanted} ` +
          'is for a new namespace): using its count',
      );
    }
    return RedisKeyspace.cluster(namespace, shards);
  }
}
