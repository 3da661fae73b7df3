--[[
  The planner's checkpoint after one flush: the batch jobs it queued (numbered
  ARGV[1] onwards; the readers held for their quiet hours go in batches of
  their own) and the readers it left to their daily digest. Idempotent per
  flush, by the audience position: a re-run that queues the same flush again
  (same batch numbers, so the same job ids) changes nothing.

  Input:
    KEYS[1] the dispatch hash

    ARGV[1] the flush's first batch number (0-based)
    ARGV[2] how many batches it queued (0 when every reader went to the digest)
    ARGV[3] cursor: the audience position after this flush
    ARGV[4] recipients in its batches
    ARGV[5] readers left to their daily digest

  Output:
    1 when recorded, 0 when this flush was already counted.
]]
local cursor = tonumber(redis.call('HGET', KEYS[1], 'cursor') or '0')
if cursor >= tonumber(ARGV[3]) then return 0 end
local count = tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 'batches', tonumber(ARGV[1]) + count, 'cursor', ARGV[3])
redis.call('HINCRBY', KEYS[1], 'total', tonumber(ARGV[4]))
redis.call('HINCRBY', KEYS[1], 'daily', tonumber(ARGV[5]))
if count > 0 and redis.call('HGET', KEYS[1], 'status') == 'planning' then
  redis.call('HSET', KEYS[1], 'status', 'sending')
end
return 1
