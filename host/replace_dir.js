// replace_dir.js — puts a finished folder (written and flushed under a temporary name
// beside it) in place of an older copy, for make data's host scripts: the old copy is
// moved aside first and dropped last, so the data folder holds the old version or the
// new one, never a half-written mix.
"use strict";

const fs = require("fs");

module.exports = function replaceDir(tmp, out) {
  if (fs.existsSync(out)) {
    const old = `${out}.old-${process.pid}`;
    fs.renameSync(out, old);
    fs.renameSync(tmp, out);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(tmp, out);
  }
};
