-- LEASE: acknowledge what this worker is done with, then lease it the best request of the site
-- that has been ready longest, and move that site's ready time one delay on.
-- ARGV: C, P, worker, look-ahead seconds, then ids this worker is done with (acknowledged
-- first). Returns {id, payload} of the leased request, or false when no site can be served
-- within the look-ahead.
local C, P, worker, ahead = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local mine = worker .. '\t'
for i = 5, #ARGV do
  local v = redis.call('HGET', C .. ':leased', ARGV[i])
  if v and string.sub(v, 1, #mine) == mine then
    redis.call('HDEL', C .. ':leased', ARGV[i])
    redis.call('HDEL', C .. ':req', ARGV[i])
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local sites = C .. ':sites'
for _ = 1, 64 do
  local head = redis.call('ZRANGEBYSCORE', sites, '-inf', now + ahead, 'WITHSCORES', 'LIMIT', 0, 1)
  if #head == 0 then return false end
  local site, ready = head[1], tonumber(head[2])
  local q = C .. ':q:' .. site
  local nxt = tonumber(redis.call('HGET', P .. ':polite:' .. site, 'next') or '0')
  if nxt > now + ahead then
    redis.call('ZADD', sites, string.format('%.17g', nxt), site)   -- paused (Retry-After)
  else
    local popped = redis.call('ZPOPMIN', q)
    if #popped == 0 then
      redis.call('ZREM', sites, site)
    else
      local id = popped[1]
      redis.call('DECR', C .. ':pending')
      redis.call('HSET', C .. ':leased', id, mine .. site .. '\t' .. popped[2])
      local gap = tonumber(redis.call('HGET', C .. ':gap', site) or '0')
      local later = string.format('%.17g', math.max(ready, now, nxt) + gap)
      if redis.call('EXISTS', q) == 1 then
        redis.call('ZADD', sites, later, site)
      else
        redis.call('ZREM', sites, site)
        redis.call('HSET', C .. ':ready', site, later)
      end
      return {id, redis.call('HGET', C .. ':req', id)}
    end
  end
end
return false
