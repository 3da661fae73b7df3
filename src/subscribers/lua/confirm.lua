--[[
  Confirms a subscription, with the event in the consent log: a pending reader
  becomes active, and so does an unsubscribed, bounced or complained reader
  who asked to rejoin (the name, topics, cadence and time zone they asked for
  apply only now, on their click). A daily reader's digest collects from the
  confirmation on. Confirming again changes nothing.

  Input:
    KEYS[1] the subscriber hash
    KEYS[2] subs:active index
    KEYS[3] subs:topics hash
    KEYS[4] the subscriber's consent log
    KEYS[5] subs:pending index
    KEYS[6] subs:delivery index (id -> '<zone>;<cadence>')
    KEYS[7] subs:daily index (readers with a daily cadence)

    ARGV[1] subscriber id
    ARGV[2] now (ISO 8601)
    ARGV[3] the consent event (JSON)
    ARGV[4] the most consent log entries kept
    ARGV[5] now (ms since the epoch)

  Output:
    the status after, or false when there is no such subscriber.
]]
-- @include includes/appendConsent.lua
-- @include ../../cadence/lua/includes/delivery.lua
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
local rejoin = redis.call('HGET', KEYS[1], 'rejoinAt')
if status == 'pending' or (rejoin and (status == 'unsubscribed' or status == 'bounced')) then
  if rejoin then
    redis.call('HSET', KEYS[1], 'name', redis.call('HGET', KEYS[1], 'rejoinName') or '', 'topics', redis.call('HGET', KEYS[1], 'rejoinTopics') or '')
    local asked = redis.call('HMGET', KEYS[1], 'rejoinCadence', 'rejoinTimeZone')
    writeDelivery(KEYS[1], KEYS[6], KEYS[7], ARGV[1], asked[1] or 'instant', asked[2] or '', ARGV[5], true)
    redis.call('HDEL', KEYS[1], 'rejoinName', 'rejoinTopics', 'rejoinAt', 'rejoinCadence', 'rejoinTimeZone')
  else
    writeDelivery(KEYS[1], KEYS[6], KEYS[7], ARGV[1], false, false, ARGV[5], true)
  end
  redis.call('HSET', KEYS[1], 'status', 'active', 'confirmedAt', ARGV[2], 'updatedAt', ARGV[2])
  redis.call('ZADD', KEYS[2], tonumber(ARGV[1]), ARGV[1])
  redis.call('HSET', KEYS[3], ARGV[1], redis.call('HGET', KEYS[1], 'topics') or '')
  redis.call('ZREM', KEYS[5], ARGV[1])
  appendConsent(KEYS[4], ARGV[3], tonumber(ARGV[4]))
  return 'active'
end
return status
