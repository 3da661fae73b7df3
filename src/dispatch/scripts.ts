/**
 * Lua for the dispatch state machine and the delivery ledger. Every counter
 * moves in the same script as the ledger entry it counts, so the progress
 * numbers can never drift from the ledger. All keys share the prefix's hash tag.
 */

/**
 * Create a dispatch unless the brief already has one. ARGV: prefix, briefId,
 * topics, status, now, scheduledAt, force ('1'/'0'), nowMs.
 * Returns {id, 'created'|'exists'}. A forced re-send within 10 s of another
 * forced one returns that one: a double click on "send again" sends once.
 */
export const CREATE = `
local p = ARGV[1]
local existing = redis.call('HGET', p .. ':dispatch:by-brief', ARGV[2])
if existing then
  local d = p .. ':dispatch:' .. existing
  local createdMs = tonumber(redis.call('HGET', d, 'createdMs') or '0')
  local status = redis.call('HGET', d, 'status')
  if ARGV[7] ~= '1' then return {existing, 'exists'} end
  local forced = redis.call('HGET', d, 'forced')
  if forced == '1' and tonumber(ARGV[8]) - createdMs < 10000 then return {existing, 'created'} end
  if status == 'scheduled' or status == 'planning' or status == 'sending' or status == 'paused' then return {existing, 'exists'} end
end
local id = 'd' .. redis.call('INCR', p .. ':dispatch:seq')
redis.call('HSET', p .. ':dispatch:' .. id, 'id', id, 'briefId', ARGV[2], 'topics', ARGV[3], 'status', ARGV[4],
  'createdAt', ARGV[5], 'createdMs', ARGV[8], 'forced', ARGV[7], 'scheduledAt', ARGV[6], 'total', 0, 'planned', 0, 'batches', 0, 'cursor', 0,
  'sent', 0, 'failed', 0, 'suppressed', 0, 'uncertain', 0)
redis.call('HSET', p .. ':dispatch:by-brief', ARGV[2], id)
redis.call('ZADD', p .. ':dispatches', tonumber(string.sub(id, 2)), id)
return {id, 'created'}
`;

/**
 * Move a dispatch between states. ARGV: prefix, id, to, now, reason, reasonCode, from1[, from2…].
 * Returns the status after (unchanged when the move is not allowed). A move with
 * no reason clears the old one, except into 'paused' (the reason a pause was forced stays).
 */
export const TRANSITION = `
local d = ARGV[1] .. ':dispatch:' .. ARGV[2]
local status = redis.call('HGET', d, 'status')
if not status then return false end
for i = 7, #ARGV do
  if status == ARGV[i] then
    redis.call('HSET', d, 'status', ARGV[3])
    if ARGV[5] ~= '' then redis.call('HSET', d, 'reason', ARGV[5], 'reasonCode', ARGV[6])
    elseif ARGV[3] ~= 'paused' then redis.call('HDEL', d, 'reason', 'reasonCode') end
    if ARGV[3] == 'planning' or ARGV[3] == 'sending' then redis.call('HSETNX', d, 'startedAt', ARGV[4]) end
    -- A resumed dispatch starts the bounce-spike breaker's window afresh.
    if status == 'paused' then
      redis.call('HSET', d, 'outcomes', 0, 'lastClean', 0)
      redis.call('DEL', d .. ':recent')
    end
    if ARGV[3] == 'cancelled' or ARGV[3] == 'failed' then redis.call('HSET', d, 'finishedAt', ARGV[4]) end
    return ARGV[3]
  end
end
return status
`;

/**
 * Start "retry failed" on a finished dispatch. ARGV: prefix, id. Atomically
 * 'done' -> 'sending' and not yet planned again; returns 1, or 0 when the
 * dispatch was not 'done' (another retry got there first, or it never finished).
 */
export const RETRY_START = `
local d = ARGV[1] .. ':dispatch:' .. ARGV[2]
if redis.call('HGET', d, 'status') ~= 'done' then return 0 end
redis.call('HSET', d, 'status', 'sending', 'planned', '0')
redis.call('HDEL', d, 'reason', 'reasonCode')
return 1
`;

/**
 * The planner's checkpoint after adding one batch job. ARGV: prefix, id, batch, cursor, size.
 * Idempotent per batch number: a re-run that re-adds batch n changes nothing.
 */
