--[[
  A reader's cadence and time zone, and the two indexes built from them, kept
  in step: the delivery index (id -> '<zone>;<cadence>', only while either is
  not the default: what the planner reads) and the daily index (readers with a
  daily part, scored by when the digest run should look at them next). Every
  key comes in as an argument (the calling script passes its KEYS).

  writeDelivery(sub, deliveryIndex, dailyIndex, id, cadence, zone, nowMs, restart)
    sub, deliveryIndex, dailyIndex: the subscriber hash and the two indexes
    cadence  'instant' | 'daily' | 'daily:<topics>', or false to keep the stored one
    zone     an IANA name, '' for the default, or false to keep the stored one
    nowMs    now (ms). A reader who just became daily collects briefs from now on
             ('digestFrom'); the digest run looks at a changed reader on its next
             round and schedules them from their zone (Lua knows no zones)
    restart  true: collect from now on even if they were daily already (a
             reader who has just joined the audience)
]]
local function isDaily(cadence)
  return cadence ~= nil and cadence ~= false and cadence ~= '' and cadence ~= 'instant'
end
local function writeDelivery(sub, deliveryIndex, dailyIndex, id, cadence, zone, nowMs, restart)
  local old = redis.call('HMGET', sub, 'cadence', 'timeZone')
  local wasDaily = isDaily(old[1])
  if cadence == false then cadence = old[1] or 'instant' end
  if zone == false then zone = old[2] or '' end
  if cadence == '' then cadence = 'instant' end
  if cadence == 'instant' then redis.call('HDEL', sub, 'cadence') else redis.call('HSET', sub, 'cadence', cadence) end
  if zone == '' then redis.call('HDEL', sub, 'timeZone') else redis.call('HSET', sub, 'timeZone', zone) end
  if cadence ~= 'instant' or zone ~= '' then
    redis.call('HSET', deliveryIndex, id, zone .. ';' .. cadence)
  else
    redis.call('HDEL', deliveryIndex, id)
  end
  if isDaily(cadence) then
    if restart or not wasDaily then redis.call('HSET', sub, 'digestFrom', nowMs) end
    redis.call('ZADD', dailyIndex, nowMs, id)
  else
    redis.call('ZREM', dailyIndex, id)
    redis.call('HDEL', sub, 'digestFrom')
  end
end
