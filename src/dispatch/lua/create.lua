--[[
  Creates a dispatch unless the brief already has one. A forced re-send within
  10 s of another forced one returns that one: a double click on "send again"
  sends once.

  The caller reads the brief's latest dispatch from KEYS[1] and, when a new
  dispatch may be due, INCRs the dispatch sequence for its id, then passes
  both. The pointer is read again here: when it moved in between (another
  create got there first), nothing changes and the caller starts over.

  Input:
    KEYS[1] dispatch:by-brief hash (brief id -> its latest dispatch id)
    KEYS[2] dispatches index (sorted set, scored by dispatch number)
    KEYS[3] hash of the dispatch ARGV[2] (KEYS[1] again when ARGV[2] is ''; then unused)
    KEYS[4] hash of the new dispatch ARGV[3] (KEYS[1] again when ARGV[3] is ''; then unused)

    ARGV[1] brief id
    ARGV[2] the dispatch id the caller read from KEYS[1], '' for none
    ARGV[3] the new dispatch's id (d<n>), '' when none was allocated
    ARGV[4] topics ('|'-joined)
    ARGV[5] status of a new dispatch: scheduled | planning
    ARGV[6] now (ISO 8601)
    ARGV[7] scheduledAt (ISO 8601, '' to send now)
    ARGV[8] force: '1' | '0'
    ARGV[9] now (epoch ms)
    ARGV[10] priority: breaking | normal
    ARGV[11] expiresAt (ISO 8601, '' for none)
    ARGV[12] expiresAt (epoch ms, '' for none)

  Output:
    {id, 'created' | 'exists'};
    {'retry'} when KEYS[1] no longer holds ARGV[2] for the brief (read it again);
    {'need-id'} when a new dispatch is due but ARGV[3] is '' (allocate one, call again).
]]
local existing = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if existing ~= ARGV[2] then return {'retry'} end
if existing ~= '' then
  local createdMs = tonumber(redis.call('HGET', KEYS[3], 'createdMs') or '0')
  local status = redis.call('HGET', KEYS[3], 'status')
  if ARGV[8] ~= '1' then return {existing, 'exists'} end
  local forced = redis.call('HGET', KEYS[3], 'forced')
  if forced == '1' and tonumber(ARGV[9]) - createdMs < 10000 then return {existing, 'created'} end
  if status == 'scheduled' or status == 'planning' or status == 'sending' or status == 'paused' then return {existing, 'exists'} end
end
if ARGV[3] == '' then return {'need-id'} end
local id = ARGV[3]
redis.call('HSET', KEYS[4], 'id', id, 'briefId', ARGV[1], 'topics', ARGV[4], 'status', ARGV[5],
  'createdAt', ARGV[6], 'createdMs', ARGV[9], 'forced', ARGV[8], 'scheduledAt', ARGV[7], 'total', 0, 'planned', 0, 'batches', 0, 'cursor', 0,
  'sent', 0, 'failed', 0, 'suppressed', 0, 'uncertain', 0, 'expired', 0, 'daily', 0, 'kind', 'brief', 'priority', ARGV[10])
if ARGV[12] ~= '' then redis.call('HSET', KEYS[4], 'expiresAt', ARGV[11], 'expiresMs', ARGV[12]) end
redis.call('HSET', KEYS[1], ARGV[1], id)
redis.call('ZADD', KEYS[2], tonumber(string.sub(id, 2)), id)
return {id, 'created'}
