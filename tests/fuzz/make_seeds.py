#!/usr/bin/env python3
"""make_seeds.py — writes the seed corpora in tests/fuzz/corpus/<target>/: a few small
valid files per loader, covering its variants (PNG colour types, bit depths, palette,
tRNS, interlacing; safetensors dtypes; IDX types, gzipped or not; ...). The files are
committed; run this again only to change them. JPEG seeds come from wick's own writer:
pass a wick binary as the first argument (default build/h5/wick)."""
import gzip, json, os, random, struct, subprocess, sys, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(7)


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- PNG: written by hand so palette, tRNS and interlacing are covered ------------
def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png(w, h, depth, ctype, interlace=False, extra=b""):
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    bits = channels * depth
    raw = b""
    passes = [(x0, y0, dx, dy) for x0, y0, dx, dy in ADAM7] if interlace else [(0, 0, 1, 1)]
    for x0, y0, dx, dy in passes:
        pw, ph = len(range(x0, w, dx)), len(range(y0, h, dy))
        if pw == 0 or ph == 0:
            continue
        for _ in range(ph):
            # a random filter type and random bytes: every byte string unfilters to pixels
            raw += bytes([rng.randrange(5)]) + bytes(rng.randrange(256) for _ in range((pw * bits + 7) // 8))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, 1 if interlace else 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


put("png", "rgb8", png(5, 3, 8, 2))
put("png", "palette4-trns-adam7", png(7, 5, 4, 3, True,
    chunk(b"PLTE", bytes(rng.randrange(256) for _ in range(16 * 3))) + chunk(b"tRNS", b"\x00\x80\xff")))
put("png", "grey16-trns", png(3, 3, 16, 0, False, chunk(b"tRNS", b"\x01\x02")))
put("png", "grey1", png(9, 2, 1, 0))
put("png", "greyalpha8-text", png(2, 2, 8, 4, False, chunk(b"tEXt", b"seed\x007")))
put("png", "rgba16-adam7", png(4, 4, 16, 6, True))
put("png", "rgb8-trns", png(3, 2, 8, 2, False, chunk(b"tRNS", b"\x00\x01\x00\x02\x00\x03")))

# ---- JPEG: wick's writer (libjpeg), grey and RGB, odd sizes, three qualities ------------
wick = sys.argv[1] if len(sys.argv) > 1 else "build/h5/wick"
jdir = os.path.join(HERE, "corpus", "jpeg")
os.makedirs(jdir, exist_ok=True)
subprocess.run([wick, "-e", """
local wick = require "wick"
local T, dir = wick.tensor, ...
""".replace("...", repr(jdir)) + """
wick.seed(3)
wick.image.save(T.rand(1, 8, 8), dir .. "/grey8.jpg", { quality = 50 })
wick.image.save(T.rand(3, 16, 16), dir .. "/rgb16.jpg", { quality = 90 })
wick.image.save(T.rand(3, 9, 17), dir .. "/rgb17x9.jpg", { quality = 20 })
"""], check=True)
for f in os.listdir(jdir):
    if f.endswith(".jpg"):
        os.rename(os.path.join(jdir, f), os.path.join(jdir, f[:-4]))


# ---- safetensors ------------------------------------------------------------------
def safetensors(tensors, meta=None, pad=True):
    header, data = {}, b""
    if meta:
        header["__metadata__"] = meta
    for name, (dtype, shape, blob) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(blob)]}
        data += blob
    h = json.dumps(header, separators=(",", ":")).encode()
    if pad:
        h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + data


f32 = lambda *v: struct.pack("<%df" % len(v), *v)
put("safetensors", "f32-meta", safetensors({"a.weight": ("F32", [2, 3], f32(1, 2, 3, 4, 5, 6)),
                                             "b": ("F32", [], f32(0.5))}, {"kind": "test", "seed": "7"}))
put("safetensors", "f16-bf16", safetensors({"h": ("F16", [3], struct.pack("<3e", 1.0, -2.5, 65504.0)),
                                             "bf": ("BF16", [2, 1], b"\x80\x3f\x00\xc0")}))
put("safetensors", "ints-bool", safetensors({"i64": ("I64", [2], struct.pack("<2q", -1, 1 << 40)),
                                              "i32": ("I32", [1, 2], struct.pack("<2i", 7, -7)),
                                              "u8": ("U8", [4], b"\x00\x01\x7f\xff"),
                                              "ok": ("BOOL", [2], b"\x01\x00")}, pad=False))