export const CHECKPOINT = `
local d = ARGV[1] .. ':dispatch:' .. ARGV[2]
if tonumber(redis.call('HGET', d, 'batches')) >= tonumber(ARGV[3]) + 1 then return 0 end
redis.call('HSET', d, 'batches', tonumber(ARGV[3]) + 1, 'cursor', ARGV[4])
redis.call('HINCRBY', d, 'total', tonumber(ARGV[5]))
if redis.call('HGET', d, 'status') == 'planning' then
  redis.call('HSET', d, 'status', 'sending')
end
return 1
`;

/**
 * Record the outcome of a claimed send: record(dispatchKey, subscriberId, outcome).
 * outcome: sent | failed | uncertain | bounced | release (not delivered, may be tried again).
 * Only moves out of 'sending'/'resending', so a late duplicate report counts
 * nothing twice. A re-send after a crash that is accepted counts 'uncertain'.
 * A bounce is a 'failed' entry whose reader this dispatch marked bounced (the
 * ':bounced' set, for restore-bounced). Sent, uncertain and bounced outcomes
 * feed the bounce-spike breaker: each is numbered ('outcomes'); a clean one
 * notes its number ('lastClean', so the run of bounces in a row is the
 * difference), a bounce pushes its number on the ':recent' list (the last 200
 * bounces). Two commands per clean outcome: this runs for every recipient.
 */
const RECORD_FN = `
local function observe(d, bounced)
  local n = redis.call('HINCRBY', d, 'outcomes', 1)
  if bounced then
    redis.call('LPUSH', d .. ':recent', n)
    redis.call('LTRIM', d .. ':recent', 0, 199)
  else
    redis.call('HSET', d, 'lastClean', n)
  end
end
local function record(d, id, outcome)
  local ledger = d .. ':ledger'
  local state = redis.call('HGET', ledger, id)
  if state ~= 'sending' and state ~= 'resending' then return 0 end
  if outcome == 'release' then
    if state == 'resending' then redis.call('HSET', ledger, id, 'sending') else redis.call('HDEL', ledger, id) end
    return 1
  end
  if outcome == 'sent' and state == 'resending' then outcome = 'uncertain' end
  if outcome == 'bounced' then
    redis.call('SADD', d .. ':bounced', id)
    observe(d, true)
    outcome = 'failed'
  elseif outcome ~= 'failed' then
    observe(d, false)
  end
  redis.call('HSET', ledger, id, outcome)
  redis.call('HINCRBY', d, outcome, 1)
  return 1
end
`;

/** ARGV: prefix, dispatchId, subscriberId, outcome. */
export const RECORD = `${RECORD_FN}
return record(ARGV[1] .. ':dispatch:' .. ARGV[2], ARGV[3], ARGV[4])
`;

/**
 * A hard bounce, and the bounce-spike breaker. ARGV: prefix, dispatchId,
 * subscriberId, rate (BOUNCE_PAUSE_RATE). Records the bounce; then, when
 * more than rate of the last 200 outcomes bounced, or the last 50 in a row did,
 * pauses a sending dispatch with reasonCode BOUNCE_SPIKE (a relay that says
 * "user unknown" to everyone). Returns {recorded 0|1, tripped 0|1}.
 */
export const BOUNCE = `${RECORD_FN}
local d = ARGV[1] .. ':dispatch:' .. ARGV[2]
local recorded = record(d, ARGV[3], 'bounced')
local h = redis.call('HMGET', d, 'status', 'outcomes', 'lastClean')
local outcomes = tonumber(h[2] or '0')
local streak = outcomes - tonumber(h[3] or '0')
local recent = 0
for _, n in ipairs(redis.call('LRANGE', d .. ':recent', 0, 199)) do
  if tonumber(n) > outcomes - 200 then recent = recent + 1 end
end
local reason = false
if streak >= 50 then
  reason = 'bounce spike: the last ' .. streak .. ' recipients in a row hard-bounced'
elseif outcomes >= 200 and recent > tonumber(ARGV[4]) * 200 then
  reason = 'bounce spike: ' .. recent .. ' of the last 200 recipients hard-bounced'
end
if reason and (h[1] == 'sending' or h[1] == 'planning') then
  redis.call('HSET', d, 'status', 'paused', 'reason', reason .. '; check the relay, then restore-bounced and resume', 'reasonCode', 'BOUNCE_SPIKE')
  return {recorded, 1}
end
return {recorded, 0}
`;

