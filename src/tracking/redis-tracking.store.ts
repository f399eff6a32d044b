import type { RedisConnection } from '../redis/redis-connection';
import type { InteractionSummary, TopResource, TrackingStore } from './tracking-store';

/**
 * Records one interaction atomically: the resource's hash, its place in the
 * totals ranking and in the activity order, and the global count; then drops
 * the least recently active resources beyond the bound. The global count is
 * also the activity sequence, so "least recent" never ties.
 *
 * KEYS: totals, activity, interactions, resource hash
 * ARGV: resource id, type, now (ms), max resources, resource hash prefix
 */
const RECORD_SCRIPT = `
local total = redis.call('HINCRBY', KEYS[4], 'total', 1)
redis.call('HINCRBY', KEYS[4], 't:' .. ARGV[2], 1)
redis.call('HSETNX', KEYS[4], 'firstAt', ARGV[3])
local lastAt = tonumber(redis.call('HGET', KEYS[4], 'lastAt') or '0')
if tonumber(ARGV[3]) > lastAt then redis.call('HSET', KEYS[4], 'lastAt', ARGV[3]) end
local sequence = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], -total, ARGV[1])
redis.call('ZADD', KEYS[2], sequence, ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if excess > 0 then
  local dropped = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #dropped, 2 do
    redis.call('ZREM', KEYS[1], dropped[i])
    redis.call('DEL', ARGV[5] .. dropped[i])
  end
end
return total
`;

/**
 * The top of the ranking with each row's last activity, in one round trip.
 * Totals are stored negated so that ZRANGE lists the highest first and ties by id.
 */
const TOP_SCRIPT = `
local rows = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
local out = {}
for i = 1, #rows, 2 do
  out[#out + 1] = rows[i]
  out[#out + 1] = rows[i + 1]
  out[#out + 1] = redis.call('HGET', ARGV[2] .. rows[i], 'lastAt') or '0'
end
return out
`;

/** Settings of {@link RedisTrackingStore}. */
export interface RedisTrackingStoreOptions {
  namespace: string;
  maxResources: number;
}

/**
 * Tracker on Redis, exact across instances: every update is one Lua script,
 * run atomically by the server. `top()` reads a sorted set, never a scan.
 *
 * Keys: `<ns>:tracking:totals`, `<ns>:tracking:activity` (sorted sets),
 * `<ns>:tracking:interactions` (counter), `<ns>:tracking:r:<id>` (hash per resource).
 */
export class RedisTrackingStore implements TrackingStore {
  private readonly totalsKey: string;
  private readonly activityKey: string;
  private readonly interactionsKey: string;
  private readonly resourcePrefix: string;
  private readonly maxResources: number;

  constructor(
    private readonly connection: RedisConnection,
    { namespace, maxResources }: RedisTrackingStoreOptions,
  ) {
    this.totalsKey = `${namespace}:tracking:totals`;
    this.activityKey = `${namespace}:tracking:activity`;
    this.interactionsKey = `${namespace}:tracking:interactions`;
    this.resourcePrefix = `${namespace}:tracking:r:`;
    this.maxResources = maxResources;
  }

  async record(resourceId: string, type: string, at: number): Promise<number> {
    const total = await this.connection.run((client) =>
      client.eval(RECORD_SCRIPT, {
        keys: [
          this.totalsKey,
          this.activityKey,
          this.interactionsKey,
          this.resourcePrefix + resourceId,
        ],
        arguments: [resourceId, type, String(at), String(this.maxResources), this.resourcePrefix],
      }),
    );
    return Number(total);
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
      client.eval(TOP_SCRIPT, {
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

  async countInteractions(): Promise<number> {
    const count = await this.connection.run((client) => client.get(this.interactionsKey));
    return Number(count ?? 0);
  }
}
