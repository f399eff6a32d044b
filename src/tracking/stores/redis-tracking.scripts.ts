import { RedisScript } from '../../redis/redis-script';

/*
 * Lua scripts of the Redis tracking store. Each runs atomically on the server,
 * so counts stay exact across instances. The keys they touch are listed on
 * RedisTrackingStore.
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
 * Records one interaction atomically: the resource's hash, its place in the
 * totals ranking and in the activity order, and the global count; then drops
 * the least recently active resources beyond the bound. The global count is
 * also the activity sequence, so "least recent" never ties. A type new to the
 * resource beyond its bound of types changes nothing and answers -1.
 *
 * It also counts the interaction in its minute and hour buckets (see
 * {@link RedisTrackingStore}), which expire on their own after their retention.
 *
 * KEYS: totals, activity, interactions, resource hash
 * ARGV: resource id, type, now (ms), max resources, resource hash prefix,
 *       bucket prefix, max types, reserved type,
 *       then per interval (minute, hour): name, start, expire-at (ms)
 */
export const RECORD_SCRIPT = new RedisScript(`${ACCEPTS_TYPE}
if not accepts(KEYS[4], ARGV[2], ARGV[7], ARGV[8]) then return -1 end
local sequence = redis.call('INCR', KEYS[3])
local total = redis.call('HINCRBY', KEYS[4], 'total', 1)
redis.call('HINCRBY', KEYS[4], 't:' .. ARGV[2], 1)
redis.call('HSETNX', KEYS[4], 'firstAt', ARGV[3])
-- The life of the resource: the sequence number of its first interaction, unique.
redis.call('HSETNX', KEYS[4], 'life', sequence)
local since = redis.call('HGET', KEYS[4], 'life')
for i = 9, #ARGV, 3 do
  local interval, start, expireAt = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local ranking = ARGV[6] .. 'w:' .. interval .. ':' .. start
  local counts = ARGV[6] .. 's:' .. interval .. ':' .. start .. ':' .. ARGV[1]
  local all = ARGV[6] .. 'n:' .. interval .. ':' .. start
  redis.call('ZINCRBY', ranking, -1, ARGV[1])
  -- Counts left in this bucket by an earlier life of the resource (dropped, then tracked again) go.
  if redis.call('HGET', counts, 'since') ~= since then
    redis.call('DEL', counts)
    redis.call('HSET', counts, 'since', since)
  end
  redis.call('HINCRBY', counts, 'total', 1)
  redis.call('HINCRBY', counts, 't:' .. ARGV[2], 1)
  redis.call('INCR', all)
  for _, key in ipairs({ ranking, counts, all }) do redis.call('PEXPIREAT', key, expireAt) end
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
 * Whether RECORD_SCRIPT would accept a type for a resource now: 1 or 0.
 *
 * KEYS: resource hash
 * ARGV: type, max types, reserved type
 */
export const ACCEPTS_TYPE_SCRIPT = new RedisScript(`${ACCEPTS_TYPE}
return accepts(KEYS[1], ARGV[1], ARGV[2], ARGV[3]) and 1 or 0
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
 * Candidates for the top of a window: the union of the window's bucket
 * rankings (ZUNIONSTORE, never a scan), read highest first. A resource no
 * longer tracked is skipped. One tracked again since the window began (so
 * some of its counts may predate its return) is counted afresh from its own
 * buckets. Reading stops once `limit` rows are known to beat every candidate
 * left, whose union count bounds their true count from above.
 *
 * ARGV: bucket prefix, interval, first start, count, step, limit, resource hash prefix
 * Returns id, total, lastAt triples; the caller orders them and keeps `limit`.
 */
export const TOP_WITHIN_SCRIPT = new RedisScript(`
local prefix, interval = ARGV[1], ARGV[2]
local first, count, step, limit = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
if count <= 0 then return {} end
local function start(i) return string.format('%d', first + i * step) end
local union = prefix .. 'window-union'
redis.call('DEL', union)
-- unpack() gives at most about 8000 values (7 days of minutes are 10081): union in batches.
for i = 0, count - 1, 1000 do
  local keys = { union }
  for j = i, math.min(i + 999, count - 1) do
    keys[#keys + 1] = prefix .. 'w:' .. interval .. ':' .. start(j)
  end
  redis.call('ZUNIONSTORE', union, #keys, unpack(keys))
end
local out, totals, offset = {}, {}, 0
local done = false
while not done do
  local page = redis.call('ZRANGE', union, offset, offset + 199, 'WITHSCORES')
  if #page == 0 then break end
  offset = offset + 200
  for i = 1, #page, 2 do
    local id, bound = page[i], -tonumber(page[i + 1])
    local above = 0
    for _, total in ipairs(totals) do if total > bound then above = above + 1 end end
    if above >= limit then
      done = true
      break
    end
    local resource = ARGV[7] .. id
    local since = redis.call('HGET', resource, 'life')
    if since then
      local total = bound
      if tonumber(redis.call('HGET', resource, 'firstAt')) >= first then
        total = 0
        for j = 0, count - 1 do
          local key = prefix .. 's:' .. interval .. ':' .. start(j) .. ':' .. id
          if redis.call('HGET', key, 'since') == since then
            total = total + tonumber(redis.call('HGET', key, 'total') or '0')
          end
        end
      end
      if total > 0 then
        totals[#totals + 1] = total
        out[#out + 1] = id
        out[#out + 1] = total
        out[#out + 1] = redis.call('HGET', resource, 'lastAt') or '0'
      end
    end
  end
end
redis.call('DEL', union)
return out
`);
