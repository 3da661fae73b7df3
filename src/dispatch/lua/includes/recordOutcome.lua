--[[
  Shared by record, bounce and claim: records the outcome of a claimed send.
  Every key comes in as an argument (the including script passes its KEYS).

  record(dispatch, ledger, bouncedSet, recent, id, outcome)
    dispatch    the dispatch hash (counters, the breaker's 'outcomes'/'lastClean')
    ledger      its ledger hash (subscriber id -> state)
    bouncedSet  subscribers this dispatch marked bounced (for restore-bounced)
    recent      the breaker's list of the last 200 bounces' outcome numbers
    id          the subscriber
    outcome     sent | failed | uncertain | bounced | release (not delivered, may be tried again)
  Returns 1 when the entry moved, 0 when it was not 'sending'/'resending'.

  Only moves out of 'sending'/'resending', so a late duplicate report counts
  nothing twice. A re-send after a crash that is accepted counts 'uncertain'.
  A bounce is a 'failed' entry whose reader this dispatch marked bounced.
  Sent, uncertain and bounced outcomes feed the bounce-spike breaker: each is
  numbered ('outcomes'); a clean one notes its number ('lastClean', so the run
  of bounces in a row is the difference), a bounce pushes its number on the
  recent list (the last 200 bounces). Two commands per clean outcome: this
  runs for every recipient.
]]
local function observe(dispatch, recent, bounced)
  local n = redis.call('HINCRBY', dispatch, 'outcomes', 1)
  if bounced then
    redis.call('LPUSH', recent, n)
    redis.call('LTRIM', recent, 0, 199)
  else
    redis.call('HSET', dispatch, 'lastClean', n)
  end
end
local function record(dispatch, ledger, bouncedSet, recent, id, outcome)
  local state = redis.call('HGET', ledger, id)
  if state ~= 'sending' and state ~= 'resending' then return 0 end
  if outcome == 'release' then
    if state == 'resending' then redis.call('HSET', ledger, id, 'sending') else redis.call('HDEL', ledger, id) end
    return 1
  end
  if outcome == 'sent' and state == 'resending' then outcome = 'uncertain' end
  if outcome == 'bounced' then
    redis.call('SADD', bouncedSet, id)
    observe(dispatch, recent, true)
    outcome = 'failed'
  elseif outcome ~= 'failed' then
    observe(dispatch, recent, false)
  end
  redis.call('HSET', ledger, id, outcome)
  redis.call('HINCRBY', dispatch, outcome, 1)
  return 1
end
