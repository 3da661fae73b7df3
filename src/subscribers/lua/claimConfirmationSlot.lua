--[[
  The per-address window of confirmation emails: one per window. The slot is
  held by the mail job that took it, so that job's own re-run after a crash
  (a stalled job runs again as if new) may still send: a crash never costs a
  reader their confirmation.

  Input:
    KEYS[1] the subscriber's confirmation guard (confirm:sent:<id>)

    ARGV[1] the mail job's id
    ARGV[2] the window (s)

  Output:
    1 when this job may send, 0 when another job sent one within the window.
]]
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return 1 end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return 1
