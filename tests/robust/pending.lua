-- pending.lua — wrong-argument calls that fail the robustness spec today, each with the
-- file that must change. Entry: pend(case, label, file, finding): the case (its name in
-- cases.lua, or "*" for all), a Lua pattern on the call's label ("arg 2 = nil",
-- "arg 3.lr = NaN", or a reject case's reason), the file to change and the finding.
-- robust_spec.lua shows each entry that still matches as pending, and fails on an entry
-- that matches nothing any more (the fix landed: delete the entry with it).
-- Every finding of issue 10 is fixed; the list is empty. Add to it only while a fix is
-- under way, never to hide a problem.
local P = {}
local function pend(case, label, file, finding) -- luacheck: ignore
  P[#P + 1] = { case = case, label = label, file = file, finding = finding }
end

return P
