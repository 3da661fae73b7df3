import { CHECK_WINDOWS_LUA } from './limits.ts';

/**
 * Lua scripts for subscriber state changes. Each change touches the record,
 * the indexes the planner reads and the consent log in one atomic step, so an
 * unsubscribe can never leave someone in the audience. Keys are built from the
 * prefix inside the script; they all share its hash tag, hence one cluster slot.
 */

/**
 * ARGV: prefix, email, name, topics, now, consentEventJson, outboxKey, then the
 * six SignupWindows values. Counts the rate-limit windows first and changes
 * nothing when one is used up: returns {'limited', 1 (ip) | 2 (global), ttl}.
 * Otherwise records the signup and, in the same step, puts the subscriber's id
 * on the confirmation outbox (a stream the relay moves onto the mail queue), so
 * a crash can never leave a signup without its confirmation. Returns {id, before, after}.
 */
export const SIGNUP = `${CHECK_WINDOWS_LUA}
local limited = checkWindows(8)
if limited then return {'limited', limited[1], limited[2]} end
local p = ARGV[1]
local byEmail = p .. ':sub:by-email'
local id = redis.call('HGET', byEmail, ARGV[2])
local before = 'new'
if not id then
  id = tostring(redis.call('INCR', p .. ':sub:seq'))
  redis.call('HSET', byEmail, ARGV[2], id)
  redis.call('HSET', p .. ':sub:' .. id, 'id', id, 'email', ARGV[2], 'name', ARGV[3], 'status', 'pending', 'topics', ARGV[4], 'createdAt', ARGV[5], 'updatedAt', ARGV[5])
  redis.call('ZADD', p .. ':subs:all', tonumber(id), id)
else
  local key = p .. ':sub:' .. id
  before = redis.call('HGET', key, 'status')
  if before == 'pending' or before == 'unsubscribed' or before == 'bounced' then
    redis.call('HSET', key, 'status', 'pending', 'name', ARGV[3], 'topics', ARGV[4], 'updatedAt', ARGV[5])
  end
end
redis.call('RPUSH', p .. ':sub:' .. id .. ':consent', ARGV[6])
redis.call('XADD', ARGV[7], '*', 'id', id)
local after = redis.call('HGET', p .. ':sub:' .. id, 'status')
return {id, before, after}
`;

/** ARGV: prefix, id, now, consentEventJson. pending -> active. Returns the status after. */
export const CONFIRM = `
local p = ARGV[1]
local key = p .. ':sub:' .. ARGV[2]
local status = redis.call('HGET', key, 'status')
if not status then return false end
if status == 'pending' then
  redis.call('HSET', key, 'status', 'active', 'confirmedAt', ARGV[3], 'updatedAt', ARGV[3])
  redis.call('ZADD', p .. ':subs:active', tonumber(ARGV[2]), ARGV[2])
  redis.call('HSET', p .. ':subs:topics', ARGV[2], redis.call('HGET', key, 'topics') or '')
  redis.call('RPUSH', key .. ':consent', ARGV[4])
  return 'active'
end
return status
`;

/**
 * ARGV: prefix, id, newStatus (unsubscribed|bounced|complained), now, eventJson.
 * Leaves the audience at once. Unsubscribing twice writes one withdrawal.
 * Returns the status before, or false when there is no such subscriber.
 */
export const LEAVE = `
local p = ARGV[1]
local key = p .. ':sub:' .. ARGV[2]
local status = redis.call('HGET', key, 'status')
if not status then return false end
if status == ARGV[3] then return status end
if ARGV[3] == 'unsubscribed' and (status == 'bounced' or status == 'complained') then return status end
redis.call('HSET', key, 'status', ARGV[3], 'updatedAt', ARGV[4])
redis.call('ZREM', p .. ':subs:active', ARGV[2])
redis.call('HDEL', p .. ':subs:topics', ARGV[2])
redis.call('RPUSH', key .. ':consent', ARGV[5])
return status
`;

