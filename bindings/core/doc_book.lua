-- doc_book.lua — help's entries for the run log (bindings/store/book.lua, book.c):
-- wick.log, wick.runs, wick.run and wick.book. The commands `wick runs` and `wick show`
-- are the same questions asked from the shell (their usage is in `wick --help`).
-- luacheck: no max line length (one entry a line or two: the strings are the documentation)
local wick = ...
local add = wick._doc.add

add("wick.log", { "wick.log{name = number, … [, step = n]} → step", "records metrics of the running sketch in the sketchbook (a number or a one-element tensor each); without step, steps count up from the last (1 first). Costs about a microsecond: rows wait in memory up to 0.1 s. Outside a run (the REPL, WICK_BOOK=off) it checks and counts and records nothing",
  example = "for step = 1, 500 do\n  local loss = train_step()\n  wick.log{loss = loss, lr = opt.lr}\nend" })
add("wick.runs", { "wick.runs([sketch | opts]) → {run, …}", "the recorded runs, newest first: each a table of the run's fields (id, sketch, name, code_hash, args, seed, wick_version, cpu, blas, threads, host, pid, started, ended, duration, status, error, sweep, cell); sketch is a name (\"tsne\"), a script's path or a folder",
  opts = { { "sketch", false, "only runs of this sketch: a name, a script's path or a folder" },
    { "status", false, "only runs that ended so: \"running\", \"ok\", \"error\", \"interrupted\" or \"killed\"" },
    { "limit", false, "at most this many (the newest)" } },
  example = 'for _, r in ipairs(wick.runs{sketch = "tsne", limit = 5}) do print(r.id, r.status, r.seed) end' })
add("wick.run", { "wick.run(id) → run | nil", "one run with everything recorded: its fields (as wick.runs), .outputs {path, size, hash, at}, .inputs {path, size, mtime} and .metrics (name → {first, last, min, max, count, step})",
  example = "local r = wick.run(12)\nprint(r.seed, r.metrics.loss.last, #r.outputs)" })
add("wick.book", { "wick.book() → db", "the sketchbook itself (SQLite: tables runs, outputs, inputs, metrics), for questions of your own: db:rows(sql, …), db:row, db:value; an error when it is off (WICK_BOOK=off) or not made yet",
  example = 'local db = wick.book()\nfor _, m in ipairs(db:rows("SELECT step, value FROM metrics WHERE run = ?1 AND name = \'loss\'", 12)) do\n  print(m.step, m.value)\nend' })
