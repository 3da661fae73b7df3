--[[
  Two fixed rate windows, per IP then global, counted in the signup script
  itself (no round trip of their own). Keys come in as arguments.

  checkWindows(ipKey, ipWindow, ipLimit, globalKey, globalWindow, globalLimit)
    returns nil when allowed, else {1 (ip) | 2 (global), ttl}.
  A request refused per IP does not count against the global window.
]]
local function hitWindow(key, window)
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('EXPIRE', key, window) end
  local ttl = redis.call('TTL', key)
  if ttl < 0 then redis.call('EXPIRE', key, window); ttl = tonumber(window) end
  return n, ttl
end
local function checkWindows(ipKey, ipWindow, ipLimit, globalKey, globalWindow, globalLimit)
  local n, ttl = hitWindow(ipKey, ipWindow)
  if n > tonumber(ipLimit) then return {1, ttl} end
  n, ttl = hitWindow(globalKey, globalWindow)
  if n > tonumber(globalLimit) then return {2, ttl} end
  return nil
end
