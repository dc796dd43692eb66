-- fs_spec.lua — wick.fs: folders, listings and programs without a shell, and a guard
-- that no code in wick hands text to a shell (os.execute / io.popen).
local wick = require "wick"
local fs = wick.fs

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  fs.mkdir(d)
  return d
end

local function rm_tree(d)   -- only ever our own tmpname folders
  if not d:match("^/tmp/") then return end
  local function walk(p)
    if fs.kind(p) == "folder" then
      for _, n in ipairs(fs.list(p)) do walk(p .. "/" .. n) end
    end
    os.remove(p)
  end
  walk(d)
end

describe("wick.fs", function()
  local dir
  before_each(function() dir = tmpdir() end)
  after_each(function() rm_tree(dir) end)

  it("makes nested folders whose names hold shell syntax, running nothing", function()
    local evil = dir .. "/a'b/$(touch " .. dir .. "/pwned)/c d;touch " .. dir .. "/pwned2"
    assert.equal(evil, fs.mkdir(evil))
    assert.equal("folder", fs.kind(evil))
    assert.is_nil(fs.kind(dir .. "/pwned"))
    assert.is_nil(fs.kind(dir .. "/pwned2"))
    fs.mkdir(evil)   -- exists already: fine
  end)

  it("refuses to make a folder where a file is, naming it", function()
    local f = assert(io.open(dir .. "/file", "w")); f:close()
    local ok, err = pcall(fs.mkdir, dir .. "/file")
    assert.is_false(ok)
    assert.matches("fs_spec.lua:%d+: fs.mkdir: cannot create folder .*file", err)
  end)

  it("lists a folder sorted, without . and ..", function()
    for _, n in ipairs({ "b", "a", "c.txt" }) do
      local f = assert(io.open(dir .. "/" .. n, "w")); f:close()
    end
    assert.same({ "a", "b", "c.txt" }, fs.list(dir))
    local ok, err = pcall(fs.list, dir .. "/missing")
    assert.is_false(ok)
    assert.matches("fs.list: cannot open folder", err)
  end)

  it("passes each argument to a program literally", function()
    local out, code = fs.read_command({ "printf", "%s|", "a b", "$(id)", "'q'", ";x" })
    assert.equal("a b|$(id)|'q'|;x|", out)
    assert.equal(0, code)
    local _, code2 = fs.read_command({ "false" })
    assert.equal(1, code2)
  end)

  it("bounds what it reads and names a missing program", function()
    local ok, err = pcall(fs.read_command, { "yes" }, { max_bytes = 4096 })
    assert.is_false(ok)
    assert.matches("wrote more than 4096 bytes", err)
    ok, err = pcall(fs.read_command, { dir .. "/no-such-program" })
    assert.is_false(ok)
    assert.matches("fs.read_command: cannot run .*no%-such%-program", err)
    ok, err = pcall(fs.read_command, { "echo", {} })
    assert.is_false(ok)
    assert.matches("argument 2 of the command is a table", err)
  end)

  it("talks to a running program line by line", function()
    local p = fs.spawn({ "cat" })
    p:send("one")
    p:send("two words")
    assert.equal("one", p:read_line())
    assert.equal("two words", p:read_line())
    assert.equal(0, p:close())
    local function sleepers()   -- processes running "sleep 61", from /proc
      local n = 0
      for _, pid in ipairs(fs.list("/proc")) do
        local f = pid:match("^%d+$") and io.open("/proc/" .. pid .. "/cmdline")
        if f then
          if f:read("a") == "sleep\0" .. "61\0" then n = n + 1 end
          f:close()
        end
      end
      return n
    end
    local before = sleepers()
    ;(function() fs.spawn({ "sleep", "61" }) end)()   -- abandoned: collecting it stops it
    local t0 = wick.clock()
    collectgarbage()
    collectgarbage()
    assert.is_true(wick.clock() - t0 < 5)
    assert.equal(before, sleepers())
  end)

  it("survives a program that exits while we still write to it", function()
    local p = fs.spawn({ "true" })
    local ok = true
    for _ = 1, 200 do   -- the pipe breaks once true has exited: an error, not SIGPIPE
      ok = pcall(p.send, p, ("x"):rep(4096))
      if not ok then break end
    end
    assert.is_false(ok)
    p:close()
  end)
end)

describe("no shell", function()
  it("is used by any Lua in bindings, host or sketches", function()
    local files = fs.read_command({ "find", "bindings", "host", "sketches", "-name", "*.lua" })
    local offenders = {}
    for path in files:gmatch("[^\n]+") do
      local f = assert(io.open(path))
      local n = 0
      for line in f:lines() do
        n = n + 1
        local code = line:gsub("%-%-.*$", "")
        if code:match("os%.execute") or code:match("io%.popen") then offenders[#offenders + 1] = path .. ":" .. n end
      end
      f:close()
    end
    assert.same({}, offenders)
  end)

  it("is used by any C in lib, bindings or host", function()
    local files = fs.read_command({ "find", "lib", "bindings", "host", "-name", "*.c" })
    local offenders = {}
    for path in files:gmatch("[^\n]+") do
      local f = assert(io.open(path))
      local src = f:read("a")
      f:close()
      for call in src:gmatch("[^%w_](system)%s*%(") do offenders[#offenders + 1] = path .. ": " .. call end
      for call in src:gmatch("[^%w_](popen)%s*%(") do offenders[#offenders + 1] = path .. ": " .. call end
    end
    assert.same({}, offenders)
  end)
end)
