-- sketches_gruv_spec.lua — the gruv sketch (issue 15): its model learns a trivially
-- predictable sample sequence (a repeated 8-sample pattern) and, at temperature 0,
-- plays the pattern back; mu-law ids survive the trip to sound and back; bad options
-- are refused before any sound is read; and a tiny real run (a second of one drum loop,
-- a few steps) writes its WAVs, curve and checkpoint. The runs on real loops are
-- pending without Debian's sonic-pi-samples (`make data`; CI has none).
local wick = require "wick"
local helpers = require "spec_helpers"
local T = wick.tensor

local WICK = os.getenv("WICK") or "./wick"
local SONIC_PI = "/usr/share/sonic-pi/samples"
local needs_loops = wick.fs.kind(SONIC_PI .. "/loop_amen.flac") == "file" and it
  or function(title) pending(title .. " (needs Debian's sonic-pi-samples: make data)") end

package.path = "sketches/gruv/?.lua;" .. package.path
local gruv = require "gruv_model"

-- n samples of an 8-sample pattern of mu-law ids, repeated
local PATTERN = { 129, 200, 250, 180, 129, 60, 10, 80 }
local function repeated(n)
  local t = {}
  for i = 1, n do t[i] = PATTERN[(i - 1) % #PATTERN + 1] end
  return T(t)
end

describe("gruv model", function()
  it("learns a repeated pattern: the loss falls from log 256 to near 0, and temperature 0 plays it back", function()
    wick.seed(3)
    local m = gruv.new { hidden = 32, layers = 1, embed = 16 }
    local ids = repeated(4000)
    local losses = m:train(ids, { steps = 80, seq = 32, batch = 8, lr = 1e-2, valid = 0.05, every = 80,
      progress = false })
    assert.is_true(math.abs(losses[1] - math.log(256)) < 0.5, "starts near knowing nothing: " .. losses[1])
    assert.is_true(losses.valid_nats < 0.2, "the held-out loss after 80 steps: " .. losses.valid_nats)
    assert.is_true(losses[#losses] < losses[1] / 10, "the training loss falls: " .. losses[#losses])
    local played = m:sample { prime = gruv.vocab:decode(ids:narrow(1, 1, 16)), length = 24, temperature = 0,
      seed = 1 }
    assert.same(repeated(40):table(), gruv.vocab:encode(played):table())
  end)

  it("spells the 256 mu-law levels as ids 1..256 in order (Braille cells U+2800..U+28FF)", function()
    assert.equal(256, gruv.vocab.size)
    assert.same({ 1, 2, 256 }, gruv.vocab:encode(utf8.char(0x2800, 0x2801, 0x28FF)):table())
  end)

  it("makes a curve picture with the held-out loss beside the training loss", function()
    local dir = helpers.tmpdir()
    local losses = { valid = { { step = 4, nats = 5 }, { step = 8, nats = 4 } } }
    for i = 1, 8 do losses[i] = 5.5 - i * 0.2 end
    local path = gruv.curve(losses, dir .. "/curve.png", "test", 2)
    local img = wick.image.load(path)
    assert.equal(3, img:size(1))
    assert.is_true(img:std():item() > 0.02)
    helpers.remove_tree(dir)
  end)
end)

describe("gruv sketch", function()
  local dir
  before_each(function() dir = helpers.tmpdir() end)
  after_each(function() helpers.remove_tree(dir) end)

  local function run(args)
    helpers.copy_lua_files("sketches/gruv", dir .. "/gruv")
    local out, rc = helpers.run(WICK .. " " .. dir .. "/gruv/gruv.lua " .. args)
    return out, rc, dir .. "/gruv/out/"
  end

  it("refuses bad options, naming them, before reading any sound", function()
    for _, case in ipairs {
      { "--rate 100", "--rate must be a whole number from 4000 to 16000" },
      { "--steps 0", "--steps must be a whole number from 1" },
      { "--temperatures warm", "--temperatures must be numbers from 0 to 10" },
      { "--seconds 0", "--seconds must be more than 0" },
      { "--loop-seconds -1", "--loop-seconds must be from 0" },
      { "--cell rnn", "--cell must be gru or lstm" },
      { "--lr 2", "--lr must be between 0 and 1" },
      { "--dropout 1", "--dropout must be from 0 up to 1" },
    } do
      local out, rc = run(case[1])
      assert.is_not.equal(0, rc, case[1])
      assert.matches(case[2], out, nil, true)
      assert.is_nil(out:find("Hz", 1, true), case[1] .. " read sound first: " .. out)
    end
  end)

  needs_loops("names the loops there are when asked for one that is not", function()
    local out, rc = run("--loops nosuch")
    assert.is_not.equal(0, rc)
    assert.matches("no sound loop_nosuch in sonic-pi-samples; its loops are ", out, nil, true)
    assert.matches("amen", out, nil, true)
  end)

  needs_loops("trains on a second of the amen break, reversed too, and writes WAVs, a curve and a checkpoint",
    function()
      local out, rc, o = run("--loops amen --loop-seconds 1 --reverse --steps 6 --every 3 --hidden 24 --layers 1"
        .. " --seq 32 --batch 8 --seconds 0.5 --temperatures 0.5,1 --seed 2")
      assert.equal(0, rc, out)
      -- 1 s of the loop: its last 5% held out, the rest forward then reversed
      assert.matches("15200 samples at 8000 Hz (1.9 s, each loop then itself reversed) as 256 mu-law levels, "
        .. "the last 400 of the loops held out", out, nil, true)
      assert.equal(2, select(2, out:gsub("gruv: step %d/6  training [%d.]+  held out [%d.]+ nats per sample", "")), out)
      local held = tonumber(out:match("held%-out loss ([%d.]+) nats per sample"))
      assert.is_true(held and held > 0 and held < 6, out)
      local input, rate = wick.audio.load(o .. "input-seed2.wav")
      assert.equal(8000, rate)
      assert.same({ 1, 15200 }, input:shape())
      -- the reversed half is the forward half backwards (mu-law levels, 16-bit file)
      local fwd, back = input:narrow(2, 1, 7600), input:narrow(2, 7601, 7600)
      assert.is_true((fwd - back:index_select(2, T.arange(7600, 1, -1))):abs():max():item() < 1e-3)
      for _, t in ipairs { "0.5", "1" } do
        local s, r = wick.audio.load(o .. "sample-t" .. t .. "-seed2.wav")
        assert.equal(8000, r)
        assert.same({ 1, 4000 }, s:shape())
        -- a 16-bit file always loads within [-1, 1]; what can go wrong is silence
        local rms = s:pow(2):mean():sqrt():item()
        assert.is_true(rms > 1e-3, ("sample-t%s is silent (RMS %g)"):format(t, rms))
      end
      local curve = wick.image.load(o .. "curve-seed2.png")
      assert.is_true(curve:std():item() > 0.02)
      local m = wick.text.char_rnn.load(o .. "gruv-seed2.safetensors")
      assert.equal(256, m.vocab.size)
    end)
end)
