-- PAUSE: nobody starts a request to the site before now + seconds (Retry-After).
-- KEYS: P:polite:<site>. ARGV: seconds.
local t = redis.call('TIME')
local until_ = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
if until_ > tonumber(redis.call('HGET', KEYS[1], 'next') or '0') then
  redis.call('HSET', KEYS[1], 'next', string.format('%.17g', until_))
  redis.call('PEXPIRE', KEYS[1], math.floor((tonumber(ARGV[1]) + 3600) * 1000))
end
return string.format('%.6f', until_)
