-- CONFIRM: the granted request is being sent now: the next start is counted from now, not
-- from the grant (a busy reactor may send a request late).
-- KEYS: P:polite:<site>. ARGV: delay.
local t = redis.call('TIME')
local later = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
if later > tonumber(redis.call('HGET', KEYS[1], 'next') or '0') then
  redis.call('HSET', KEYS[1], 'next', string.format('%.17g', later))
end
return 1
