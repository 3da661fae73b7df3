--[[
  Starts "retry failed" on a finished dispatch: 'done' -> 'sending', and not
  yet planned again, in one step.

  Input:
    KEYS[1] the dispatch hash

  Output:
    1, or 0 when the dispatch was not 'done' (another retry got there first,
    or it never finished).
]]
if redis.call('HGET', KEYS[1], 'status') ~= 'done' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'sending', 'planned', '0')
redis.call('HDEL', KEYS[1], 'reason', 'reasonCode')
return 1
