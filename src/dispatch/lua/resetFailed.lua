--[[
  Puts failed recipients back to unsettled, for "retry only the failed".

  Input:
    KEYS[1] the dispatch hash
    KEYS[2] its ledger

    ARGV[1..] subscriber ids

  Output:
    how many were failed (and are now unsettled).
]]
local n = 0
for i = 1, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == 'failed' then
    redis.call('HDEL', KEYS[2], ARGV[i])
    n = n + 1
  end
end
-- -n of 0 is the string '-0', which HINCRBY refuses: a retry whose recipients are no longer failed changes nothing.
if n > 0 then redis.call('HINCRBY', KEYS[1], 'failed', -n) end
return n
