import { RedisScript } from '../../redis/redis-script';

/*
 * Lua scripts of the Redis tracking store. Each runs atomically on the server,
 * so counts stay exact across instances. The keys they touch are listed on
 * RedisTrackingStore. Each run touches one shard only: the keys it is given
 * and those it derives from the shard's prefixes share the shard's hash tag
 * (on a cluster), hence one slot, and KEYS[1] is always one of them, so a
 * cluster runs it on the node that holds them.
 */

/**
 * Defines `accepts(hash, type, maxTypes, reserved)`: whether a resource's
 * hash may count `type` (a type it has, the reserved one, or a new one while
 * its other types leave a place). Its types are its `t:<type>` fields, all its
 * fields but total, firstAt, life and lastAt. Buckets hold a subset of them.
 */
const ACCEPTS_TYPE = `
local function accepts(hash, type, maxTypes, reserved)
  if type == reserved or redis.call('HEXISTS', hash, 't:' .. type) == 1 then return true end
  local others = redis.call('HLEN', hash)
  for _, field in ipairs({ 'total', 'firstAt', 'life', 'lastAt', 't:' .. reserved }) do
    others = others - redis.call('HEXISTS', hash, field)
  end
  return others < tonumber(maxTypes) - 1
end
`;

/**
 * Records one interaction atomically in the resource's shard: the resource's
 * hash, its place in the shard's totals ranking and activity order, and the
 * shard's count; then drops the shard's least recently active resources
 * beyond its bound. The shard's count is also its activity sequence, so
 * "least recent" never ties, and a resource's life (the sequence of its first
 * interaction) is unique: a resource always lives in the same shard. A type
 * new to the resource beyond its bound of types changes nothing and answers -1.
 *
 * It also counts the interaction in its minute and hour buckets (see
 * {@link RedisTrackingStore}), which expire on their own after their retention,
 * and keeps each bucket's leaders: a sorted set of at most `leaders` members
 * `<id>\0<life>` scored by their negated count in the bucket. ZADD, then
 * ZPOPMAX of the weakest beyond the bound: O(log leaders), whatever the
 * number of resources.
 *
 * KEYS: the shard's totals, activity, interactions, the resource's hash
 * ARGV: resource id, type, now (ms), max resources of the shard, resource hash prefix,
 *       bucket prefix, leaders per bucket, max types, reserved type,
 *       then per interval (minute, hour): name, start, expire-at (ms)
 */
export const RECORD_SCRIPT = new RedisScript(`${ACCEPTS_TYPE}
if not accepts(KEYS[4], ARGV[2], ARGV[8], ARGV[9]) then return -1 end
local sequence = redis.call('INCR', KEYS[3])
local total = redis.call('HINCRBY', KEYS[4], 'total', 1)
redis.call('HINCRBY', KEYS[4], 't:' .. ARGV[2], 1)
redis.call('HSETNX', KEYS[4], 'firstAt', ARGV[3])
-- The life of the resource: the sequence number of its first interaction, unique.
redis.call('HSETNX', KEYS[4], 'life', sequence)
local since = redis.call('HGET', KEYS[4], 'life')
local bound = tonumber(ARGV[7])
for i = 10, #ARGV, 3 do
  local interval, start, expireAt = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local leaders = ARGV[6] .. 'l:' .. interval .. ':' .. start
  local counts = ARGV[6] .. 's:' .. interval .. ':' .. start .. ':' .. ARGV[1]
  local all = ARGV[6] .. 'n:' .. interval .. ':' .. start
  -- Counts left in this bucket by an earlier life of the resource (dropped, then tracked again) go.
  if redis.call('HGET', counts, 'since') ~= since then
    redis.call('DEL', counts)
    redis.call('HSET', counts, 'since', since)
  end
  local count = redis.call('HINCRBY', counts, 'total', 1)
  redis.call('HINCRBY', counts, 't:' .. ARGV[2], 1)
  redis.call('INCR', all)
  redis.call('ZADD', leaders, -count, ARGV[1] .. '\\0' .. since)
  if redis.call('ZCARD', leaders) > bound then redis.call('ZPOPMAX', leaders) end
  for _, key in ipairs({ leaders, counts, all }) do redis.call('PEXPIREAT', key, expireAt) end
end
local lastAt = tonumber(redis.call('HGET', KEYS[4], 'lastAt') or '0')
if tonumber(ARGV[3]) > lastAt then redis.call('HSET', KEYS[4], 'lastAt', ARGV[3]) end
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
`);

/**
 * The top of the ranking with each row's last activity, in one round trip.
 * Totals are stored negated so that ZRANGE lists the highest first and ties by id.
 */
