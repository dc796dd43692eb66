-- classify_watch.lua — what the classify sketch shows of its nets: a row of test images
-- on tiles tinted by the net's verdict (green when right, red when wrong, brighter when
-- more confident), the rows of a run stacked, and the accuracy on the whole test set.
local wick = require "wick"
local T, image = wick.tensor, wick.image

local M = {}

-- One picture of 16 test images (row_x: 16×1×28×28), each on a 36×36 tile tinted by its
-- verdict: right (16 zeros or ones) and confidence (16 numbers in [0, 1]).
function M.verdict_row(row_x, right, confidence)
  local tiles = {}
  for i = 1, 16 do
    local c = confidence:get(i)
    local tint = right:get(i) == 1 and T { 0.1, 0.4 + 0.6 * c, 0.2 } or T { 0.4 + 0.6 * c, 0.1, 0.1 }
    tiles[i] = tint:view(3, 1, 1):expand(3, 36, 36):contiguous()
    tiles[i]:narrow(2, 5, 28):narrow(3, 5, 28):copy_(row_x[i]:expand(3, 28, 28))
  end
  return image.grid(tiles, { cols = 16, pad = 1, pad_value = 0 })
end

-- The rows of a run's verdicts ({right = …, confidence = …} each) stacked top to bottom:
-- a network learning to see.
function M.picture(row_x, verdicts)
  local rows = {}
  for i, v in ipairs(verdicts) do rows[i] = M.verdict_row(row_x, v.right, v.confidence) end
  return T.cat(rows, 2)
end

-- The share of test images where predict(x) equals target(y), in slices of 1,000.
function M.accuracy(test, predict, target)
  return wick.no_grad(function()
    local right, n = 0, test.x:size(1)
    for i = 1, n, 1000 do
      local m = math.min(1000, n - i + 1)
      right = right + predict(test.x:narrow(1, i, m)):eq(target(test.y:narrow(1, i, m))):sum():item()
    end
    return right / n
  end)
end

return M
