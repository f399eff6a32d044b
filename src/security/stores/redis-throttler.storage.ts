import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisConnection } from '../../redis/redis-connection';
import { RedisScript } from '../../redis/redis-script';

/** What `ThrottlerStorage.increment` resolves (the package does not export the type by name). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * A fixed window per key: the first hit starts it, every hit counts, all in
 * one atomic step. KEYS: counter. ARGV: window (ms).
 * Returns { hits in this window, ms left in it }.
 */
const HIT_SCRIPT = new RedisScript(`
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if hits == 1 or left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return { hits, left }
`);

/**
 * Rate-limit counters in Redis, so that a limit holds across every instance
 * sharing it. (`@nestjs/throttler` keeps them in process memory by default.)
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly connection: RedisConnection,
    private readonly namespace: string,
  ) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const counter = `${this.namespace}:throttle:${key}`;
    const [hits, left] = (await this.connection.run(
      (client) => HIT_SCRIPT.evaluate(client, { keys: [counter], arguments: [String(ttl)] }),
      counter,
    )) as [number, number];
    const secondsLeft = Math.ceil(left / 1000);
    const isBlocked = hits > limit;
    return {
      totalHits: hits,
      timeToExpire: secondsLeft,
      isBlocked,
      timeToBlockExpire: isBlocked ? secondsLeft : 0,
    };
  }
}
