/**
 * Lua scripts of the Redis cache store. Each runs atomically on the server,
 * so a value and its indexes never disagree, conditional writes cannot race,
 * and instances sweeping together count each expiry once.
 *
 * Keys per shard `<s>` (the namespace itself on one Redis, `{<namespace>:<n>}`
 * on a cluster: see RedisKeyspace), each shard's ids in its own indexes:
 * - `<s>:cache:<id>`   the entry, as JSON, with Redis's own expiry (PX)
 * - `<s>:cache-expiry` sorted set: id → expiry (epoch ms)
 * - `<s>:cache-ids`    sorted set, all scores 0: ids in byte order, for prefix listing
 * - `<s>:cache-etags`  hash: id → entity tag
 * - `<s>:cache-tags`   hash: id → JSON array of its tags
 * - `<s>:tag:<tag>`    sorted set, all scores 0: ids carrying the tag
 * - `<s>:stats`        hash of counters
 * - `<s>:stats:<interval>:<start>` hash of counters per minute and hour bucket, expiring
 * - `<s>:stats-evictions-seen` Redis's eviction count at the last sweep
 *
 * Every entry's JSON ends with its `"expires":<epoch ms>}`, which is how
 * READ_SCRIPT judges expiry without decoding the value.
 *
 * Tag and bucket keys are derived inside the scripts from a shard's prefix:
 * on a cluster that prefix is a hash tag, so they share the slot of the keys
 * a script is given.
 */

import { RedisScript } from '../../redis/redis-script';

/**
 * KEYS: expiry, ids, etags, tags. Removes an id from every index; the caller
 * removes the value itself.
 */
const UNINDEX = `
local function unindex(id, tagPrefix)
  local tags = redis.call('HGET', KEYS[4], id)
  if tags then
    for _, tag in ipairs(cjson.decode(tags)) do redis.call('ZREM', tagPrefix .. tag, id) end
  end
  redis.call('HDEL', KEYS[4], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[1], id)
end
`;

/**
 * Adds to a counter of the current minute and hour buckets, each a hash
 * that expires after its retention. Takes its five arguments from ARGV[at]:
 * bucket prefix, minute start, minute expire-at, hour start, hour expire-at.
 */
const COUNT_IN_BUCKETS = `
local function countInBuckets(at, field, by)
  for offset, interval in ipairs({ 'minute', 'hour' }) do
    local start = at + offset * 2 - 1
    local key = ARGV[at] .. interval .. ':' .. ARGV[start]
    redis.call('HINCRBY', key, field, by)
    redis.call('PEXPIREAT', key, ARGV[start + 1])
  end
end
`;

/**
 * Checks If-Match / If-None-Match against the current tag.
 * mode: '' (absent), '*' (any entry), 'list' (one of the newline-separated tags).
 */
const PRECONDITION = `
local function listed(list, tag)
  if not tag then return false end
  for candidate in string.gmatch(list, '[^\\n]+') do
    if candidate == tag then return true end
  end
  return false
end
local function holds(exists, current, ifMatchMode, ifMatch, ifNoneMatchMode, ifNoneMatch)
  if ifMatchMode ~= '' then
    if not exists then return false end
    if ifMatchMode == 'list' and not listed(ifMatch, current) then return false end
  end
  if ifNoneMatchMode ~= '' and exists then
    if ifNoneMatchMode == '*' or listed(ifNoneMatch, current) then return false end
  end
  return true
end
`;

/**
 * Writes an entry and its indexes, if the precondition holds, and counts the
 * write as a set when asked to.
 * KEYS: expiry, ids, etags, tags, value, stats
 * ARGV: id, json, ttlMs, expiresAt, etag, tagsJson, tagPrefix, now,
 *       ifMatchMode, ifMatch, ifNoneMatchMode, ifNoneMatch, 5 bucket arguments,
 *       countAsSet ('1' or '0'), tag...
 * Returns 1 created, 0 replaced, -1 precondition failed.
 */
