-- doc_cache.lua — help's entries for cached steps: wick.cache and wick.cache_limit
-- (bindings/store/cache.lua). See help.lua for the table's shape.
-- luacheck: no max line length (one entry a line or two: the strings are the documentation)
local wick = ...
local add = wick._doc.add

add("wick.cache", { "wick.cache(name, fn, ...) → fn(...)'s results", "runs a slow step once and then reuses its results (tensors, tables of them, strings, numbers, booleans, nn modules) while fn's code, its upvalues, the arguments, the random generator's state and the files it read (through wick's loaders, io.open, io.lines or io.input) are unchanged; a hit restores the generator as the step left it, so a step and its dependants re-run exactly when its code, inputs or seed change. A step must make and return its results (one that changes its arguments or upvalues is refused); globals are not part of the key. Kept in memory for the session (`wick --watch`) and in the sketchbook (WICK_BOOK; off: memory only)",
  example = 'local map = wick.cache("tsne", wick.embed.tsne, x50, {dims = 2})\nlocal net = wick.cache("train", function(n) local net = make_net(); train(net, n); return net end, 12000)' })
add("wick.cache_limit", { "wick.cache_limit([bytes]) → bytes", "the most the cache keeps (default WICK_CACHE_MAX or 2 GiB; the session's memory holds at most 1 GiB of it); least recently used entries go first",
  example = "wick.cache_limit(512 * 1024 ^ 2)" })
