-- pending.lua — wrong-argument calls that fail the robustness spec today because of
-- bugs being fixed in other files (issue 10). Each entry: the case (its name in
-- cases.lua, or "*" for all), a Lua pattern on the call's label ("arg 2 = nil",
-- "arg 3.lr = NaN", or a reject case's reason), the file to change and the finding.
-- robust_spec.lua reports each entry that still matches as pending, and each entry that
-- matches nothing any more as "fixed: remove it" — delete those lines as fixes land.
local P = {}
local function pend(case, label, file, finding) P[#P + 1] = { case = case, label = label, file = file,
    finding = finding } end

-- bindings/tensor.c (and the freed-tensor entry at the end)
-- bindings/tensor.lua
pend("tensor:t", "^arg 1 = ", "bindings/tensor.lua", "T.t(non-tensor): [wick tensor.lua]:7: attempt to index …")
-- bindings/tensor_reduce.c
pend("tensor:std", "^unbiased not a boolean$", "bindings/tensor_reduce.c", "std(1, false, 7): unbiased = 7 accepted")
-- bindings/autograd.lua
pend("wick.no_grad", "^arg 1 = ", "bindings/autograd.lua",
  "no_grad(non-function): 'attempt to call a nil value', no position")
pend("wick.autograd.no_grad", "^arg 1 = ", "bindings/autograd.lua",
  "no_grad(non-function): 'attempt to call …', no position")
pend("wick.autograd.with_grad", "^arg 1 = ", "bindings/autograd.lua",
  "with_grad(non-function): 'attempt to call …', no position")
pend("tensor:is_leaf", "^arg 1 = ", "bindings/autograd.lua",
  "T.is_leaf(non-tensor): [wick autograd.lua]:102: bad argument #1 to 'state'")
pend("wick.autograd.record", "^arg 1 = ", "bindings/autograd.lua",
  "record(non-tensor out): [wick autograd.lua]:39: bad argument #1 to 'set_tracks'")
pend("wick.autograd.record_multi", "^arg 1 = ", "bindings/autograd.lua",
  "record_multi(outs not a list of tensors): attempt to get length / set_tracks / index")
pend("wick.autograd.unbroadcast", "^arg 2 = tensor$", "bindings/autograd.lua", "unbroadcast(g, tensor): names reshape")
pend("wick.autograd.gradcheck", "^arg 1 = function$", "bindings/autograd.lua",
  "gradcheck(fn returning nothing): [wick autograd.lua]:531: attempt to index a nil value (local 'out0')")
pend("wick.autograd.gradcheck", "^arg 2 = empty table$", "bindings/autograd.lua",
  "gradcheck(fn, {}): empty inputs accepted, fn called with nothing")
pend("wick.autograd.gradcheck", "^arg 2 = huge shape$", "bindings/autograd.lua",
  "gradcheck(fn, {numbers}): inputs not checked to be tensors")
-- bindings/nn_layers.lua
for _, k in ipairs({ "relu", "tanh", "sigmoid" }) do
  pend("wick.nn." .. k .. ":forward", "^arg 2 = ", "bindings/nn_layers.lua",
    k .. "()(non-tensor): [wick nn_layers.lua]: attempt to index …")
end
-- bindings/nn.lua
pend("module:param", "^arg [23] = ", "bindings/nn.lua",
  "self:param(name, t) with name nil/NaN or t not a tensor: 'table index is nil', [wick nn.lua]:65: attempt to index …")
pend("module:buffer", "^arg 2 = ", "bindings/nn.lua",
  "self:buffer(name, t) with name nil/NaN: [wick nn.lua]:71: table index is nil")
pend("sequential:upto", "^arg 3 = ", "bindings/nn.lua",
  "upto(x, k) with k not a number or ±inf: [wick nn.lua]:223 attempt to compare / 'format'")
pend("sequential:activations", "^arg 3 = ", "bindings/nn.lua",
  "activations(x, wanted not a table): [wick nn.lua]:234: bad argument #1 to 'for iterator'")
-- bindings/nn_rnn.lua
pend("wick.nn.F.rnn_layer", "", "bindings/nn_rnn.lua",
  "F.rnn_layer needs a private workspace (bad argument #9 to '_rnn'); messages say 'rnn:'")
-- bindings/nn_functional.lua
pend("wick.nn.F.linear", "^arg %d = tensor$", "bindings/nn_functional.lua",
  "F.linear with mismatched shapes names matmul/add, not linear")
pend("wick.nn.F.embedding", "^arg 2 = tensor$", "bindings/nn_functional.lua",
  "F.embedding with ids out of range names index_select")
-- bindings/optim.lua
for _, k in ipairs({ "sgd", "adam", "rmsprop" }) do
  pend(k .. ":step", "^arg 2 = ", "bindings/optim.lua",
    "step(non-function closure): [wick optim.lua]:64: attempt to call …")
end
-- bindings/image.c
pend("wick.image.grid", "^cols 0$", "bindings/image.c", "image.grid{cols = 0} accepted")

-- (last, so the entries above claim their own calls first)
pend("*", "= freed tensor$", "bindings/tensor.c",
  "a freed tensor raises 'attempt to use a freed tensor' without the function's name")

return P
