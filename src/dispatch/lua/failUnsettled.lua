--[[
  Marks recipients failed after the last attempt. Only unsettled ones
  (no entry, 'sending' or 'resending') count.

  Input:
    KEYS[1] the dispatch hash
    KEYS[2] its ledger

    ARGV[1..] subscriber ids

  Output:
    how many were marked failed.
]]
local n = 0
for i = 1, #ARGV do
  local state = redis.call('HGET', KEYS[2], ARGV[i])
  if not state or state == 'sending' or state == 'resending' then
    redis.call('HSET', KEYS[2], ARGV[i], 'failed')
    n = n + 1
  end
end
if n > 0 then redis.call('HINCRBY', KEYS[1], 'failed', n) end
return n
