--[[
  Consumes a confirmation token once. Keeps a 'used:' marker (same expiry) so
  a reused token is told apart from one that never existed.

  Input:
    KEYS[1] the token's key (confirm:<sha256 of the token>)

  Output:
    the subscriber id the token was issued for, or false when it is unknown,
    expired or used.
]]
local v = redis.call('GET', KEYS[1])
if not v or string.sub(v, 1, 5) == 'used:' then return false end
redis.call('SET', KEYS[1], 'used:' .. v, 'KEEPTTL')
return v
