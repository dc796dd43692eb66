-- api_calls.lua — a survey of how wick's public functions take wrong arguments: each
-- function is called with its good arguments, then with one wrong value at a time, and
-- every error is judged (names the function? points at the calling line? a raw Lua
-- error from inside wick? a hang?). Then repeated failing calls are checked for growing
-- memory. Prints one line per problem and a summary; run it under the ASan build too.
--
--   WICK=build/h6/wick build/h6/wick tests/robust/api_calls.lua [filter] [--accepted]
--
-- filter: a Lua pattern on case names. --accepted also lists wrong values that were
-- accepted without an error (mostly fine: 0 or nil are often valid). Set ROBUST_TRACE
-- to a file to have the call about to run written there (to find a crash or a hang).
local dir = arg[0]:match("^(.*)/robust/[^/]*$") or "tests"
package.path = dir .. "/?.lua;" .. package.path

local wick = require "wick"
local E = require "robust.engine"

local filter, show_accepted
for _, a in ipairs(arg) do
  if a == "--accepted" then show_accepted = true else filter = a end
end

local tmp = os.getenv("ROBUST_TMP") or assert(io.popen("mktemp -d /tmp/wick-robust.XXXXXX")):read("l")
local cases = require("robust.cases")(wick, tmp)
local trace = os.getenv("ROBUST_TRACE")
-- ROBUST_SKIP: a file of "name<TAB>label" lines not to run (calls that crashed before);
-- ROBUST_START: the index of the first case to run (to carry on after a crash).
local skip = {}
if os.getenv("ROBUST_SKIP") then
  local f = io.open(os.getenv("ROBUST_SKIP"))
  if f then for l in f:lines() do skip[l] = true end f:close() end
end
local start = tonumber(os.getenv("ROBUST_START") or 1)

local function note(s)
  if not trace then return end
  local f = io.open(trace, "w")
  f:write(s, "\n")
  f:close()
end

local function short(s)
  s = tostring(s):gsub("\n.*", "")
  if #s > 160 then s = s:sub(1, 160) .. "…" end
  return s
end

local problems, counts = {}, { calls = 0, errors = 0, ok = 0, accepted = 0, bad = 0 }
local function problem(kind, name, label, msg)
  problems[#problems + 1] = ("%-26s %-30s %-22s %s"):format(kind, name, label, short(msg))
  counts.bad = counts.bad + 1
  io.stderr:write("PROBLEM ", problems[#problems], "\n")
end

wick.seed(1)
for ci, c in ipairs(cases.list) do
  if (not filter or c.name:find(filter)) and ci >= start then
    -- the good call first
    note(ci .. "\t" .. c.name .. "\tgood")
    local ok, r, s = E.call(c, E.good_args(c))
    counts.calls = counts.calls + 1
    if not ok and not c.good_fails and not c.good_may_fail then problem("good call fails", c.name, "good", r) end
    if c.good_fails and (ok or E.verdict(c, ok, r, s)) then problem("good call: unclean failure", c.name, "good", r) end
    if s > 2 then problem("slow good call", c.name, "good", ("%.1f s"):format(s)) end
    local leak_probe = 0
    local t0 = wick.clock()
    for _, mu in ipairs(E.mutations(c, cases.bad)) do
     if c.hangs and c.hangs[mu.label] then
      problem("hang (not run)", c.name, mu.label, c.hangs[mu.label])
     elseif skip[c.name .. "\t" .. mu.label] then
      problem("crash (not run)", c.name, mu.label, "crashed in an earlier run")
     else
      note(ci .. "\t" .. c.name .. "\t" .. mu.label)
      local args = mu.make()
      ok, r, s = E.call(c, args, mu.self_wrong)
      counts.calls = counts.calls + 1
      if s > 0.05 then io.stderr:write(("TIMING\t%s\t%s\t%.3f\n"):format(c.name, mu.label, s)) end
      if ok then
        if s > 1 then problem("slow accept", c.name, mu.label, ("%.1f s"):format(s)) end
        counts.accepted = counts.accepted + 1
        if show_accepted then problems[#problems + 1] = ("%-26s %-30s %s"):format("accepted", c.name, mu.label) end
      else
        counts.errors = counts.errors + 1
        local v = E.verdict(c, ok, r, s)
        if v then problem(v, c.name, mu.label, r) else counts.ok = counts.ok + 1 end
        if s > 1 then problem("slow error", c.name, mu.label, ("%.1f s"):format(s)) end
        -- memory: the first few failing lists of each function, 200 times
        if leak_probe < 2 and v ~= "hang" then
          leak_probe = leak_probe + 1
          note(ci .. "\t" .. c.name .. "\t" .. mu.label .. " x200")
          local live, kb = E.growth(c, mu.make, 200, mu.self_wrong)
          if live > 0 or kb > 256 then
            problem("leak", c.name, mu.label, ("%d tensor bytes, %.0f KB Lua heap after 200 calls"):format(live, kb))
          end
        end
      end
     end
    end
    if trace then io.stderr:write(("TIME %-30s %.2f s\n"):format(c.name, wick.clock() - t0)) end
  end
end

-- values that must be refused
for ri, rj in ipairs(cases.reject) do
  if #cases.list + ri >= start and (not filter or rj.name:find(filter)) and not skip[rj.name .. "\t" .. rj.why] then
    note((#cases.list + ri) .. "\t" .. rj.name .. "\t" .. rj.why)
    local ok, r, s = E.call(rj, rj.args)
    counts.calls = counts.calls + 1
    if ok then
      problem("accepts nonsense", rj.name, rj.why, "no error")
    else
      local v = E.verdict(rj, ok, r, s)
      if v then problem(v, rj.name, rj.why, r) end
    end
  end
end

for _, name in ipairs(E.uncovered(cases.list)) do
  if not filter then problem("no case", name, "-", "not called by tests/robust/cases.lua") end
end

table.sort(problems)
for _, p in ipairs(problems) do print(p) end
print(("calls %d, errors %d (clean %d), wrong values accepted %d, problems %d")
  :format(counts.calls, counts.errors, counts.ok, counts.accepted, counts.bad))
os.execute("rm -rf '" .. tmp .. "'")