export const TOP_SCRIPT = new RedisScript(`
local rows = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
local out = {}
for i = 1, #rows, 2 do
  out[#out + 1] = rows[i]
  out[#out + 1] = rows[i + 1]
  out[#out + 1] = redis.call('HGET', ARGV[2] .. rows[i], 'lastAt') or '0'
end
return out
`);

/**
 * One resource's counts per bucket of a range. A bucket counts only if it
 * belongs to the resource as it is now (its `since` is the resource's
 * `life`: the sequence number of its first interaction, unique where a time
 * may repeat): a resource dropped by the bound and tracked again starts afresh.
 *
 * KEYS: resource hash
 * ARGV: bucket prefix, interval, first start, count, step, resource id
 * Returns one flat field/value list per bucket, oldest first.
 */
export const SERIES_SCRIPT = new RedisScript(`
local since = redis.call('HGET', KEYS[1], 'life')
local first, step = tonumber(ARGV[3]), tonumber(ARGV[5])
local out = {}
for i = 0, tonumber(ARGV[4]) - 1 do
  local fields = {}
  if since then
    local key = ARGV[1] .. 's:' .. ARGV[2] .. ':' .. string.format('%d', first + i * step) .. ':' .. ARGV[6]
    if redis.call('HGET', key, 'since') == since then fields = redis.call('HGETALL', key) end
  end
  out[#out + 1] = fields
end
return out
`);

/**
 * The interactions counted in consecutive buckets of one interval, across
 * resources. KEYS: any key of the shard (not read: it routes the call)
 * ARGV: bucket prefix, interval, first start, count, step
 * Returns, for each bucket that counted something, its offset from the first
 * and its count: most buckets of a long range on a sharded keyspace are empty.
 */
export const ACTIVITY_SCRIPT = new RedisScript(`
local first, step = tonumber(ARGV[3]), tonumber(ARGV[5])
local out = {}
for i = 0, tonumber(ARGV[4]) - 1 do
  local count = redis.call('GET', ARGV[1] .. 'n:' .. ARGV[2] .. ':' .. string.format('%d', first + i * step))
  if count then
    out[#out + 1] = i
    out[#out + 1] = count
  end
end
return out
`);

/**
 * The first leaders of some buckets of one shard, for a windowed top list.
 * It stops after the bucket that brings what it has read to `budget` (it
 * reads one bucket at least), so that each run stays short however full the
 * buckets are, and a window of sparse buckets is read in one run.
 *
 * KEYS: any key of the shard (not read: it routes the call to the shard's node)
 * ARGV: leaders key prefix (`<p>:tracking:l:`), how many per bucket, budget
 *       (leaders), then each bucket as `<interval>:<start>`
 * Returns per bucket read (the first ones, in order) its flat member/score
 * list, strongest first.
 */
export const LEADERS_SCRIPT = new RedisScript(`
local out = {}
local last, budget, read = tonumber(ARGV[2]) - 1, tonumber(ARGV[3]), 0
for i = 4, #ARGV do
  local leaders = redis.call('ZRANGE', ARGV[1] .. ARGV[i], 0, last, 'WITHSCORES')
  out[#out + 1] = leaders
  read = read + #leaders / 2
  if read >= budget then break end
end
return out
`);

/**
 * Checks candidates of a windowed top list, all in one shard: is each still
 * tracked in the same life, when was it last active, and what are its counts
 * in the given buckets (a count belongs to the resource as it is now only if
 * the bucket's `since` is its life).
 *
 * KEYS: any key of the shard (not read: it routes the call to the shard's node)
 * ARGV: resource hash prefix, counts key prefix (`<p>:tracking:s:`), then per
 *       resource: id, life, how many buckets, and each as `<interval>:<start>`
 * Returns per resource its last interaction (-1 when gone) and the sum of its counts.
 */
export const CHECK_SCRIPT = new RedisScript(`
local out = {}
local i = 3
while i <= #ARGV do
  local id, life, count = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local resource = redis.call('HMGET', ARGV[1] .. id, 'life', 'lastAt')
  local sum = 0
  if resource[1] == life then
    for j = i + 3, i + 2 + count do
      local fields = redis.call('HMGET', ARGV[2] .. ARGV[j] .. ':' .. id, 'since', 'total')
      if fields[1] == life then sum = sum + tonumber(fields[2]) end
    end
    out[#out + 1] = resource[2]
  else
    out[#out + 1] = '-1'
  end
  out[#out + 1] = sum
  i = i + 3 + count
end
return out
`);

/** About the most keys one run of {@link LEADERS_SCRIPT} or {@link CHECK_SCRIPT} reads, so each run is short. */
export const KEYS_PER_SCRIPT = 1000;
