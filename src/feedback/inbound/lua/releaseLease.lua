--[[
  Ends a lease only while it still holds our token: a round that outlived its
  TTL must not end the lease another worker has taken since.

  Input:
    KEYS[1] the lease's key

    ARGV[1] our token

  Output:
    1 when the lease was ours and is gone, 0 otherwise.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
