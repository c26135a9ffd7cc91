-- CLAIM_DUE: the sources of a batch that are due, each made not due to any other worker until
-- the claim runs out (its saved record then replaces the claim's due time). One worker polls a
-- due source; a worker killed before it saved its poll leaves the source due again later.
-- KEYS: the sorted set source URL -> next due time. ARGV: now, claim's end, then the URLs.
-- Returns the URLs claimed.
local now, claim_end = tonumber(ARGV[1]), ARGV[2]
local claimed = {}
for i = 3, #ARGV do
  local due = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if due and tonumber(due) <= now then
    redis.call('ZADD', KEYS[1], claim_end, ARGV[i])
    claimed[#claimed + 1] = ARGV[i]
  end
end
return claimed
