-- BACK_OFF: a 429 made some worker double its delay: share it.
-- KEYS: P:polite:<site>. ARGV: delay.
if tonumber(ARGV[1]) > tonumber(redis.call('HGET', KEYS[1], 'backoff') or '0') then
  redis.call('HSET', KEYS[1], 'backoff', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], math.floor((tonumber(ARGV[1]) + 3600) * 1000))
end
return 1
