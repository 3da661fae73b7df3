--[[
  A batch finished (or the planner finished). When every planned batch is
  done: status 'done', finishedAt, and the reconciliation ('missing': planned
  recipients with no settled entry, total - sent - failed - suppressed -
  uncertain - expired).

  Input:
    KEYS[1] the dispatch hash
    KEYS[2] its batches-done set

    ARGV[1] batch number ('' for the planner)
    ARGV[2] now (ISO 8601)

  Output:
    the status after.
]]
if ARGV[1] ~= '' then redis.call('SADD', KEYS[2], ARGV[1]) end
local status = redis.call('HGET', KEYS[1], 'status')
if redis.call('HGET', KEYS[1], 'planned') ~= '1' then return status end
if redis.call('SCARD', KEYS[2]) < tonumber(redis.call('HGET', KEYS[1], 'batches')) then return status end
if status ~= 'sending' and status ~= 'planning' then return status end
local h = redis.call('HMGET', KEYS[1], 'total', 'sent', 'failed', 'suppressed', 'uncertain', 'expired')
local missing = tonumber(h[1]) - tonumber(h[2]) - tonumber(h[3]) - tonumber(h[4]) - tonumber(h[5]) - tonumber(h[6] or '0')
redis.call('HSET', KEYS[1], 'status', 'done', 'finishedAt', ARGV[2], 'missing', missing)
return 'done'
