-- nn_rnn.lua — wick.nn.lstm and wick.nn.gru, embedded in the binary: multi-layer,
-- batch-first recurrent layers over the fused C kernels of lib/nn/rnn.c (the gates of
-- a step in one GEMM, the input projection of a whole sequence in another). Weights
-- are named and shaped as PyTorch's (weight_ih_l0 (4H, I), …) so checkpoints load.
--
--   local rnn = nn.lstm(64, 256, {layers = 2, dropout = 0.1})
--   local y, state = rnn(x)            -- x (N, T, 64) -> y (N, T, 256)
--   y, state = rnn(x2, state)          -- state = {h = (layers, N, H), c = (layers, N, H)}
local wick = ...
local T, nn, autograd = wick.tensor, wick.nn, wick.autograd
local F, raise, options, shape_str = nn.F, wick._raise, wick._options, nn._shape_str
local check = wick._check
local MAX_LAYERS = 1024   -- far beyond any useful stack; a typo of 1e9 would allocate for ever

-- One layer over a whole sequence: x (N, T, I) -> y (N, T, H), hT, cT (N, H). ws: the
-- layer's own workspace (scratch kept between its forward and backward passes).
local function rnn_layer(cell, x, h0, c0, w_ih, w_hh, b_ih, b_hh, ws)
  if autograd.recording(x, h0, c0, w_ih, w_hh, b_ih, b_hh) then
    local y, hT, cT, saved = nn._rnn(cell, x, h0, c0, w_ih, w_hh, b_ih, b_hh, ws, true)
    local outs = cell == "lstm" and { y, hT, cT } or { y, hT }
    autograd.record_multi(outs, { x, h0, c0, w_ih, w_hh, b_ih, b_hh, n = 7 }, function(gy, gh, gc)
      return nn._rnn_backward(cell, gy, gh, gc, x, h0, c0, y, w_ih, w_hh, saved, ws, b_ih ~= nil)
    end, cell)
    return y, hT, cT
  end
  local y, hT, cT = nn._rnn(cell, x, h0, c0, w_ih, w_hh, b_ih, b_hh, ws, false)
  return y, hT, cT
end

-- F.rnn_layer(cell, x, h0, c0, w_ih, w_hh, b_ih, b_hh [, ws]): the same for a sketch,
-- with its own workspace unless given one, and every error under its own name (the
-- kernel's say "lstm:", "gru:" or "rnn:").
function F.rnn_layer(cell, x, h0, c0, w_ih, w_hh, b_ih, b_hh, ws)
  local fname = "rnn_layer"
  check.one_of(fname, "cell", cell, { "lstm", "gru" })
  check.tensor(fname, "x", x)
  if h0 ~= nil then check.tensor(fname, "h0", h0) end
  if c0 ~= nil then check.tensor(fname, "c0", c0) end
  check.tensor(fname, "w_ih", w_ih)
  check.tensor(fname, "w_hh", w_hh)
  if b_ih ~= nil then check.tensor(fname, "b_ih", b_ih) end
  if b_hh ~= nil then check.tensor(fname, "b_hh", b_hh) end
  if ws == nil then ws = nn._workspace()
  else
    local mt = getmetatable(ws)
    if not (type(mt) == "table" and mt.__name == "wick.Workspace") then
      raise(("rnn_layer: ws must be nil (a new workspace) or a layer's workspace, got %s"):format(check.show(ws)))
    end
  end
  local ok, y, hT, cT = pcall(rnn_layer, cell, x, h0, c0, w_ih, w_hh, b_ih, b_hh, ws)
  if not ok then
    local msg = nn._strip_where(y)
    repeat local n; msg, n = msg:gsub("^[%w_]+: ", "", 1) until n == 0   -- "gru: gru_forward: …"
    raise("rnn_layer: " .. msg)
  end
  return y, hT, cT
end

local function recurrent(cell, gates)
  local R = nn.module(cell)

  function R:init(inputs, hidden, opts)
    inputs = nn._check_size(cell, "inputs", inputs)
    -- gates × hidden rows must stay a C int too
    hidden = check.integer(cell, "hidden", hidden, 1, 2147483647 // gates)
    opts = options(cell, opts, { layers = 1, dropout = 0, bias = true })
    opts.layers = check.integer(cell, "layers", opts.layers, 1, MAX_LAYERS)
    check.fraction(cell, "dropout", opts.dropout)
    check.type(cell, "bias", opts.bias, "boolean")
    self.inputs, self.hidden, self.layers, self.dropout = inputs, hidden, opts.layers, opts.dropout
    local bound = 1 / math.sqrt(hidden)   -- PyTorch: U(−1/√H, 1/√H) for every weight
    for l = 0, opts.layers - 1 do
      local width = l == 0 and inputs or hidden
      self:param("weight_ih_l" .. l, nn._uniform({ gates * hidden, width }, bound, cell))
      self:param("weight_hh_l" .. l, nn._uniform({ gates * hidden, hidden }, bound, cell))
      if opts.bias then
        self:param("bias_ih_l" .. l, nn._uniform({ gates * hidden }, bound, cell))
        self:param("bias_hh_l" .. l, nn._uniform({ gates * hidden }, bound, cell))
      end
    end
    self.ws = {}
    for l = 1, opts.layers do self.ws[l] = nn._workspace() end
  end

  function R:describe()
    return ("%s %d→%d×%d"):format(cell, self.inputs, self.hidden, self.layers)
  end

  -- x (N, T, inputs); state {h = (layers, N, H), c = …} or nil (zeros).
  -- Returns y (N, T, H) and the final state in the same form.
  function R:forward(x, state)
    check.tensor(self:describe(), "input", x)
    if x:dim() ~= 3 then
      raise(("%s: input must be 3-D (N,T,I), got %d-D %s"):format(self:describe(), x:dim(), shape_str(x)))
    end
    if x:size(3) ~= self.inputs then
      raise(("%s: input has %d features, expected %d"):format(self:describe(), x:size(3), self.inputs))
    end
    local n = x:size(1)
    if state ~= nil and type(state) ~= "table" then
      raise(("%s: state must be a table {h = …%s}, got %s"):format(self:describe(), cell == "lstm" and ", c = …" or "",
        check.show(state)))
    end
    if state then
      for _, key in ipairs(cell == "lstm" and { "h", "c" } or { "h" }) do
        local s = state[key]
        local want = ("[%d,%d,%d]"):format(self.layers, n, self.hidden)
        if not T.is_tensor(s) or shape_str(s) ~= want then
          raise(("%s: state.%s must be %s, got %s"):format(self:describe(), key, want,
            T.is_tensor(s) and shape_str(s) or type(s)))
        end
      end
    end
    local hs, cs = {}, {}
    local y = x
    for l = 1, self.layers do
      local k = l - 1
      local h0 = state and state.h:select(1, l):contiguous() or nil
      local c0 = state and cell == "lstm" and state.c:select(1, l):contiguous() or nil
      if l > 1 and self.dropout > 0 then y = F.dropout(y, self.dropout, self.training) end
      local hT, cT
      y, hT, cT = rnn_layer(cell, y:contiguous(), h0, c0, self["weight_ih_l" .. k], self["weight_hh_l" .. k],
        rawget(self, "bias_ih_l" .. k), rawget(self, "bias_hh_l" .. k), self.ws[l])
      hs[l], cs[l] = hT, cT
    end
    local final = { h = T.stack(hs, 1) }
    if cell == "lstm" then final.c = T.stack(cs, 1) end
    return y, final
  end

  return R
end

nn.lstm = recurrent("lstm", 4)
nn.gru = recurrent("gru", 3)
