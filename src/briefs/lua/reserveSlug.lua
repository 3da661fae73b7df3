--[[
  Reserves a brief's slug, or slug-2, slug-3... when it is taken, atomically.

  Input:
    KEYS[1] brief:by-slug hash (slug -> brief id)

    ARGV[1] the wanted slug
    ARGV[2] the brief id

  Output:
    the slug reserved.
]]
local slug = ARGV[1]
local n = 1
while redis.call('HSETNX', KEYS[1], slug, ARGV[2]) == 0 do
  n = n + 1
  slug = ARGV[1] .. '-' .. n
end
return slug