/** ARGV: prefix, id, topics, now. Returns the status, or false. */
export const SET_TOPICS = `
local p = ARGV[1]
local key = p .. ':sub:' .. ARGV[2]
local status = redis.call('HGET', key, 'status')
if not status then return false end
redis.call('HSET', key, 'topics', ARGV[3], 'updatedAt', ARGV[4])
if status == 'active' then redis.call('HSET', p .. ':subs:topics', ARGV[2], ARGV[3]) end
return status
`;

/** ARGV: prefix, id. Erases every trace (GDPR erasure). Returns 1 or 0. */
export const ERASE = `
local p = ARGV[1]
local key = p .. ':sub:' .. ARGV[2]
local email = redis.call('HGET', key, 'email')
if not email then return 0 end
redis.call('HDEL', p .. ':sub:by-email', email)
redis.call('ZREM', p .. ':subs:all', ARGV[2])
redis.call('ZREM', p .. ':subs:active', ARGV[2])
redis.call('HDEL', p .. ':subs:topics', ARGV[2])
redis.call('DEL', key, key .. ':consent')
return 1
`;

/**
 * Import of one row. ARGV: prefix, email, name, topics, now, status (pending|active), eventJson.
 * New -> created with status; existing -> name/topics updated; an imported
 * "active" never revives an unsubscribed, bounced or complained address.
 * Returns {id, 'created'|'updated'|'skipped', statusAfter}.
 */
export const IMPORT_ROW = `
local p = ARGV[1]
local byEmail = p .. ':sub:by-email'
local id = redis.call('HGET', byEmail, ARGV[2])
if not id then
  id = tostring(redis.call('INCR', p .. ':sub:seq'))
  local key = p .. ':sub:' .. id
  redis.call('HSET', byEmail, ARGV[2], id)
  redis.call('HSET', key, 'id', id, 'email', ARGV[2], 'name', ARGV[3], 'status', ARGV[6], 'topics', ARGV[4], 'createdAt', ARGV[5], 'updatedAt', ARGV[5])
  redis.call('ZADD', p .. ':subs:all', tonumber(id), id)
  if ARGV[6] == 'active' then
    redis.call('HSET', key, 'confirmedAt', ARGV[5])
    redis.call('ZADD', p .. ':subs:active', tonumber(id), id)
    redis.call('HSET', p .. ':subs:topics', id, ARGV[4])
  end
  redis.call('RPUSH', key .. ':consent', ARGV[7])
  return {id, 'created', ARGV[6]}
end
local key = p .. ':sub:' .. id
local status = redis.call('HGET', key, 'status')
if status == 'unsubscribed' or status == 'bounced' or status == 'complained' then
  return {id, 'skipped', status}
end
redis.call('HSET', key, 'name', ARGV[3], 'topics', ARGV[4], 'updatedAt', ARGV[5])
if status == 'active' then redis.call('HSET', p .. ':subs:topics', id, ARGV[4]) end
return {id, 'updated', status}
`;

/**
 * Undo bounces. ARGV: prefix, now, eventJson, id1[, id2…]. Each subscriber still
 * 'bounced' goes back to 'active' and into the audience indexes, with the event
 * in its consent log; anyone whose status has moved on since is left alone.
 * Returns how many were restored.
 */
export const RESTORE_BOUNCED = `
local p = ARGV[1]
local n = 0
for i = 4, #ARGV do
  local id = ARGV[i]
  local key = p .. ':sub:' .. id
  if redis.call('HGET', key, 'status') == 'bounced' then
    redis.call('HSET', key, 'status', 'active', 'updatedAt', ARGV[2])
    redis.call('ZADD', p .. ':subs:active', tonumber(id), id)
    redis.call('HSET', p .. ':subs:topics', id, redis.call('HGET', key, 'topics') or '')
    redis.call('RPUSH', key .. ':consent', ARGV[3])
    n = n + 1
  end
end
return n
`;
