-- repeat_spec.lua — "same seed, same numbers", whatever the thread count: a small CNN
-- (convolutions on both of wick's paths, batch norm, pooling, Adam), an LSTM and a
-- conv_transpose2d generator are trained a few steps in separate runs of the binary with
-- WICK_THREADS=1 and WICK_THREADS=2, and must print the very same numbers (every loss and
-- a checksum of the weights, printed exactly). Work in wick is cut by the problem's size,
-- never by the thread count (lib/core/threads.h); this is the check that it stays so.
-- Runs inside wick (tests/busted_runner.lua); WICK names the binary under test.
local helpers = require "spec_helpers"

local WICK = helpers.WICK

local q = helpers.quote

local SCRIPT = [[
local wick = require "wick"
local nn, optim, T = wick.nn, wick.optim, wick.tensor
wick.seed(21)
local out = {}
local function record(x) out[#out + 1] = ("%a"):format(x) end
local function checksum(net)
  local s = 0
  for _, p in ipairs(net:parameters()) do s = s + p:sum():item() + (p * p):sum():item() end
  return s
end

-- a CNN: 3x3 convs wide enough for Winograd, a 3-channel one by im2col, batch norm
local cnn = nn.sequential {
  nn.conv2d(3, 24, 3, { padding = 1 }), nn.batchnorm2d(24), nn.relu(),
  nn.conv2d(24, 32, 3, { padding = 1 }), nn.relu(), nn.maxpool2d(2),
  nn.conv2d(32, 32, 3), nn.relu(), nn.flatten(), nn.linear(32 * 6 * 6, 10),
}
local x, y = T.randn(48, 3, 16, 16), (T.rand(48) * 10):floor() + 1
local opt = optim.adam(cnn:parameters(), { lr = 1e-3 })
for _ = 1, 4 do
  local loss = nn.cross_entropy(cnn(x), y)
  opt:zero_grad(); loss:backward(); opt:step()
  record(loss:item())
end
record(checksum(cnn))

-- an LSTM big enough that its GEMMs are cut into blocks
local lstm, head = nn.lstm(64, 256, { layers = 2 }), nn.linear(256, 64)
local params = lstm:parameters()
for _, p in ipairs(head:parameters()) do params[#params + 1] = p end
local opt2 = optim.sgd(params, { lr = 0.1 })
local xs, ys = T.randn(16, 24, 64), (T.rand(16 * 24) * 64):floor() + 1
for _ = 1, 3 do
  local h = lstm(xs)
  local loss = nn.cross_entropy(head(h:reshape(16 * 24, 256)), ys)
  opt2:zero_grad(); loss:backward(); opt2:step()
  record(loss:item())
end
record(checksum(lstm))

-- a generator's transposed convolutions (stride 2, and a 3x3 stride-1 one)
local gen = nn.sequential {
  nn.conv_transpose2d(16, 32, 4, { stride = 2, padding = 1 }), nn.relu(),
  nn.conv_transpose2d(32, 24, 3, { padding = 1 }), nn.tanh(),
}
local z, target = T.randn(8, 16, 8, 8), T.randn(8, 24, 16, 16)
local opt3 = optim.adam(gen:parameters(), { lr = 1e-3 })
for _ = 1, 3 do
  local loss = nn.mse(gen(z), target)
  opt3:zero_grad(); loss:backward(); opt3:step()
  record(loss:item())
end
record(checksum(gen))
print(table.concat(out, " "))
]]

describe("same seed, same numbers", function()
  local dir, path

  setup(function()
    dir = helpers.tmpdir()
    path = helpers.write_file(dir .. "/repeat.lua", SCRIPT)
  end)

  teardown(function()
    os.remove(path)
    os.remove(dir)
  end)

  local function run_with(threads)
    return (helpers.run(("WICK_THREADS=%d %s %s"):format(threads, q(WICK), q(path))))
  end

  it("on 1 thread and on 2: training a CNN, an LSTM and a generator prints the same bits", function()
    local one, two = run_with(1), run_with(2)
    assert.matches("^[%-%+0-9a-fx%.p ]+\n$", one, "the script failed: " .. one)
    local n = select(2, one:gsub("%S+", ""))
    assert.are.equal(13, n, "expected 13 numbers, got: " .. one)
    assert.are.equal(one, two)
  end)

  it("asks for no more threads than CPUs, however many the environment names", function()
    local function threads(env)
      local out = helpers.run(("%s %s -e 'print((require \"wick\").threads())'"):format(env, q(WICK)))
      return tonumber(out:match("^%d+"))
    end
    local cpus = threads("WICK_THREADS=")
    assert.is_true(cpus and cpus >= 1, "wick.threads() printed nothing sensible")
    assert.are.equal(cpus, threads("OMP_NUM_THREADS=1000"))
    assert.are.equal(cpus, threads("WICK_THREADS=1000"))
    assert.are.equal(1, threads("WICK_THREADS=1 OMP_NUM_THREADS=8"))
    assert.are.equal(cpus, threads("WICK_THREADS=banana"))
  end)

  it("twice in one process with the same seed", function()
    local again = run_with(2)
    assert.are.equal(run_with(2), again)
  end)
end)
