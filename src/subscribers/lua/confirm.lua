--[[
  Confirms a subscription: pending -> active, into the audience indexes, with
  the event in the consent log.

  Input:
    KEYS[1] the subscriber hash
    KEYS[2] subs:active index
    KEYS[3] subs:topics hash
    KEYS[4] the subscriber's consent log

    ARGV[1] subscriber id
    ARGV[2] now (ISO 8601)
    ARGV[3] the consent event (JSON)

  Output:
    the status after, or false when there is no such subscriber.
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if status == 'pending' then
  redis.call('HSET', KEYS[1], 'status', 'active', 'confirmedAt', ARGV[2], 'updatedAt', ARGV[2])
  redis.call('ZADD', KEYS[2], tonumber(ARGV[1]), ARGV[1])
  redis.call('HSET', KEYS[3], ARGV[1], redis.call('HGET', KEYS[1], 'topics') or '')
  redis.call('RPUSH', KEYS[4], ARGV[3])
  return 'active'
end
return status
