--[[
  Changes a subscriber's topics, and cadence and time zone when given (the
  preferences page); an active one's audience entry follows, and the
  delivery and daily indexes follow the cadence and zone.

  Input:
    KEYS[1] the subscriber hash
    KEYS[2] subs:topics hash
    KEYS[3] subs:delivery index (id -> '<zone>;<cadence>')
    KEYS[4] subs:daily index (readers with a daily cadence)

    ARGV[1] subscriber id
    ARGV[2] topics ('|'-joined)
    ARGV[3] now (ISO 8601)
    ARGV[4] cadence ('instant' | 'daily' | 'daily:<topics>'; '' keeps the stored one)
    ARGV[5] time zone (IANA name; '' keeps the stored one)
    ARGV[6] now (ms since the epoch)

  Output:
    the status, or false when there is no such subscriber.
]]
-- @include ../../cadence/lua/includes/delivery.lua
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
redis.call('HSET', KEYS[1], 'topics', ARGV[2], 'updatedAt', ARGV[3])
if status == 'active' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
if ARGV[4] ~= '' or ARGV[5] ~= '' then
  writeDelivery(KEYS[1], KEYS[3], KEYS[4], ARGV[1], ARGV[4] ~= '' and ARGV[4], ARGV[5] ~= '' and ARGV[5], ARGV[6], false)
end
return status
