--[[
  Undoes bounces. Each subscriber still 'bounced' goes back to 'active' and
  into the audience indexes, with the event in its consent log; anyone whose
  status has moved on since is left alone.

  Input:
    KEYS[1] subs:active index
    KEYS[2] subs:topics hash
    KEYS[3..] per subscriber j two keys: its hash KEYS[1 + 2j] and its consent
      log KEYS[2 + 2j], in ARGV's order

    ARGV[1] now (ISO 8601)
    ARGV[2] the consent event (JSON)
    ARGV[3..] subscriber ids: subscriber j is ARGV[2 + j]

  Output:
    how many were restored.
]]
local n = 0
for j = 1, #ARGV - 2 do
  local id = ARGV[2 + j]
  local key = KEYS[1 + 2 * j]
  if redis.call('HGET', key, 'status') == 'bounced' then
    redis.call('HSET', key, 'status', 'active', 'updatedAt', ARGV[1])
    redis.call('ZADD', KEYS[1], tonumber(id), id)
    redis.call('HSET', KEYS[2], id, redis.call('HGET', key, 'topics') or '')
    redis.call('RPUSH', KEYS[2 + 2 * j], ARGV[2])
    n = n + 1
  end
end
return n
