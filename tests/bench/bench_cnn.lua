-- bench_cnn.lua — wick side of bench_cnn.sh: the reference CNN on Fashion-MNIST, trained
-- as bench_cnn_torch.py trains it; prints images/s (after 5 warm-up steps) and, with
-- --epoch, test accuracy after one epoch. Usage: wick bench_cnn.lua STEPS [--epoch]
local wick = require "wick"
local nn, optim, data = wick.nn, wick.optim, wick.data

local steps = tonumber(arg[1]) or 200
local epoch = arg[2] == "--epoch"
wick.seed(0)
local train, test = data.fashion_mnist()
local net = nn.sequential {
  nn.conv2d(1, 32, 3), nn.relu(), nn.maxpool2d(2),
  nn.conv2d(32, 64, 3), nn.relu(), nn.maxpool2d(2),
  nn.flatten(), nn.linear(1600, 128), nn.relu(), nn.linear(128, 10),
}
local opt = optim.adam(net:parameters(), { lr = 1e-3 })
local t0, seen, done = nil, 0, 0
for step, batch in data.batches(train, { batch = 64, epochs = 1, progress = false }) do
  if step == 6 then t0, seen = wick.clock(), 0 end
  local loss = nn.cross_entropy(net(batch.x), batch.y)
  opt:zero_grad()
  loss:backward()
  opt:step()
  seen = seen + batch.x:size(1)
  done = step
  if not epoch and step == steps then break end
end
local line = ("wick steps=%d images/s=%.1f"):format(done, seen / (wick.clock() - t0))
if epoch then
  net:eval()
  local right = wick.no_grad(function()
    local r = 0
    for i = 1, test.n, 1000 do
      r = r + net(test.x:narrow(1, i, 1000)):argmax(2):eq(test.y:narrow(1, i, 1000)):sum():item()
    end
    return r
  end)
  line = line .. (" test_accuracy=%.4f"):format(right / test.n)
end
print(line)
