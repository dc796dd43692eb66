-- blas_spec.lua — which of OpenBLAS's kernel sets `wick` runs on, as `wick -v` reports it.
-- The one spec that depends on the machine at hand: where /proc/cpuinfo shows avx2 and
-- fma, the kernels must not be a generic fallback (what Debian's OpenBLAS 0.3.21 picks on
-- CPU models it does not know); and OPENBLAS_CORETYPE set by the user always wins.
-- lib/core/cpu.c chooses; tests/c/test_cpu.c tests the choice on features given as input.
local helpers = require "spec_helpers"

local WICK = helpers.WICK
local q = helpers.quote

-- The BLAS line of `wick -v` run with the environment prefix env, and its parts.
local function blas_line(env)
  local out, rc = helpers.run((env or "") .. q(WICK) .. " -v")
  assert.are.equal(0, rc, out)
  local line = out:match("\nBLAS: ([^\n]*)\n")
  assert.is_truthy(line, "no BLAS line in: " .. out)
  local kernels, why = line:match(", kernels (%S+) %((.*)%), threads %d+$")
  assert.is_truthy(kernels, "unexpected BLAS line: " .. line)
  return line, kernels, why
end

local function cpu_flags()
  local f = io.open("/proc/cpuinfo")
  if not f then return {} end
  local text = f:read("a")
  f:close()
  local flags = {}
  for word in (text:match("\nflags%s*:([^\n]*)") or ""):gmatch("%S+") do flags[word] = true end
  return flags
end

local GENERIC = { Prescott = true, Katmai = true, Core2 = true, Nehalem = true, Sandybridge = true }

describe("wick -v", function()
  it("names the BLAS, its kernel set and why, and the threads", function()
    local line = blas_line("env -u OPENBLAS_CORETYPE ")
    assert.matches("^%S+ [%d.]+, kernels %S+ %(.+%), threads [1-9]%d*$", line)
  end)

  local flags = cpu_flags()
  local has = flags.avx2 and flags.fma and it or pending
  has("runs on more than a generic kernel set where the CPU has AVX2 and FMA", function()
    local line, kernels = blas_line("env -u OPENBLAS_CORETYPE ")
    assert.is_falsy(GENERIC[kernels], "generic kernels on an AVX2+FMA CPU: " .. line)
  end)

  it("leaves a user's OPENBLAS_CORETYPE alone", function()
    -- Prescott runs on every x86-64 CPU, and wick would never choose it on one with AVX
    local line, kernels, why = blas_line("OPENBLAS_CORETYPE=Prescott ")
    assert.are.equal("Prescott", kernels, line)
    assert.are.equal("set by OPENBLAS_CORETYPE=Prescott", why)
  end)

  it("leaves no OPENBLAS_CORETYPE behind for a sketch or its child processes", function()
    local out = helpers.run("env -u OPENBLAS_CORETYPE " .. q(WICK) .. [[ -e 'print(os.getenv("OPENBLAS_CORETYPE"))']])
    assert.are.equal("nil\n", out)
    out = helpers.run("OPENBLAS_CORETYPE=Prescott " .. q(WICK) .. [[ -e 'print(os.getenv("OPENBLAS_CORETYPE"))']])
    assert.are.equal("Prescott\n", out)   -- the user's own stays for the children
  end)
end)