put("safetensors", "rare-dtypes", safetensors({"f64": ("F64", [1], struct.pack("<d", 3.25)),
                                                "e4m3": ("F8_E4M3", [2], b"\x38\xfe"),
                                                "e5m2": ("F8_E5M2", [2], b"\x3c\x7b"),
                                                "i16": ("I16", [1], struct.pack("<h", -300)),
                                                "u16": ("U16", [1], struct.pack("<H", 60000)),
                                                "u32": ("U32", [1], struct.pack("<I", 1 << 31)),
                                                "u64": ("U64", [1], struct.pack("<Q", 1 << 60)),
                                                "i8": ("I8", [1], b"\x80"),
                                                "empty": ("F32", [0, 3], b"")}))


# ---- IDX --------------------------------------------------------------------------
def idx(code, dims, values):
    fmt = {8: "B", 9: "b", 11: "h", 12: "i", 13: "f", 14: "d"}[code]
    return (bytes([0, 0, code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims)
            + struct.pack(">%d%s" % (len(values), fmt), *values))


put("idx", "images-u8", idx(8, [2, 3, 3], [rng.randrange(256) for _ in range(18)]))
put("idx", "labels-u8.gz", gzip.compress(idx(8, [5], [3, 1, 4, 1, 5]), mtime=0))
put("idx", "f32", idx(13, [2, 2], [0.5, -1, 2, 1e-3]))
put("idx", "i16-i8", idx(11, [3], [-1, 300, 7]) )
put("idx", "f64.gz", gzip.compress(idx(14, [1, 2], [1.5, -2.25]), mtime=0))
put("idx", "i32", idx(12, [2], [1 << 20, -5]))
put("idx", "i8", idx(9, [1, 1, 1, 2], [-128, 127]))

# ---- word vectors -----------------------------------------------------------------
words = ["the", "cat", "Sat", "on", "mat"]
vecs = [[round(rng.uniform(-1, 1), 4) for _ in range(4)] for _ in words]
text_rows = "".join(w + " " + " ".join(str(x) for x in v) + "\n" for w, v in zip(words, vecs))
put("wordvec_text", "five", ("%d 4\n" % len(words) + text_rows).encode())
put("wordvec_text", "crlf-limit", ("2 3\nhello 1 2 3\r\nworld -1e-2 0 4.5\r\n").encode())
put("wordvec_glove", "five", text_rows.encode())
put("wordvec_glove", "one-no-newline", b"caf\xc3\xa9 0.25 -0.5")
put("wordvec_binary", "five", ("%d 4\n" % len(words)).encode()
    + b"".join(w.encode() + b" " + f32(*v) + b"\n" for w, v in zip(words, vecs)))
put("wordvec_binary", "no-newlines", b"2 2\n" + b"a " + f32(1, 2) + b"b " + f32(3, 4))


# ---- R data: XDR character vectors, raw and as .rdb chunks -----------------------
def rxdr(strings, version=2):
    out = b"X\n" + struct.pack(">iii", version, 0x040201, 0x020300)
    if version == 3:
        out += struct.pack(">i", 5) + b"UTF-8"
    out += struct.pack(">ii", 16, len(strings))
    for s, enc in strings:
        if s is None:
            out += struct.pack(">ii", 9, -1)
        else:
            out += struct.pack(">ii", 9 | (enc << 12), len(s)) + s
    return out


def rdb_chunk(body):
    return struct.pack(">I", len(body)) + zlib.compress(body)


plain = rxdr([(b"It is a truth universally acknowledged,", 8), (b"", 8), (None, 0)])
latin = rxdr([(b"caf\xe9", 4), (b"na\xefve", 4)], version=3)
put("rxdr", "v2-na", plain)
put("rxdr", "v3-latin1", latin)
put("rdb", "two-chunks", rdb_chunk(plain) + rdb_chunk(latin))
put("rdb", "one-chunk", rdb_chunk(rxdr([(b"Emma", 64)])))


# ---- GIF and video: hand-made GIFs for what wick's writer never makes (disposal,
# transparency, interlacing, local tables), and small files from wick's own writers ----
def gif_lzw(indices, min_size):
    """LZW data (sub-blocks) for indices: a clear code before every second index, so the
    code width never grows past min_size + 1 bits."""
    clear, width, codes = 1 << min_size, min_size + 1, []
    for i, p in enumerate(indices):
        if i % 2 == 0:
            codes.append(clear)
        codes.append(p)
    codes.append(clear + 1)
    acc = n = 0
    out = bytearray()
    for c in codes:
        acc |= c << n
        n += width
        while n >= 8:
            out.append(acc & 255)
            acc >>= 8
            n -= 8
    if n:
        out.append(acc & 255)
    blocks = b"".join(bytes([len(out[i:i + 255])]) + bytes(out[i:i + 255]) for i in range(0, len(out), 255))
    return bytes([min_size]) + blocks + b"\x00"


def gif_frame(x, y, w, h, indices, dispose=0, transparent=None, delay=5, table=None, interlace=False):
    packed = dispose << 2 | (1 if transparent is not None else 0)
    gce = b"\x21\xf9\x04" + bytes([packed]) + struct.pack("<H", delay) + bytes([transparent or 0]) + b"\x00"
    flags = (0x40 if interlace else 0) | ((0x80 | 1) if table else 0)   # local tables of 4 colours
    desc = b"\x2c" + struct.pack("<HHHH", x, y, w, h) + bytes([flags]) + (table or b"")
    if interlace:   # rows in the order the four passes store them
        rows = [r for start, step in ((0, 8), (4, 8), (2, 4), (1, 2)) for r in range(start, h, step)]
        indices = [indices[r * w + c] for r in rows for c in range(w)]
    return gce + desc + gif_lzw(indices, 2)


def gif(w, h, frames, table=b"\x00\x00\x00\xff\x00\x00\x00\xff\x00\x00\x00\xff", loop=True):
    head = b"GIF89a" + struct.pack("<HH", w, h) + bytes([0x81 if table else 0, 0, 0]) + (table or b"")
    if loop:
        head += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    return head + b"".join(frames) + b"\x3b"


put("gif", "disposal", gif(6, 4, [
    gif_frame(0, 0, 6, 4, [1] * 24, dispose=2),
    gif_frame(1, 1, 3, 2, [0, 2, 2, 3, 3, 0], dispose=3, transparent=0),
    gif_frame(2, 0, 4, 4, [rng.randrange(4) for _ in range(16)], dispose=1, transparent=1)]))
put("gif", "interlaced-local", gif(5, 9, [
    gif_frame(0, 0, 5, 9, [rng.randrange(4) for _ in range(45)], interlace=True,
              table=bytes(rng.randrange(256) for _ in range(12))),
    gif_frame(0, 0, 5, 9, [rng.randrange(4) for _ in range(45)], delay=0)], loop=False))
put("gif", "outside-canvas", gif(4, 4, [gif_frame(2, 2, 4, 4, [2] * 16)]))
put("video", "gif-disposal", open(os.path.join(HERE, "corpus", "gif", "disposal"), "rb").read())

vdir = os.path.join(HERE, "corpus", "video")
gdir = os.path.join(HERE, "corpus", "gif")
subprocess.run([wick, "-e", """
local wick = require "wick"
local T, vdir, gdir = wick.tensor, ...
""".replace("...", repr(vdir) + ", " + repr(gdir)) + """
wick.seed(5)
local function clip(n, h, w)
  local f = {}
  for k = 1, n do f[k] = (T.rand(3, h, w) * 0.3 + k / n * 0.6):contiguous() end
  return f
end
wick.video.save(clip(3, 16, 16), vdir .. "/h264.mp4", { fps = 10, quality = 30 })
wick.video.save(clip(3, 16, 16), vdir .. "/mpeg4.mp4", { fps = 10, quality = 30, codec = "mpeg4" })
wick.video.save(clip(3, 16, 16), vdir .. "/vp9.webm", { fps = 10, quality = 30 })
wick.video.save(clip(3, 16, 16), vdir .. "/vp8.webm", { fps = 10, quality = 30, codec = "vp8" })
wick.video.save(clip(2, 10, 14), vdir .. "/h264.mkv", { fps = 25, quality = 30 })
wick.video.save(clip(3, 12, 12), gdir .. "/wick-many-colours.gif", { fps = 10 })
wick.video.save({ T.zeros(3, 6, 6), T.ones(3, 6, 6) }, gdir .. "/wick-two-colours.gif", { fps = 4 })
"""], check=True)
for d in (vdir, gdir):
    for f in os.listdir(d):
        base, ext = os.path.splitext(f)
        if ext in (".mp4", ".webm", ".mkv", ".gif"):
            os.rename(os.path.join(d, f), os.path.join(d, base + "-" + ext[1:] if d == vdir else base))
