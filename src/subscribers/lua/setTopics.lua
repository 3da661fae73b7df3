--[[
  Changes a subscriber's topics; an active one's audience entry follows.

  Input:
    KEYS[1] the subscriber hash
    KEYS[2] subs:topics hash

    ARGV[1] subscriber id
    ARGV[2] topics ('|'-joined)
    ARGV[3] now (ISO 8601)

  Output:
    the status, or false when there is no such subscriber.
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
redis.call('HSET', KEYS[1], 'topics', ARGV[2], 'updatedAt', ARGV[3])
if status == 'active' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
return status
