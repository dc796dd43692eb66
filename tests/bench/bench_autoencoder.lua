-- bench_autoencoder.lua — wick side of bench_autoencoder.sh: the autoencoder sketch's
-- model trained EPOCHS epochs on MNIST's 60,000 digits (batch 128, Adam 1e-3), then the
-- test BCE per pixel. Usage: wick bench_autoencoder.lua EPOCHS
local wick = require "wick"
local nn, F = wick.nn, wick.nn.F

local epochs = tonumber(arg[1]) or 2
local train, test = wick.data.mnist()
wick.seed(1)
local net = nn.sequential { nn.flatten(), nn.linear(784, 256), nn.relu(), nn.linear(256, 64), nn.relu(),
  nn.linear(64, 2), nn.linear(2, 64), nn.relu(), nn.linear(64, 256), nn.relu(), nn.linear(256, 784) }
local opt = wick.optim.adam(net:parameters(), { lr = 1e-3 })
local t0, images = wick.clock(), 0
for _ = 1, epochs do
  for _, batch in wick.data.batches(train, { batch = 128, shuffle = true }) do
    local loss = F.bce_with_logits(net(batch.x), batch.x:view(-1, 784))
    opt:zero_grad()
    loss:backward()
    opt:step()
    images = images + batch.x:size(1)
  end
end
local dt = wick.clock() - t0
local bce = wick.no_grad(function() return F.bce_with_logits(net(test.x), test.x:view(-1, 784)):item() end)
print(("wick epochs=%d s=%.2f images/s=%.0f test_bce=%.4f"):format(epochs, dt, images / dt, bce))
