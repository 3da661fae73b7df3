--[[
  The planner's checkpoint after adding one batch job. Idempotent per batch
  number: a re-run that re-adds batch n changes nothing.

  Input:
    KEYS[1] the dispatch hash

    ARGV[1] batch number (0-based)
    ARGV[2] cursor: the audience position after this batch
    ARGV[3] the batch's size

  Output:
    1 when recorded, 0 when this batch was already counted.
]]
if tonumber(redis.call('HGET', KEYS[1], 'batches')) >= tonumber(ARGV[1]) + 1 then return 0 end
redis.call('HSET', KEYS[1], 'batches', tonumber(ARGV[1]) + 1, 'cursor', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'total', tonumber(ARGV[3]))
if redis.call('HGET', KEYS[1], 'status') == 'planning' then
  redis.call('HSET', KEYS[1], 'status', 'sending')
end
return 1
