--[[
  One message's slot under the global send-rate cap: counts it in the current
  second's counter, which expires soon after that second is over.

  Input:
    KEYS[1] the counter of the current second (send-rate:<epoch second>)

  Output:
    the number of messages counted in that second, this one included.
]]
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], 2000) end
return n
