--[[
  Unsubscribe, bounce or complaint: leaves the audience at once. Unsubscribing
  twice writes one withdrawal; an unsubscribe never overwrites a bounce or a
  complaint.

  Input:
    KEYS[1] the subscriber hash
    KEYS[2] subs:active index
    KEYS[3] subs:topics hash
    KEYS[4] the subscriber's consent log
    KEYS[5] subs:pending index

    ARGV[1] subscriber id
    ARGV[2] new status: unsubscribed | bounced | complained
    ARGV[3] now (ISO 8601)
    ARGV[4] the consent event (JSON)
    ARGV[5] the most consent log entries kept

  Output:
    the status before, or false when there is no such subscriber.
]]
-- @include includes/appendConsent.lua
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if status == ARGV[2] then return status end
if ARGV[2] == 'unsubscribed' and (status == 'bounced' or status == 'complained') then return status end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'updatedAt', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
-- A rejoin request dies with a new refusal: an old confirmation link must not undo this.
redis.call('HDEL', KEYS[1], 'rejoinName', 'rejoinTopics', 'rejoinAt')
appendConsent(KEYS[4], ARGV[4], tonumber(ARGV[5]))
return status
