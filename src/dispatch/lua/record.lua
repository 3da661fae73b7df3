--[[
  Records the outcome of a claimed send (see includes/recordOutcome.lua).

  Input:
    KEYS[1] the dispatch hash
    KEYS[2] its ledger
    KEYS[3] its bounced set
    KEYS[4] its recent-bounces list

    ARGV[1] subscriber id
    ARGV[2] outcome: sent | failed | uncertain | release

  Output:
    1 when the entry moved, 0 when it was not 'sending'/'resending'.
]]
-- @include includes/recordOutcome.lua
return record(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2])
