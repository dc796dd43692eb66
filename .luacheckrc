-- luacheck configuration for every Lua file in wick: sketches, embedded sugar, specs.
std = "lua54"
max_line_length = 120
files["tests/spec/"] = { std = "+busted" }
files["tests/busted_runner.lua"] = { globals = { "arg" } }
-- a sketch may use the `keep` table that survives --watch reloads
files["sketches/"] = { read_globals = { "keep" } }
