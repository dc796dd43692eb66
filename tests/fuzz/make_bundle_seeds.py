#!/usr/bin/env python3
"""make_bundle_seeds.py — writes the seed corpus of fuzz_bundle (tests/fuzz/corpus/bundle):
small valid bundles (512-byte pages, so each is a few KiB) and damaged ones, one damage
each: a '..' path, an absolute path, a duplicate path, a file that is also a folder, a
wrong hash, a size that lies, a newer format, a foreign application_id, a truncated
copy, a trigger, a missing table and a missing meta key. Hashes are XXH3-128 through
libxxhash (ctypes), written as wick writes them: 32 hex digits, high half first. The
files are committed; run this again only to change them."""
import ctypes, os, sqlite3, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "bundle")


class XXH128(ctypes.Structure):
    _fields_ = [("low64", ctypes.c_uint64), ("high64", ctypes.c_uint64)]


xxh = ctypes.CDLL("libxxhash.so.0")
xxh.XXH3_128bits.restype = XXH128
xxh.XXH3_128bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]


def xxh128(data):
    r = xxh.XXH3_128bits(data, len(data))
    return "%016x%016x" % (r.high64, r.low64)


SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files(path TEXT PRIMARY KEY, kind TEXT NOT NULL, mode INTEGER NOT NULL,
                   size INTEGER NOT NULL, hash TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE inputs(path TEXT PRIMARY KEY, data TEXT, package TEXT,
                    size INTEGER NOT NULL, hash TEXT NOT NULL);
CREATE TABLE cache(key TEXT PRIMARY KEY, name TEXT, sketch TEXT, size INTEGER, created REAL,
                   used REAL, rng BLOB, value BLOB);
"""

CODE = b'-- tiny: a sketch for the seeds\nlocal wick = require "wick"\nprint(wick.version)\n'


def bundle(name, files=None, meta=None, version=1, app_id=0x5769636E, schema=SCHEMA, extra="", hashes=None):
    files = files if files is not None else [("tiny.lua", "code", 0o644, CODE), ("out/a.txt", "output", 0o644, b"hello\n"),
                                             ("run.sh", "code", 0o755, b"")]
    m = {"format": "wick bundle", "wick_version": "0.16", "name": "tiny", "entry": "tiny.lua",
         "args": '["--seed","3"]', "seed": "3", "created": "2026-12-04T05:30:00Z", "source_run": "1"}
    m.update(meta or {})
    fd, path = tempfile.mkstemp()
    os.close(fd)
    os.unlink(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA page_size = 512")
    db.execute("PRAGMA application_id = %d" % app_id)
    db.execute("PRAGMA user_version = %d" % version)
    db.executescript(schema)
    for k, v in m.items():
        if v is not None:
            db.execute("INSERT INTO meta VALUES (?, ?)", (k, v))
    for i, (p, kind, mode, data) in enumerate(files):
        h = (hashes or {}).get(p, xxh128(data))
        db.execute("INSERT INTO files(path, kind, mode, size, hash, data) VALUES (?, ?, ?, ?, ?, ?)",
                   (p, kind, mode, len(data), h, data))
    if "TABLE inputs(" in schema:
        db.execute("INSERT INTO inputs VALUES (?, ?, ?, ?, ?)", ("/usr/share/dict/words", None, "Debian wamerican", 5,
                                                                xxh128(b"words")))
    if "cache" in schema:
        db.execute("INSERT INTO cache(key, name, size, value) VALUES ('0123456789abcdef0123456789abcdef', 'train', 3, x'010203')")
    if extra:
        db.executescript(extra)
    db.commit()
    db.execute("VACUUM")
    db.close()
    with open(path, "rb") as f:
        data = f.read()
    os.unlink(path)
    return data


def put(name, data):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


good = bundle("good")
put("good.wick", good)
put("no-cache.wick", bundle("no-cache", schema=SCHEMA.split("CREATE TABLE cache")[0]))
put("one-file.wick", bundle("one", files=[("tiny.lua", "code", 0o644, CODE)]))
put("dotdot.wick", bundle("dotdot", files=[("tiny.lua", "code", 0o644, CODE), ("../evil.lua", "code", 0o644, b"x")]))
put("absolute.wick", bundle("abs", files=[("tiny.lua", "code", 0o644, CODE), ("/tmp/evil", "output", 0o644, b"x")]))
put("file-and-folder.wick", bundle("ff", files=[("tiny.lua", "code", 0o644, CODE), ("out", "output", 0o644, b"x"),
                                                ("out/a.png", "output", 0o644, b"y")]))
put("duplicate.wick", bundle("dup", schema=SCHEMA.replace("path TEXT PRIMARY KEY, kind", "path TEXT, kind"),
                             files=[("tiny.lua", "code", 0o644, CODE), ("a.txt", "output", 0o644, b"1"),
                                    ("a.txt", "output", 0o644, b"2")]))
put("bad-hash.wick", bundle("hash", hashes={"out/a.txt": "0" * 32}))
put("newer.wick", bundle("newer", version=2))
put("foreign.wick", bundle("foreign", app_id=0x12345678))
put("truncated.wick", good[: len(good) // 2])
put("trigger.wick", bundle("trigger", extra="CREATE TRIGGER t AFTER INSERT ON meta BEGIN DELETE FROM files; END;"))
put("no-inputs.wick", bundle("noinputs", schema=SCHEMA.replace("CREATE TABLE inputs(", "CREATE TABLE manifest(")))
put("no-entry.wick", bundle("noentry", meta={"entry": None}))
with open(os.path.join(OUT, "good.wick"), "rb") as f:
    d = bytearray(f.read())
i = d.find(b"hello\n")
d[i] = ord("j")   # the data changed, its hash did not
put("flipped.wick", bytes(d))
print("wrote", len(os.listdir(OUT)), "seeds to", OUT)
