--[[
  Import of one row. New address -> created with the row's status; existing
  -> name and topics updated (and cadence and time zone, when the file gives
  them); an imported "active" never revives an unsubscribed, bounced or
  complained address.

  As in signup.lua, the caller reads the address's id from KEYS[1] (or INCRs
  the subscriber sequence for a new one) and the script re-checks it.

  Input:
    KEYS[1] sub:by-email hash (address -> subscriber id)
    KEYS[2] the subscriber hash of ARGV[7]
    KEYS[3] its consent log
    KEYS[4] subs:all index
    KEYS[5] subs:active index
    KEYS[6] subs:topics hash
    KEYS[7] subs:pending index
    KEYS[8] subs:delivery index (id -> '<zone>;<cadence>')
    KEYS[9] subs:daily index (readers with a daily cadence)

    ARGV[1] normalized address
    ARGV[2] name
    ARGV[3] topics ('|'-joined)
    ARGV[4] now (ISO 8601)
    ARGV[5] status of a new subscriber: pending | active
    ARGV[6] the consent event (JSON)
    ARGV[7] subscriber id: the one read from KEYS[1], or a new one
    ARGV[8] '1' when ARGV[7] is new (KEYS[1] had no entry), else '0'
    ARGV[9] the address's identity (case-folded), the field in KEYS[1]
    ARGV[10] now (ms since the epoch)
    ARGV[11] cadence ('instant' | 'daily' | 'daily:<topics>'; '' keeps the stored one)
    ARGV[12] time zone (IANA name; '' keeps the stored one)

  Output:
    {id, 'created' | 'updated' | 'skipped', statusAfter};
    {'retry'} when KEYS[1] no longer says what the caller read.
]]
-- @include ../../cadence/lua/includes/delivery.lua
local known = redis.call('HGET', KEYS[1], ARGV[9])
if ARGV[8] == '1' then
  if known then return {'retry'} end
elseif known ~= ARGV[7] then
  return {'retry'}
end
local id = ARGV[7]
local cadence = ARGV[11] ~= '' and ARGV[11]
local zone = ARGV[12] ~= '' and ARGV[12]
if ARGV[8] == '1' then
  redis.call('HSET', KEYS[1], ARGV[9], id)
  redis.call('HSET', KEYS[2], 'id', id, 'email', ARGV[1], 'identity', ARGV[9], 'name', ARGV[2], 'status', ARGV[5], 'topics', ARGV[3], 'createdAt', ARGV[4], 'updatedAt', ARGV[4])
  redis.call('ZADD', KEYS[4], tonumber(id), id)
  if ARGV[5] == 'active' then
    redis.call('HSET', KEYS[2], 'confirmedAt', ARGV[4])
    redis.call('ZADD', KEYS[5], tonumber(id), id)
    redis.call('HSET', KEYS[6], id, ARGV[3])
  else
    redis.call('ZADD', KEYS[7], tonumber(ARGV[10]), id)
  end
  redis.call('RPUSH', KEYS[3], ARGV[6])
  writeDelivery(KEYS[2], KEYS[8], KEYS[9], id, cadence, zone, ARGV[10], false)
  return {id, 'created', ARGV[5]}
end
local status = redis.call('HGET', KEYS[2], 'status')
if status == 'unsubscribed' or status == 'bounced' or status == 'complained' then
  return {id, 'skipped', status}
end
redis.call('HSET', KEYS[2], 'name', ARGV[2], 'topics', ARGV[3], 'updatedAt', ARGV[4])
if status == 'active' then redis.call('HSET', KEYS[6], id, ARGV[3]) end
if cadence or zone then writeDelivery(KEYS[2], KEYS[8], KEYS[9], id, cadence, zone, ARGV[10], false) end
return {id, 'updated', status}
