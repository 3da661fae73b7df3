--[[
  An editor puts one bounced or complained reader back: active again, in the
  audience indexes, their soft-bounce count cleared, the event in the consent
  log. Only a reader who had confirmed: one who never did (their confirmation
  bounced) must sign up again, or the editor would be the one consenting.

  Input:
    KEYS[1] the subscriber hash
    KEYS[2] subs:active index
    KEYS[3] subs:topics hash
    KEYS[4] the subscriber's consent log
    KEYS[5] the subscriber's soft bounces

    ARGV[1] subscriber id
    ARGV[2] now (ISO 8601)
    ARGV[3] the consent event (JSON)
    ARGV[4] the most consent log entries kept
    ARGV[5] the status being undone (bounced | complained): the event names it, so
      a reader whose status moved since the editor looked is left alone

  Output:
    {'restored', status before}, {'refused', status} when the reader is not
    ARGV[5] (any more), {'unconfirmed', status} when they never confirmed;
    false when there is no such subscriber.
]]
-- @include includes/appendConsent.lua
local h = redis.call('HMGET', KEYS[1], 'status', 'confirmedAt', 'topics')
local status = h[1]
if not status then return false end
if status ~= ARGV[5] or (status ~= 'bounced' and status ~= 'complained') then return {'refused', status} end
if not h[2] then return {'unconfirmed', status} end
redis.call('HSET', KEYS[1], 'status', 'active', 'updatedAt', ARGV[2])
redis.call('ZADD', KEYS[2], tonumber(ARGV[1]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], h[3] or '')
redis.call('DEL', KEYS[5])
appendConsent(KEYS[4], ARGV[3], tonumber(ARGV[4]))
return {'restored', status}
