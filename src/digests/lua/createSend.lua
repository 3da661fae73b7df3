--[[
  The digest send of one set of briefs in one digest run, created once: a
  dispatch of kind 'digest' (in the dispatches index, so the ledger, progress,
  metrics and retention treat it as any dispatch), also listed among the
  digest sends. A second call for the same set in the same run (a re-run
  after a crash) returns the first one's id.

  The caller INCRs the dispatch sequence for ARGV[2] and passes its hash.

  Input:
    KEYS[1] the digest run hash (set of briefs -> digest send)
    KEYS[2] dispatches index (sorted set, scored by dispatch number)
    KEYS[3] digests index (digest sends, scored alike)
    KEYS[4] hash of the new dispatch ARGV[2]

    ARGV[1] the set: brief ids, '|'-joined, newest first
    ARGV[2] the new dispatch's id (d<n>)
    ARGV[3] the run id
    ARGV[4] now (ISO 8601)
    ARGV[5] now (epoch ms)

  Output:
    {id, 'created' | 'exists'}
]]
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then return {existing, 'exists'} end
local id = ARGV[2]
redis.call('HSET', KEYS[4], 'id', id, 'kind', 'digest', 'briefId', '', 'briefIds', ARGV[1], 'run', ARGV[3], 'topics', '', 'status', 'planning',
  'createdAt', ARGV[4], 'createdMs', ARGV[5], 'startedAt', ARGV[4], 'priority', 'digest', 'total', 0, 'planned', 0, 'batches', 0, 'cursor', 0,
  'sent', 0, 'failed', 0, 'suppressed', 0, 'uncertain', 0, 'expired', 0, 'daily', 0)
redis.call('HSET', KEYS[1], ARGV[1], id)
local n = tonumber(string.sub(id, 2))
redis.call('ZADD', KEYS[2], n, id)
redis.call('ZADD', KEYS[3], n, id)
return {id, 'created'}
