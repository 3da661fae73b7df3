--[[
  A hard bounce, and the bounce-spike breaker. Records the bounce (and counts
  the reader in the dispatch's 'bounced', once, as late bounces are); then, when
  more than ARGV[2] of the last 200 outcomes bounced, or the last 50 in a row
  did, pauses a sending dispatch with reasonCode BOUNCE_SPIKE (a relay that
  says "user unknown" to everyone).

  Input:
    KEYS[1] the dispatch hash
    KEYS[2] its ledger
    KEYS[3] its bounced set
    KEYS[4] its recent-bounces list

    ARGV[1] subscriber id
    ARGV[2] rate (BOUNCE_PAUSE_RATE, 0..1)

  Output:
    {recorded 0|1, tripped 0|1}
]]
-- @include includes/recordOutcome.lua
local fresh = redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 0
local recorded = record(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], 'bounced')
if recorded == 1 and fresh then redis.call('HINCRBY', KEYS[1], 'bounced', 1) end
local h = redis.call('HMGET', KEYS[1], 'status', 'outcomes', 'lastClean')
local outcomes = tonumber(h[2] or '0')
local streak = outcomes - tonumber(h[3] or '0')
local recent = 0
for _, n in ipairs(redis.call('LRANGE', KEYS[4], 0, 199)) do
  if tonumber(n) > outcomes - 200 then recent = recent + 1 end
end
local reason = false
if streak >= 50 then
  reason = 'bounce spike: the last ' .. streak .. ' recipients in a row hard-bounced'
elseif outcomes >= 200 and recent > tonumber(ARGV[2]) * 200 then
  reason = 'bounce spike: ' .. recent .. ' of the last 200 recipients hard-bounced'
end
if reason and (h[1] == 'sending' or h[1] == 'planning') then
  redis.call('HSET', KEYS[1], 'status', 'paused', 'reason', reason .. '; check the relay, then restore-bounced and resume', 'reasonCode', 'BOUNCE_SPIKE')
  return {recorded, 1}
end
return {recorded, 0}
