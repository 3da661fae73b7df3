--[[
  Appends one event to a consent log and keeps the log bounded: the first
  entry (the original consent, the GDPR evidence) and the latest ones. A bot
  signing one address up again and again must not grow Redis without end.

  Input (arguments, not KEYS: the caller passes its own KEYS[i]):
    log    the consent log's key
    event  the event (JSON)
    max    the most entries kept, first one included
]]
local function appendConsent(log, event, max)
  local n = redis.call('RPUSH', log, event)
  if n > max then
    local first = redis.call('LINDEX', log, 0)
    redis.call('LTRIM', log, n - max + 2, -1)
    redis.call('LPUSH', log, first)
  end
end