export const WRITE_SCRIPT = new RedisScript(`${UNINDEX}${PRECONDITION}${COUNT_IN_BUCKETS}
local id = ARGV[1]
local exists = redis.call('EXISTS', KEYS[5]) == 1
local current = exists and redis.call('HGET', KEYS[3], id)
if not holds(exists, current, ARGV[9], ARGV[10], ARGV[11], ARGV[12]) then return -1 end
if not exists then
  local due = redis.call('ZSCORE', KEYS[1], id)
  if due and tonumber(due) <= tonumber(ARGV[8]) then
    redis.call('HINCRBY', KEYS[6], 'expired', 1)
    countInBuckets(13, 'expired', 1)
  end
end
unindex(id, ARGV[7])
redis.call('SET', KEYS[5], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[4], id)
redis.call('ZADD', KEYS[2], 0, id)
redis.call('HSET', KEYS[3], id, ARGV[5])
if #ARGV > 18 then
  redis.call('HSET', KEYS[4], id, ARGV[6])
  for i = 19, #ARGV do redis.call('ZADD', ARGV[7] .. ARGV[i], 0, id) end
end
if ARGV[18] == '1' then
  redis.call('HINCRBY', KEYS[6], 'sets', 1)
  countInBuckets(13, 'sets', 1)
end
if exists then return 0 end
return 1
`);

/**
 * Reads an entry and counts a hit or a miss for it, in one round trip. An
 * entry is live while its value exists and its `expires` is ahead of `now`
 * (the caller's clock, which judges expiry everywhere else too).
 * KEYS: value, stats
 * ARGV: now, 5 bucket arguments
 * Returns the entry's JSON, or nil.
 */
export const READ_SCRIPT = new RedisScript(`${COUNT_IN_BUCKETS}
local json = redis.call('GET', KEYS[1])
local live = false
if json then
  local expires = string.match(string.sub(json, -40), '"expires":(%d+)}$')
  live = expires ~= nil and tonumber(expires) > tonumber(ARGV[1])
end
local counter = live and 'hits' or 'misses'
redis.call('HINCRBY', KEYS[2], counter, 1)
countInBuckets(2, counter, 1)
if live then return json end
return false
`);

/**
 * Adds to a counter, in the totals and in the current buckets.
 * KEYS: stats
 * ARGV: counter, by, 5 bucket arguments
 */
export const INCREMENT_SCRIPT = new RedisScript(`${COUNT_IN_BUCKETS}
redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
countInBuckets(3, ARGV[1], tonumber(ARGV[2]))
`);

/**
 * Adds a batch of counts made in one process (the near cache's hits) to a
 * counter: the total, then each bucket's share, so that the series is what
 * counting one by one would have made of it.
 * KEYS: stats
 * ARGV: counter, total, bucket prefix, then per bucket: interval, start, expire-at, count
 */
export const INCREMENT_BATCH_SCRIPT = new RedisScript(`
redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
for i = 4, #ARGV, 4 do
  local key = ARGV[3] .. ARGV[i] .. ':' .. ARGV[i + 1]
  redis.call('HINCRBY', key, ARGV[1], ARGV[i + 3])
  redis.call('PEXPIREAT', key, ARGV[i + 2])
end
`);

/**
 * Deletes an entry and its indexes, if it exists and the precondition holds.
 * KEYS: expiry, ids, etags, tags, value
 * ARGV: id, tagPrefix, ifMatchMode, ifMatch, ifNoneMatchMode, ifNoneMatch
 * Returns 1 deleted, 0 absent, -1 precondition failed.
 */
export const DELETE_SCRIPT = new RedisScript(`${UNINDEX}${PRECONDITION}
local id = ARGV[1]
if redis.call('EXISTS', KEYS[5]) == 0 then return 0 end
local current = redis.call('HGET', KEYS[3], id)
if not holds(true, current, ARGV[3], ARGV[4], ARGV[5], ARGV[6]) then return -1 end
redis.call('UNLINK', KEYS[5])
unindex(id, ARGV[2])
return 1
`);

/**
 * Deletes one batch of the entries in a lexicographic range of a sorted set
 * (all ids, or a tag's). KEYS: expiry, ids, etags, tags, source
 * ARGV: min, max, batch, valuePrefix, tagPrefix
 * Returns { members visited, live entries deleted }.
 */
export const PURGE_BATCH_SCRIPT = new RedisScript(`${UNINDEX}
local members = redis.call('ZRANGEBYLEX', KEYS[5], ARGV[1], ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local deleted = 0
for _, id in ipairs(members) do
  deleted = deleted + redis.call('UNLINK', ARGV[4] .. id)
  unindex(id, ARGV[5])
end
return { #members, deleted }
`);

