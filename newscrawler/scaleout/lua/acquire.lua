-- ACQUIRE: reserve the next start of a request to a site, on the Redis server's clock.
-- KEYS: P:polite:<site> (hash: next start, shared back-off delay), P:holds:<site> (sorted set
-- token -> deadline). ARGV: token ("<worker>|<n>"), delay, places (0 = no limit), hold deadline
-- seconds, alive-key prefix, poll seconds, the site's normal delay (floor), back-off recovery.
-- Returns {1, delay used} when granted, else {0, seconds to wait}.
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local delay, places = tonumber(ARGV[2]), tonumber(ARGV[3])
local nxt = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
if places > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  local live = 0
  for _, token in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    local w = string.match(token, '^(.*)|[^|]*$')
    if w and redis.call('EXISTS', ARGV[5] .. w) == 1 then
      live = live + 1
    else
      redis.call('ZREM', KEYS[2], token)   -- its worker is dead
    end
  end
  if live >= places then
    return {0, string.format('%.6f', math.max(nxt - now, tonumber(ARGV[6])))}
  end
end
if nxt > now then return {0, string.format('%.6f', nxt - now)} end
local shared = tonumber(redis.call('HGET', KEYS[1], 'backoff') or '0')
if shared > 0 then
  -- another worker was told to slow down: every worker does; each start recovers a little
  local floor, recovery = tonumber(ARGV[7]), tonumber(ARGV[8])
  delay = math.max(delay, shared)
  local after = math.max(floor, shared - (shared - floor) * recovery)
  if after <= floor + 0.01 then
    redis.call('HDEL', KEYS[1], 'backoff')
  else
    redis.call('HSET', KEYS[1], 'backoff', string.format('%.6f', after))
  end
end
redis.call('HSET', KEYS[1], 'next', string.format('%.17g', now + delay))
redis.call('PEXPIRE', KEYS[1], math.floor((delay + 3600) * 1000))
if places > 0 then
  redis.call('ZADD', KEYS[2], string.format('%.17g', now + tonumber(ARGV[4])), ARGV[1])
  redis.call('PEXPIRE', KEYS[2], math.floor((tonumber(ARGV[4]) + 60) * 1000))
end
return {1, string.format('%.6f', delay)}
