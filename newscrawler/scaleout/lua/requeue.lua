-- REQUEUE: put a worker's leased requests back in the frontier and forget the worker (one
-- script, so two reapers cannot both do it).
-- ARGV: C, worker, P when only a DEAD worker's leases may be taken ('' = own, at close), key
-- TTL. Returns how many requests went back, or -1 when the worker turned out to be alive.
local C, w = ARGV[1], ARGV[2]
if ARGV[3] ~= '' and redis.call('EXISTS', ARGV[3] .. ':alive:' .. w) == 1 then return -1 end
local leased = redis.call('HGETALL', C .. ':leased')
local n = 0
for i = 1, #leased, 2 do
  local owner, site, score = string.match(leased[i + 1], '^([^\t]*)\t([^\t]*)\t(.*)$')
  if owner == w then
    local id = leased[i]
    redis.call('HDEL', C .. ':leased', id)
    redis.call('ZADD', C .. ':q:' .. site, score, id)
    redis.call('EXPIRE', C .. ':q:' .. site, ARGV[4])
    redis.call('INCR', C .. ':pending')
    if not redis.call('ZSCORE', C .. ':sites', site) then
      redis.call('ZADD', C .. ':sites', redis.call('HGET', C .. ':ready', site) or '0', site)
    end
    n = n + 1
  end
end
redis.call('HDEL', C .. ':workers', w)
return n
