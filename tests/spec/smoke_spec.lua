local wick = require "wick"
describe("wick", function()
  it("loads", function() assert.is_table(wick.tensor) end)
end)
