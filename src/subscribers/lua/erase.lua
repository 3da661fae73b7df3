--[[
  Erases every trace of a subscriber (GDPR erasure).

  Input:
    KEYS[1] the subscriber hash
    KEYS[2] the subscriber's consent log
    KEYS[3] sub:by-email hash
    KEYS[4] subs:all index
    KEYS[5] subs:active index
    KEYS[6] subs:topics hash
    KEYS[7] subs:pending index
    KEYS[8] subs:delivery hash (id -> time zone and cadence)
    KEYS[9] subs:daily index

    ARGV[1] subscriber id
    ARGV[2] '1': erase only if still pending (the expiry of unconfirmed signups), else '0'

  Output:
    1, or 0 when there is no such subscriber (or, with ARGV[2] = '1', it is no longer pending).
]]
local email = redis.call('HGET', KEYS[1], 'email')
if not email then return 0 end
if ARGV[2] == '1' and redis.call('HGET', KEYS[1], 'status') ~= 'pending' then
  redis.call('ZREM', KEYS[7], ARGV[1])
  return 0
end
-- Readers stored before identities were case-folded are indexed by their spelling.
redis.call('HDEL', KEYS[3], redis.call('HGET', KEYS[1], 'identity') or email)
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[6], ARGV[1])
redis.call('ZREM', KEYS[7], ARGV[1])
redis.call('HDEL', KEYS[8], ARGV[1])
redis.call('ZREM', KEYS[9], ARGV[1])
redis.call('DEL', KEYS[1], KEYS[2])
return 1
