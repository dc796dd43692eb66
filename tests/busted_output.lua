-- busted_output.lua — busted output handler for wick's test run: one line per failure
-- or error with its place and message, then "specs: N passed, M failed" for
-- tests/run_tests.sh to add up (busted's own summary is not a line CI recognises).
return function(options)
  local busted = require "busted"
  local handler = require "busted.outputHandlers.base"()

  local function describe_failure(kind, element, message, trace)
    local where = ""
    if element.trace and element.trace.short_src then
      where = element.trace.short_src .. ":" .. tostring(element.trace.currentline) .. ": "
    end
    local name = handler.getFullName(element)
    io.write(("%s %s%s\n"):format(kind, where, name))
    if type(message) ~= "string" then message = require("pl.pretty").write(message) end
    io.write("    ", (tostring(message):gsub("\n", "\n    ")), "\n")
    if options.verbose and trace and trace.traceback then io.write(trace.traceback, "\n") end
  end

  handler.testEnd = function(element, _, status)
    if status == "failure" or status == "error" then
      local list = status == "failure" and handler.failures or handler.errors
      local last = list[#list]
      describe_failure(status == "failure" and "FAIL" or "ERROR", element, last and last.message, last and last.trace)
    end
    io.flush()
    return nil, true
  end

  handler.error = function(element, _, message, trace)
    if element.descriptor ~= "it" then
      describe_failure("ERROR", element, message, trace)
    end
    return nil, true
  end

  handler.suiteEnd = function()
    local failed = handler.failuresCount + handler.errorsCount
    io.write(("specs: %d passed, %d failed"):format(handler.successesCount, failed))
    if handler.pendingsCount > 0 then io.write((", %d skipped"):format(handler.pendingsCount)) end
    io.write("\n")
    io.flush()
    return nil, true
  end

  busted.subscribe({ "test", "end" }, handler.testEnd, { predicate = handler.cancelOnPending })
  busted.subscribe({ "error" }, handler.error)
  busted.subscribe({ "failure" }, handler.error)
  busted.subscribe({ "suite", "end" }, handler.suiteEnd)
  return handler
end
