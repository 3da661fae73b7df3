--[[
  A bounce or complaint that came back after the send, counted once per reader
  per dispatch (the set decides: a repeated report counts nothing), and the
  complaint breaker: a dispatch still planning or sending whose complaints now
  pass ARGV[3] of its sent copies, after at least ARGV[4] sent, pauses with
  reasonCode COMPLAINT_SPIKE. One step, so the count that trips it is the
  count that is shown.

  Input:
    KEYS[1] the dispatch hash
    KEYS[2] its bounced set (for 'bounced') or complained set (for 'complained')

    ARGV[1] subscriber id
    ARGV[2] the counter: bounced | complained
    ARGV[3] pause rate (COMPLAINT_PAUSE_RATE, 0..1), or '' for no breaker
    ARGV[4] the fewest sent before the rate counts (COMPLAINT_PAUSE_MIN_SENT)

  Output:
    {counted 0|1, paused 0|1}; {0, 0} when there is no such dispatch (its
    record was removed since).
]]
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return {0, 0} end
local n = redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
if ARGV[3] == '' then return {1, 0} end
local h = redis.call('HMGET', KEYS[1], 'status', 'sent')
local sent = tonumber(h[2] or '0')
local rate = tonumber(ARGV[3])
if sent >= tonumber(ARGV[4]) and sent > 0 and n > rate * sent and (h[1] == 'sending' or h[1] == 'planning') then
  local reason = string.format(
    'complaint spike: %d complaints for %d sent (%.2f%%, above %.2f%%); check how these readers signed up and what they were sent, then resume',
    n, sent, 100 * n / sent, 100 * rate)
  redis.call('HSET', KEYS[1], 'status', 'paused', 'reason', reason, 'reasonCode', 'COMPLAINT_SPIKE')
  return {1, 1}
end
return {1, 0}
