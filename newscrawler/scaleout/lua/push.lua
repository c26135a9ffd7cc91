-- PUSH: enqueue requests, each unless the crawl's dupefilter has seen it (checked and added
-- at once, so a request is either filtered or pending, never in between).
-- KEYS: none (names are built from ARGV[1], the crawl prefix C: one Redis, not Redis Cluster).
-- ARGV: C, dupefilter key, key TTL, then 5 values per request: fingerprint ('' = do not
-- filter), site, priority, payload, delay. Returns one id per request, 0 when the dupefilter
-- had seen it.
local C, ttl = ARGV[1], ARGV[3]
local out = {}
for i = 4, #ARGV, 5 do
  local fp, site = ARGV[i], ARGV[i + 1]
  if fp ~= '' and redis.call('SADD', ARGV[2], fp) == 0 then
    table.insert(out, 0)
  else
    local id = redis.call('INCR', C .. ':seq')
    local score = -tonumber(ARGV[i + 2]) * 4294967296 + id
    redis.call('HSET', C .. ':req', id, ARGV[i + 3])
    redis.call('ZADD', C .. ':q:' .. site, string.format('%.17g', score), id)
    redis.call('EXPIRE', C .. ':q:' .. site, ttl)
    redis.call('INCR', C .. ':pending')
    redis.call('HSET', C .. ':gap', site, ARGV[i + 4])
    if not redis.call('ZSCORE', C .. ':sites', site) then
      redis.call('ZADD', C .. ':sites', redis.call('HGET', C .. ':ready', site) or '0', site)
    end
    table.insert(out, id)
  end
end
if #out > 0 then redis.call('DEL', C .. ':finished') end
return out
