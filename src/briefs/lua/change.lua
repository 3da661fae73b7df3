--[[
  Every change to a brief after it was created, in one script so that each
  one reads the same freeze rule and writes its history entry in the same
  atomic step: update, remove, archive, and the publish a dispatch start makes.

  A brief is frozen (sent) once its web version is published (publishedAt:
  the planner publishes when a dispatch starts), or once its latest dispatch
  has started: any status but 'scheduled', and a 'cancelled' one counts as
  started unless it was scheduled and never began. Because the dispatch's
  status is read here, an update and a dispatch start never interleave: the
  planner reads the brief after its move out of 'scheduled' (or the dispatch
  was created 'planning'), and from that move on every update is refused.

  The caller reads the brief's latest dispatch id from KEYS[6] first and
  passes that dispatch's hash; when the pointer moved in between, nothing
  changes and the caller asks again.

  Input:
    KEYS[1] the brief hash
    KEYS[2] brief:by-slug hash (slug -> brief id)
    KEYS[3] briefs index (sorted set, scored by brief number)
    KEYS[4] archived briefs index (sorted set, scored by brief number)
    KEYS[5] the brief's history list
    KEYS[6] dispatch:by-brief hash (brief id -> its latest dispatch id)
    KEYS[7] hash of the dispatch ARGV[3] (KEYS[6] again when ARGV[3] is '')

    ARGV[1] mode: update | remove | archive | publish
    ARGV[2] brief id (b<n>)
    ARGV[3] the dispatch id the caller read from KEYS[6], '' for none
    ARGV[4] update: the version the change was made against
    ARGV[5] update: the brief's new JSON
    ARGV[6] update: the wanted slug ('' to keep the current one)
    ARGV[7] the history entry to append (JSON; '' for none)
    ARGV[8] now (ISO 8601)

  Output:
    {'retry'} when KEYS[6] no longer holds ARGV[3] for the brief;
    {'missing'} when there is no such brief;
    {'sent', dispatch id} when the brief is frozen (update, remove);
    {'scheduled', dispatch id} remove: a dispatch of it is scheduled;
    {'active', dispatch id} archive: a dispatch of it is scheduled or running;
    {'conflict', version} update: the brief is at another version;
    {'slug-taken', owner id} update: the wanted slug belongs to another brief;
    {'ok', version, slug} update (version unchanged when nothing changed), archive;
    {'ok', '1' | '0'} publish: whether this call published it.
]]
local mode = ARGV[1]
local id = ARGV[2]
local number = tonumber(string.sub(id, 2))
local version = redis.call('HGET', KEYS[1], 'version')
if not version then return {'missing'} end

local function append(entry)
  if entry == '' then return end
  redis.call('RPUSH', KEYS[5], entry)
  redis.call('LTRIM', KEYS[5], -200, -1)
end

if mode == 'publish' then
  if redis.call('HSETNX', KEYS[1], 'publishedAt', ARGV[8]) == 0 then return {'ok', '0'} end
  append(cjson.encode({ at = ARGV[8], by = 'dispatch', action = 'sent', version = tonumber(version) }))
  return {'ok', '1'}
end

if (redis.call('HGET', KEYS[6], id) or '') ~= ARGV[3] then return {'retry'} end

-- What the latest dispatch means for the brief: none, scheduled, or started (its status).
local function latest()
  if ARGV[3] == '' then return 'none' end
  local status = redis.call('HGET', KEYS[7], 'status')
  if not status then return 'none' end
  if status == 'cancelled' and not redis.call('HGET', KEYS[7], 'startedAt') and (redis.call('HGET', KEYS[7], 'scheduledAt') or '') ~= '' then
    return 'none'
  end
  return status
end
local state = latest()
local sent = redis.call('HEXISTS', KEYS[1], 'publishedAt') == 1 or (state ~= 'none' and state ~= 'scheduled')

if mode == 'archive' then
  if state == 'scheduled' or state == 'planning' or state == 'sending' or state == 'paused' then return {'active', ARGV[3]} end
  if redis.call('HSETNX', KEYS[1], 'archivedAt', ARGV[8]) == 1 then
    redis.call('ZREM', KEYS[3], id)
    redis.call('ZADD', KEYS[4], number, id)
    append(ARGV[7])
  end
  return {'ok', version, redis.call('HGET', KEYS[1], 'slug')}
end

if sent then return {'sent', ARGV[3]} end

if mode == 'remove' then
  if state == 'scheduled' then return {'scheduled', ARGV[3]} end
  local slug = redis.call('HGET', KEYS[1], 'slug')
  if slug and redis.call('HGET', KEYS[2], slug) == id then redis.call('HDEL', KEYS[2], slug) end
  redis.call('DEL', KEYS[1], KEYS[5])
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZREM', KEYS[4], id)
  redis.call('HDEL', KEYS[6], id)
  return {'ok'}
end

-- update
if version ~= ARGV[4] then return {'conflict', version} end
local slug = redis.call('HGET', KEYS[1], 'slug')
if ARGV[7] == '' then return {'ok', version, slug} end
local wanted = ARGV[6]
if wanted ~= '' and wanted ~= slug then
  local owner = redis.call('HGET', KEYS[2], wanted)
  if owner and owner ~= id then return {'slug-taken', owner} end
  redis.call('HSET', KEYS[2], wanted, id)
  if redis.call('HGET', KEYS[2], slug) == id then redis.call('HDEL', KEYS[2], slug) end
  slug = wanted
end
local next = tostring(tonumber(version) + 1)
redis.call('HSET', KEYS[1], 'json', ARGV[5], 'version', next, 'slug', slug, 'updatedAt', ARGV[8])
append(ARGV[7])
return {'ok', next, slug}
