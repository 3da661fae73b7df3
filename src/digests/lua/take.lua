--[[
  A digest run takes a page of daily readers, each in one step: their digest
  window moves on ('digestFrom'), their next look is scheduled in the daily
  index, and a reader who gets a digest joins the members of its digest send.
  A reader whose 'digestFrom' is no longer what the run read (another run took
  them, or they changed their cadence meanwhile) is left alone: the next round
  reads them again. So no reader is ever in two digests of one window.

  Input:
    KEYS[1] subs:daily index
    KEYS[2..] per reader j two keys: its subscriber hash KEYS[2j], and the members
      list of its digest send KEYS[2j + 1] (its subscriber hash again when it gets none)

    ARGV[1..] per reader j five values, ARGV[5j - 4 .. 5j]: subscriber id; the
      'digestFrom' the run read ('' for none); the new 'digestFrom' ('' keeps it);
      the next look (ms, the score in KEYS[1]); action: 'push' (gets a digest),
      'advance' (window or schedule moves, no digest) or 'forget' (erased: out of
      the index)

  Output:
    per reader 1 when taken, 0 when left alone.
]]
local out = {}
for j = 1, #ARGV / 5 do
  local id, expected, from, score, action = ARGV[5 * j - 4], ARGV[5 * j - 3], ARGV[5 * j - 2], ARGV[5 * j - 1], ARGV[5 * j]
  if action == 'forget' then
    if redis.call('EXISTS', KEYS[2 * j]) == 0 then
      redis.call('ZREM', KEYS[1], id)
      out[j] = 1
    else
      out[j] = 0
    end
  elseif (redis.call('HGET', KEYS[2 * j], 'digestFrom') or '') ~= expected then
    out[j] = 0
  else
    if from ~= '' then redis.call('HSET', KEYS[2 * j], 'digestFrom', from) end
    redis.call('ZADD', KEYS[1], 'XX', tonumber(score), id)
    if action == 'push' then redis.call('RPUSH', KEYS[2 * j + 1], id) end
    out[j] = 1
  end
end
return out
