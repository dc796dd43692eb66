-- doc_sweep.lua — placeholder for issue 16 (owner fills it in).
local wick = ...  -- luacheck: ignore
