--[[
  Moves a dispatch between states, when its status is one of ARGV[5..]. A move
  with no reason clears the old one, except into 'paused' (the reason a pause
  was forced stays). A resumed dispatch starts the bounce-spike breaker's
  window afresh, and counts the resume: a pause asked for by a send that began
  before the last resume (a refusal still in flight when the editor resumed)
  names the count it saw, and changes nothing once that count has moved on.

  Input:
    KEYS[1] the dispatch hash
    KEYS[2] its recent-bounces list (the breaker's window)

    ARGV[1] the status to move to
    ARGV[2] now (ISO 8601)
    ARGV[3] reason ('' for none)
    ARGV[4] reasonCode ('' for none)
    ARGV[5] the resume count the caller saw ('' for no such condition)
    ARGV[6..] the statuses the move is allowed from

  Output:
    the status after (unchanged when the move is not allowed), or false when
    there is no such dispatch.
]]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if ARGV[5] ~= '' and (redis.call('HGET', KEYS[1], 'resumes') or '0') ~= ARGV[5] then return status end
for i = 6, #ARGV do
  if status == ARGV[i] then
    redis.call('HSET', KEYS[1], 'status', ARGV[1])
    if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[3], 'reasonCode', ARGV[4])
    elseif ARGV[1] ~= 'paused' then redis.call('HDEL', KEYS[1], 'reason', 'reasonCode') end
    if ARGV[1] == 'planning' or ARGV[1] == 'sending' then redis.call('HSETNX', KEYS[1], 'startedAt', ARGV[2]) end
    if status == 'paused' then
      redis.call('HINCRBY', KEYS[1], 'resumes', 1)
      redis.call('HSET', KEYS[1], 'outcomes', 0, 'lastClean', 0)
      redis.call('DEL', KEYS[2])
    end
    if ARGV[1] == 'cancelled' or ARGV[1] == 'failed' then redis.call('HSET', KEYS[1], 'finishedAt', ARGV[2]) end
    return ARGV[1]
  end
end
return status
