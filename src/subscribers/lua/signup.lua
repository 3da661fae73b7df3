--[[
  A signup. Counts the rate-limit windows first and changes nothing when one
  is used up. Otherwise records the signup and, in the same step, puts the
  subscriber's id on the confirmation stream (the relay moves it onto the
  mail queue), so a crash can never leave a signup without its confirmation.

  A signup never changes an unsubscribed, bounced or complained reader's
  status, name, topics, cadence or time zone. An unsubscribed or bounced reader's request is kept
  as a rejoin request, which only their click on the confirmation link
  applies; a reader who complained gets no mail from a web form at all (one
  more message to them risks one more complaint).
  The address's identity (the by-email field) is its case-folded form, so
  Bomb@, BOMB@ and bomb@ are one reader; the spelling typed is kept for mail.

  The caller reads the address's id from KEYS[3] or, for a new address, INCRs
  the subscriber sequence for one, and passes that subscriber's keys. The
  pointer is read again here, before anything is counted: when it changed in
  between (the same address signed up, or was erased, meanwhile) nothing
  changes and the caller starts over.

  Input:
    KEYS[1] the per-IP rate window's counter
    KEYS[2] the global rate window's counter
    KEYS[3] sub:by-email hash (address -> subscriber id)
    KEYS[4] the subscriber hash of ARGV[10]
    KEYS[5] its consent log
    KEYS[6] subs:all index
    KEYS[7] the confirmation stream
    KEYS[8] subs:pending index (pending subscribers by when they signed up, for expiry)
    KEYS[9] subs:delivery index (id -> '<zone>;<cadence>')
    KEYS[10] subs:daily index (readers with a daily cadence)

    ARGV[1] per-IP window (s)
    ARGV[2] per-IP limit
    ARGV[3] global window (s)
    ARGV[4] global limit
    ARGV[5] normalized address
    ARGV[6] name
    ARGV[7] topics ('|'-joined)
    ARGV[8] now (ISO 8601)
    ARGV[9] the consent event (JSON)
    ARGV[10] subscriber id: the one read from KEYS[3], or a new one
    ARGV[11] '1' when ARGV[10] is new (KEYS[3] had no entry), else '0'
    ARGV[12] the address's identity (case-folded), the field in KEYS[3]
    ARGV[13] now (ms since the epoch)
    ARGV[14] the most consent log entries kept
    ARGV[15] cadence: 'instant' | 'daily' | 'daily:<topics>'
    ARGV[16] time zone (IANA name; '' for the default)

  Output:
    {id, statusBefore ('new' for a new address), statusAfter};
    {'limited', 1 (ip) | 2 (global), ttl} when a window is used up;
    {'retry'} when KEYS[3] no longer says what the caller read.
]]
-- @include includes/checkWindows.lua
-- @include includes/appendConsent.lua
-- @include ../../cadence/lua/includes/delivery.lua
local known = redis.call('HGET', KEYS[3], ARGV[12])
if ARGV[11] == '1' then
  if known then return {'retry'} end
elseif known ~= ARGV[10] then
  return {'retry'}
end
local limited = checkWindows(KEYS[1], ARGV[1], ARGV[2], KEYS[2], ARGV[3], ARGV[4])
if limited then return {'limited', limited[1], limited[2]} end
local id = ARGV[10]
local before = 'new'
if ARGV[11] == '1' then
  redis.call('HSET', KEYS[3], ARGV[12], id)
  redis.call('HSET', KEYS[4], 'id', id, 'email', ARGV[5], 'identity', ARGV[12], 'name', ARGV[6], 'status', 'pending', 'topics', ARGV[7], 'createdAt', ARGV[8], 'updatedAt', ARGV[8])
  redis.call('ZADD', KEYS[6], tonumber(id), id)
  redis.call('ZADD', KEYS[8], tonumber(ARGV[13]), id)
  writeDelivery(KEYS[4], KEYS[9], KEYS[10], id, ARGV[15], ARGV[16], ARGV[13], false)
else
  before = redis.call('HGET', KEYS[4], 'status')
  if before == 'pending' then
    redis.call('HSET', KEYS[4], 'name', ARGV[6], 'topics', ARGV[7], 'updatedAt', ARGV[8])
    writeDelivery(KEYS[4], KEYS[9], KEYS[10], id, ARGV[15], ARGV[16], ARGV[13], false)
  elseif before == 'unsubscribed' or before == 'bounced' then
    redis.call('HSET', KEYS[4], 'rejoinName', ARGV[6], 'rejoinTopics', ARGV[7], 'rejoinAt', ARGV[8], 'rejoinCadence', ARGV[15], 'rejoinTimeZone', ARGV[16])
  end
end
appendConsent(KEYS[5], ARGV[9], tonumber(ARGV[14]))
redis.call('XADD', KEYS[7], '*', 'id', id)
local after = redis.call('HGET', KEYS[4], 'status')
return {id, before, after}
