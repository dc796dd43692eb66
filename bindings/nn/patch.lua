-- patch.lua — nn.patch_bank, CNNMRF's patch matching (Li & Wand 2016) as a Lua value:
-- the options of the constructor, and the PatchBank methods written in Lua — loss,
-- which records an autograd node whose backward is the gradient the C kernel computed
-- with the loss (the matches are constants of each evaluation, as in CNNMRF), and
-- patches. The C half is bindings/nn/patch.c; the kernel lib/nn/patch.c.
local wick = ...
local nn, autograd = wick.nn, wick.autograd
local check = wick._check
local record, recording = autograd.record, autograd.recording
local P = nn._patch
local methods = P._methods
local c_loss, c_patches = P._loss, P._patches

-- nn.patch_bank(style, {size = 3, stride = 1, synthesis_stride = 1}): every size×size
-- window of style (C×H×W or 1×C×H×W), taken every `stride` pixels, becomes a patch;
-- synthesis_stride is the step between the windows of x that :match and :loss use.
function nn.patch_bank(style, opts)
  check.tensor("patch_bank", "style", style)
  opts = wick._options("patch_bank", opts, { size = 3, stride = 1, synthesis_stride = 1 })
  local size = check.integer("patch_bank", "size", opts.size, 1, 64)
  local stride = check.integer("patch_bank", "stride", opts.stride, 1, 64)
  local xstride = check.integer("patch_bank", "synthesis_stride", opts.synthesis_stride, 1, 64)
  return P._new(style, size, stride, xstride)
end

-- bank, or an error naming the method when it is not a PatchBank (a call with . for :)
local function check_bank(fname, bank)
  local mt = type(bank) == "userdata" and getmetatable(bank)
  if not (type(mt) == "table" and mt.__name == "wick.PatchBank") then
    wick._raise(("%s: expected a patch bank (bank:%s(…)), got %s"):format(fname, fname:match(":(.*)"),
      check.show(bank)))
  end
end

-- bank:loss(x [, indices]) → scalar tensor: Σ_i |x_i − s_nn(i)|² over the windows of x,
-- each matched to its best patch now (or to indices, from an earlier bank:match).
-- Differentiable with respect to x; the matches are held constant.
function methods.loss(bank, x, indices)
  check_bank("patch_bank:loss", bank)
  local want = recording(x)
  local loss, grad = c_loss(bank, x, want, indices)
  if want then record(loss, { x }, function(g) return grad * g end, "patch_loss") end
  return loss
end

-- bank:patches([{normalize = false}]) → count×C×k×k: the patches, or divided by their lengths.
function methods.patches(bank, opts)
  check_bank("patch_bank:patches", bank)
  opts = wick._options("patch_bank:patches", opts, { normalize = false })
  return c_patches(bank, opts.normalize and true or false)
end

P._methods = nil
