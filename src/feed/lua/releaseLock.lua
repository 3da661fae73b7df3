--[[
  Releases a poll's lease on its feed, only if it still holds it (an expired
  lease may already be another poll's).

  Input:
    KEYS[1] the feed's lock

    ARGV[1] the holder's token

  Output:
    1 when released, 0 when the lease was not (or no longer) this holder's.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
