--[[
  Claims recipients just before their SMTP calls: the lanes of a process that
  are ready in the same event-loop turn share one call (claimBatcher.ts). Each
  recipient comes with the outcome of its lane's previous send, recorded first
  (one round trip per recipient, or less, instead of two).
  - dispatch paused/cancelled -> halt (checked before every send);
  - already settled -> skip;
  - the dispatch's expiresAt has passed -> 'expired', settled, never sent
    late whatever retries or pauses came before (one left in 'sending' or
    'resending' by an attempt that died may have gone out: 'uncertain');
  - subscriber no longer active (unsubscribed, bounced, erased since
    planning) -> 'suppressed';
  - left in 'sending' by an attempt that died (killed worker): we cannot know
    whether its message went out, so it is sent again as 'resending' and, once
    accepted, counted 'uncertain' (a possible duplicate, never a silent miss).

  Input:
    KEYS[1] the dispatch hash
    KEYS[2] its ledger
    KEYS[3] its bounced set
    KEYS[4] its recent-bounces list
    KEYS[5..] recipient j's subscriber hash is KEYS[4 + j], in ARGV's order

    ARGV[1] now (ms since the epoch): what expiresMs is compared with
    ARGV[2..] per recipient j three values, ARGV[3j - 1 .. 3j + 1]: subscriber id,
      previous subscriber id, previous outcome ('' and '' when its lane has
      nothing to record)

  Output:
    per recipient two values: 'send', email | 'skip', ledger state | 'halt', dispatch status
]]
-- @include includes/recordOutcome.lua
local out = {}
local expiresMs = tonumber(redis.call('HGET', KEYS[1], 'expiresMs') or '')
local expired = expiresMs ~= nil and tonumber(ARGV[1]) >= expiresMs
for j = 1, (#ARGV - 1) / 3 do
  local id, prevId, prevOutcome = ARGV[3 * j - 1], ARGV[3 * j], ARGV[3 * j + 1]
  if prevId ~= '' then record(KEYS[1], KEYS[2], KEYS[3], KEYS[4], prevId, prevOutcome) end
  local status = redis.call('HGET', KEYS[1], 'status')
  local state = redis.call('HGET', KEYS[2], id)
  if status ~= 'sending' and status ~= 'planning' then
    out[#out + 1] = 'halt'
    out[#out + 1] = status or 'missing'
  elseif state and state ~= 'sending' and state ~= 'resending' then
    out[#out + 1] = 'skip'
    out[#out + 1] = state
  elseif expired then
    local settled = state and 'uncertain' or 'expired'
    redis.call('HSET', KEYS[2], id, settled)
    redis.call('HINCRBY', KEYS[1], settled, 1)
    out[#out + 1] = 'skip'
    out[#out + 1] = settled
  else
    local sub = redis.call('HMGET', KEYS[4 + j], 'status', 'email')
    if sub[1] ~= 'active' then
      redis.call('HSET', KEYS[2], id, 'suppressed')
      redis.call('HINCRBY', KEYS[1], 'suppressed', 1)
      out[#out + 1] = 'skip'
      out[#out + 1] = 'suppressed'
    else
      redis.call('HSET', KEYS[2], id, state and 'resending' or 'sending')
      out[#out + 1] = 'send'
      out[#out + 1] = sub[2]
    end
  end
end
return out
