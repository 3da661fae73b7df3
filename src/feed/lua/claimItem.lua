--[[
  Claims a feed item's identities: all of them, or none when any one is
  already known (so the same item under another identity is still one brief).

  Input:
    KEYS[1] the seen hash (identity -> what became of the item)

    ARGV[1] the value to store (e.g. 'claimed')
    ARGV[2..] the item's identities

  Output:
    1 when claimed, 0 when any identity was already seen.
]]
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then return 0 end
end
for i = 2, #ARGV do redis.call('HSET', KEYS[1], ARGV[i], ARGV[1]) end
return 1
