-- bench_elementwise.lua — wick's side of bench_elementwise.sh: add, mul and exp over N
-- floats, allocating (`a:add(b)`, `a + b`, `a:exp()`) and in place (`a:add_(b)`),
-- best of REPS in process CPU time (os.clock), the result freed inside the timing as
-- the C loop frees its malloc. Prints "<op> <form> <seconds>".
-- Usage: wick tests/bench/bench_elementwise.lua N REPS
local wick = require "wick"
local n, reps = tonumber(arg[1]) or 16 * 2 ^ 20, tonumber(arg[2]) or 10
wick.seed(1)
local orig = wick.tensor.rand(n)
local b = wick.tensor.rand(n):add_(0.5)
local a = orig:clone()

local function best_of(fn, reset)
  local best = math.huge
  for _ = 1, reps do
    if reset then reset() end
    local t0 = os.clock()
    fn()
    local t = os.clock() - t0
    if t < best then best = t end
  end
  return best
end

local function reset() a:copy_(orig) end
local cases = {
  {"add", "alloc", function() orig:add(b):free() end},
  {"add", "operator", function() (orig + b):free() end},
  {"add", "inplace", function() a:add_(b) end, reset},
  {"mul", "alloc", function() orig:mul(b):free() end},
  {"mul", "operator", function() (orig * b):free() end},
  {"mul", "inplace", function() a:mul_(b) end, reset},
  {"exp", "alloc", function() orig:exp():free() end},
  {"exp", "inplace", function() a:exp_() end, reset},
}
for _, c in ipairs(cases) do
  print(string.format("%s %s %.6f", c[1], c[2], best_of(c[3], c[4])))
end