/**
 * A page of live entries from a lexicographic range of a sorted set, visiting
 * at most \`budget\` members. An entry is live while its value exists (Redis
 * may have evicted it) and its expiry is ahead.
 * KEYS: expiry, ids, etags, tags, source
 * ARGV: min, max, limit, budget, now, valuePrefix
 * Returns { next id or '', id, expiresAt, tagsJson, id, expiresAt, tagsJson, ... }.
 */
export const LIST_SCRIPT = new RedisScript(`
local min, max = ARGV[1], ARGV[2]
local limit, budget, now = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local out, found, last, exhausted = {}, 0, nil, false
while found < limit and budget > 0 do
  local batch = redis.call('ZRANGEBYLEX', KEYS[5], min, max, 'LIMIT', 0, math.min(budget, limit - found))
  if #batch == 0 then
    exhausted = true
    break
  end
  for _, id in ipairs(batch) do
    budget = budget - 1
    last = id
    min = '(' .. id
    local expiresAt = redis.call('ZSCORE', KEYS[1], id)
    if expiresAt and tonumber(expiresAt) > now and redis.call('EXISTS', ARGV[6] .. id) == 1 then
      found = found + 1
      out[#out + 1] = id
      out[#out + 1] = expiresAt
      out[#out + 1] = redis.call('HGET', KEYS[4], id) or '[]'
    end
  end
end
local next = ''
if not exhausted and last and #redis.call('ZRANGEBYLEX', KEYS[5], min, max, 'LIMIT', 0, 1) > 0 then
  next = last
end
return { next, unpack(out) }
`);

/**
 * Counts and unindexes entries Redis has expired. ZREM answers 1 to one caller
 * only, so instances sweeping together count each expiry once. An entry whose
 * value still lives (its index lagged) is re-filed under its real expiry.
 * It also files Redis's evictions since the last sweep (of any instance)
 * under the current buckets: Redis does not say which keys it evicted, so
 * this is its server-wide count.
 * Returns how many it reclaimed and the earliest expiry left (-1: none), so
 * that the next sweep can wait until then.
 * KEYS: expiry, ids, etags, tags, stats, evictions seen
 * ARGV: now, batch, valuePrefix, tagPrefix, 5 bucket arguments, file evictions
 *       ('1' on one Redis; '0' on a cluster, where a node's count is not a shard's)
 */
export const SWEEP_SCRIPT = new RedisScript(`${UNINDEX}${COUNT_IN_BUCKETS}
if ARGV[10] == '1' then
  local evicted = tonumber(string.match(redis.call('INFO', 'stats'), 'evicted_keys:(%d+)') or '0')
  local seen = tonumber(redis.call('GET', KEYS[6]) or '-1')
  if seen >= 0 and evicted > seen then countInBuckets(5, 'evicted', evicted - seen) end
  redis.call('SET', KEYS[6], evicted)
end
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local expired = 0
for _, id in ipairs(due) do
  local left = redis.call('PTTL', ARGV[3] .. id)
  if left > 0 then
    redis.call('ZADD', KEYS[1], now + left, id)
  elseif redis.call('ZREM', KEYS[1], id) == 1 then
    expired = expired + 1
    unindex(id, ARGV[4])
  end
end
if expired > 0 then
  redis.call('HINCRBY', KEYS[5], 'expired', expired)
  countInBuckets(5, 'expired', expired)
end
local head = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {expired, tonumber(head[2] or '-1')}
`);

/**
 * The counters of consecutive buckets of one interval, in one round trip
 * (a long range would otherwise be one HGETALL per bucket, per shard).
 * KEYS: stats (only to route the call: the bucket keys share its shard)
 * ARGV: bucket prefix, interval, first start, count, step
 * Returns, for each bucket that counted something, its offset from the
 * first and its flat field/value list: most buckets of a long range on a
 * sharded keyspace are empty, and are neither sent nor merged.
 */
export const ACTIVITY_SCRIPT = new RedisScript(`
local first, step = tonumber(ARGV[3]), tonumber(ARGV[5])
local out = {}
for i = 0, tonumber(ARGV[4]) - 1 do
  local fields = redis.call('HGETALL', ARGV[1] .. ARGV[2] .. ':' .. string.format('%d', first + i * step))
  if #fields > 0 then
    out[#out + 1] = i
    out[#out + 1] = fields
  end
end
return out
`);
