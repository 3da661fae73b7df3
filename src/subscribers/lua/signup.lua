--[[
  A signup. Counts the rate-limit windows first and changes nothing when one
  is used up. Otherwise records the signup and, in the same step, puts the
  subscriber's id on the confirmation outbox (a stream the relay moves onto
  the mail queue), so a crash can never leave a signup without its
  confirmation.

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
    KEYS[7] the confirmation outbox stream

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

  Output:
    {id, statusBefore ('new' for a new address), statusAfter};
    {'limited', 1 (ip) | 2 (global), ttl} when a window is used up;
    {'retry'} when KEYS[3] no longer says what the caller read.
]]
-- @include includes/checkWindows.lua
local known = redis.call('HGET', KEYS[3], ARGV[5])
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
  redis.call('HSET', KEYS[3], ARGV[5], id)
  redis.call('HSET', KEYS[4], 'id', id, 'email', ARGV[5], 'name', ARGV[6], 'status', 'pending', 'topics', ARGV[7], 'createdAt', ARGV[8], 'updatedAt', ARGV[8])
  redis.call('ZADD', KEYS[6], tonumber(id), id)
else
  before = redis.call('HGET', KEYS[4], 'status')
  if before == 'pending' or before == 'unsubscribed' or before == 'bounced' then
    redis.call('HSET', KEYS[4], 'status', 'pending', 'name', ARGV[6], 'topics', ARGV[7], 'updatedAt', ARGV[8])
  end
end
redis.call('RPUSH', KEYS[5], ARGV[9])
redis.call('XADD', KEYS[7], '*', 'id', id)
local after = redis.call('HGET', KEYS[4], 'status')
return {id, before, after}
