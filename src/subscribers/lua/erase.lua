--[[
  Erases every trace of a subscriber (GDPR erasure).

  Input:
    KEYS[1] the subscriber hash
    KEYS[2] the subscriber's consent log
    KEYS[3] sub:by-email hash
    KEYS[4] subs:all index
    KEYS[5] subs:active index
    KEYS[6] subs:topics hash

    ARGV[1] subscriber id

  Output:
    1, or 0 when there is no such subscriber.
]]
local email = redis.call('HGET', KEYS[1], 'email')
if not email then return 0 end
redis.call('HDEL', KEYS[3], email)
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[6], ARGV[1])
redis.call('DEL', KEYS[1], KEYS[2])
return 1
