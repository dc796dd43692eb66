-- busted_runner.lua — runs the busted specs inside wick itself, so specs exercise the
-- real binary (its embedded sugar, its one Lua). Usage: wick tests/busted_runner.lua
-- [busted options] tests/spec/*.lua
package.path = "tests/?.lua;" .. package.path
local args = { "-o", "tests/busted_output.lua" }
for i = 1, #arg do args[#args + 1] = arg[i] end
arg = args
require "busted.runner" { standalone = false }