/**
 * Claim recipients just before their SMTP calls: the lanes of a process that
 * are ready in the same event-loop turn share one call (claimBatcher.ts). ARGV: prefix,
 * dispatchId, then per recipient three values: subscriberId, previousId,
 * previousOutcome ('' and '' when its lane has nothing to record): the outcome
 * of that lane's previous send, recorded first (one round trip per recipient,
 * or less, instead of two). Returns per recipient two values:
 * 'send', email | 'skip', state | 'halt', dispatchStatus.
 * - dispatch paused/cancelled -> halt (checked before every send);
 * - already settled -> skip;
 * - subscriber no longer active (unsubscribed, bounced, erased since planning) -> 'suppressed';
 * - left in 'sending' by an attempt that died (killed worker): we cannot know
 *   whether its message went out, so it is sent again as 'resending' and, once
 *   accepted, counted 'uncertain' (a possible duplicate, never a silent miss).
 */
export const CLAIM = `${RECORD_FN}
local p = ARGV[1]
local d = p .. ':dispatch:' .. ARGV[2]
local ledger = d .. ':ledger'
local out = {}
for i = 3, #ARGV, 3 do
  local id, prevId, prevOutcome = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if prevId ~= '' then record(d, prevId, prevOutcome) end
  local status = redis.call('HGET', d, 'status')
  local state = redis.call('HGET', ledger, id)
  if status ~= 'sending' and status ~= 'planning' then
    out[#out + 1] = 'halt'
    out[#out + 1] = status or 'missing'
  elseif state and state ~= 'sending' and state ~= 'resending' then
    out[#out + 1] = 'skip'
    out[#out + 1] = state
  else
    local sub = redis.call('HMGET', p .. ':sub:' .. id, 'status', 'email')
    if sub[1] ~= 'active' then
      redis.call('HSET', ledger, id, 'suppressed')
      redis.call('HINCRBY', d, 'suppressed', 1)
      out[#out + 1] = 'skip'
      out[#out + 1] = 'suppressed'
    else
      redis.call('HSET', ledger, id, state and 'resending' or 'sending')
      out[#out + 1] = 'send'
      out[#out + 1] = sub[2]
    end
  end
end
return out
`;

/** Mark recipients failed after the last attempt. ARGV: prefix, dispatchId, id1, id2… Only unsettled ones count. */
export const FAIL_UNSETTLED = `
local d = ARGV[1] .. ':dispatch:' .. ARGV[2]
local ledger = d .. ':ledger'
local n = 0
for i = 3, #ARGV do
  local state = redis.call('HGET', ledger, ARGV[i])
  if not state or state == 'sending' or state == 'resending' then
    redis.call('HSET', ledger, ARGV[i], 'failed')
    n = n + 1
  end
end
if n > 0 then redis.call('HINCRBY', d, 'failed', n) end
return n
`;

/**
 * A batch finished (or the planner finished). ARGV: prefix, dispatchId, batch ('' for the planner), now.
 * When every planned batch is done: status 'done', finishedAt, and the reconciliation.
 * Returns the status after.
 */
export const BATCH_DONE = `
local d = ARGV[1] .. ':dispatch:' .. ARGV[2]
if ARGV[3] ~= '' then redis.call('SADD', d .. ':batches-done', ARGV[3]) end
local status = redis.call('HGET', d, 'status')
if redis.call('HGET', d, 'planned') ~= '1' then return status end
if redis.call('SCARD', d .. ':batches-done') < tonumber(redis.call('HGET', d, 'batches')) then return status end
if status ~= 'sending' and status ~= 'planning' then return status end
local h = redis.call('HMGET', d, 'total', 'sent', 'failed', 'suppressed', 'uncertain')
local missing = tonumber(h[1]) - tonumber(h[2]) - tonumber(h[3]) - tonumber(h[4]) - tonumber(h[5])
redis.call('HSET', d, 'status', 'done', 'finishedAt', ARGV[4], 'missing', missing)
return 'done'
`;
