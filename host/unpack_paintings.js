// unpack_paintings.js — build step for `make data`: turns the puzzle of GCompris's
// "paintings" activity (Debian gcompris-qt-data, usr/share/gcompris-qt/rcc/paintings.rcc)
// back into whole paintings, one PNG each, for the style sketches. The .rcc is a Qt
// resource bundle (read here: header, tree, names, data; zlib or, from Qt 6, zstd
// entries). Each board boardN_0.qml names a painting ("Painter, Title - year") and lists
// its pieces, jigsaw-cut WebP images with alpha, by their centres on a 702×515 canvas
// where a piece keeps its own pixel size. Debian's dwebp decodes the pieces.
//
// The centres are written with three decimals (0.7 px), so rounding them leaves pieces a
// pixel off, which shows as a step in every line crossing a seam. Each piece is nudged
// (at most 2 px from where the board puts it) to where its edge agrees best with the
// colours of the pieces around it: neighbouring pieces share a rim of pixels, which
// match when the two are aligned. Pieces are then summed with their alpha as weights and
// divided by the summed alpha, so shared rims average instead of darkening or doubling;
// the picture is cropped to the largest rectangle whose border is covered, and the few
// pixels no piece covers inside it (never more than 0.1%) take their neighbours' mean.
// Last, a line or a few of scanned frame or paper edge that stand out are trimmed.
//
// Writes <out>/<short_name>.png, CREDITS (names, sizes, painter, title, year, licence)
// and the package's copyright file, into a temporary folder renamed into place, so an
// interrupted run leaves nothing half made. Runs once, at `make data`; never at run time.
// Usage: node host/unpack_paintings.js <unpacked package> <path of the .rcc in it> <output folder>
"use strict";

const fs = require("fs");
const path = require("path");
const replaceDir = require("./replace_dir");
const zlib = require("zlib");
const { spawnSync } = require("child_process");

// Short names an artist types, keyed by the pieces' file-name stem; painters' names are
// spelled out here because two boards misspell them ("Hokusa", "Brugel").
const PAINTINGS = {
  "renoir-moulin_de_la_galette": { name: "moulin_de_la_galette", painter: "Pierre-Auguste Renoir" },
  Arcimboldo_Spring: { name: "arcimboldo_spring", painter: "Giuseppe Arcimboldo" },
  Arcimboldo_Librarian: { name: "librarian", painter: "Giuseppe Arcimboldo" },
  HokusaiOiranKamuro: { name: "oiran_and_kamuro", painter: "Katsushika Hokusai" },
  HokusaiWomanHoldingFan: { name: "woman_with_fan", painter: "Katsushika Hokusai" },
  EjiriSuruga: { name: "ejiri", painter: "Katsushika Hokusai" },
  GreatWave: { name: "great_wave", painter: "Katsushika Hokusai" },
  HiroshigeInokashiraSnow: { name: "inokashira_snow", painter: "Utagawa Hiroshige" },
  HiroshigeHorsePrawns: { name: "mackerel_and_prawn", painter: "Utagawa Hiroshige" },
  HokusaiBridge: { name: "ryogoku_bridge", painter: "Katsushika Hokusai" },
  HokusaiPoppies: { name: "poppies", painter: "Katsushika Hokusai" },
  KazusaSeaRoute: { name: "kazusa_sea_route", painter: "Katsushika Hokusai" },
  Michelangelo_Pieta: { name: "pieta", painter: "Michelangelo" },
  MonaLisa: { name: "mona_lisa", painter: "Leonardo da Vinci" },
  PalaDiPesaro: { name: "pala_di_pesaro", painter: "Giovanni Bellini" },
  AlbrechtDurer: { name: "durer_lion", painter: "Albrecht Dürer" },
  PieterBruegel: { name: "harvesters", painter: "Pieter Bruegel the Elder" },
  "renoir-filles_piano": { name: "girls_at_the_piano", painter: "Pierre-Auguste Renoir" },
  kandinky: { name: "kandinsky_8", painter: "Wassily Kandinsky" },
  bazille_rampart: { name: "aigues_mortes", painter: "Frédéric Bazille" },
  cassat_summertime: { name: "summertime", painter: "Mary Cassatt" },
  gogh_auvert: { name: "auvers_village_street", painter: "Vincent van Gogh" },
};
const NUDGE = 2;           // pixels a piece may move from where its board puts it
const MAX_FILLED = 0.001;  // share of a painting's pixels allowed to be filled in
const GAP_COST = 64;       // colour difference a one-pixel gap between pieces counts as
const STEPS = [[1, 0], [-1, 0], [0, 1], [0, -1]];
const MAX_RIM = 30;        // rim colour difference (RMS, 0..255) beyond which pieces do not fit
const MIN_KEPT = 0.97;     // share of the pieces' pixels the covered rectangle must keep
const FRAME_MAX = 4;       // lines of scanned frame or edge trimmed from a side, at most
const FRAME_STEP = 15;     // brightness (0..255) by which such a line stands out
const FRAME_STEADY = 10;   // brightness by which lines of the picture proper may differ

let unfinished = null;   // the temporary output folder while it is being written

function fail(message) {
  process.stderr.write(`unpack_paintings: ${message}\n`);
  if (unfinished) fs.rmSync(unfinished, { recursive: true, force: true });
  process.exit(1);
}

// ---- Qt resource bundle -------------------------------------------------------------
// Header (big-endian): "qres", version, tree offset, data offset, names offset, and from
// version 3 a flags word. Tree entries are 14 bytes (version 1) or 22 (with a 64-bit
// modification time): name offset u32, flags u16, then for a folder child count u32 and
// first child index u32, for a file country u16, language u16 and data offset u32. A
// name is u16 length, u32 hash, UTF-16BE text; a datum is u32 length then the bytes,
// which for a compressed entry start with the u32 uncompressed size (zlib) or are a
// zstd frame. Returns a Map from path to bytes, decompressed.
const RCC_COMPRESSED = 1, RCC_DIRECTORY = 2, RCC_ZSTD = 4;

function read_rcc(file) {
  const b = fs.readFileSync(file);
  const need = (off, n, what) => {
    if (off < 0 || off + n > b.length) fail(`${file}: ${what} at byte ${off} runs past the end (${b.length} bytes)`);
  };
  need(0, 20, "header");
  if (b.toString("latin1", 0, 4) !== "qres") fail(`${file}: not a Qt resource bundle (no 'qres' magic)`);
  const version = b.readUInt32BE(4);
  if (version < 1 || version > 3) fail(`${file}: RCC format version ${version}; this reader knows 1 to 3`);
  const tree = b.readUInt32BE(8), data = b.readUInt32BE(12), names = b.readUInt32BE(16);
  const entry_size = version >= 2 ? 22 : 14;

  const name_at = (off) => {
    need(names + off, 6, "name");
    const n = b.readUInt16BE(names + off);
    need(names + off + 6, 2 * n, "name");
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(b.readUInt16BE(names + off + 6 + 2 * i));
    return s;
  };
  const files = new Map();
  const seen = new Set();   // entry indices, so a looping tree cannot recurse forever
  const walk = (index, prefix) => {
    if (seen.has(index)) fail(`${file}: tree entry ${index} is reached twice`);
    seen.add(index);
    const p = tree + index * entry_size;
    need(p, entry_size, `tree entry ${index}`);
    const name = index === 0 ? "" : name_at(b.readUInt32BE(p));
    const flags = b.readUInt16BE(p + 4);
    if (flags & RCC_DIRECTORY) {
      const count = b.readUInt32BE(p + 6), first = b.readUInt32BE(p + 10);
      for (let k = 0; k < count; k++) walk(first + k, index === 0 ? "" : `${prefix}${name}/`);
      return;
    }
    const off = data + b.readUInt32BE(p + 10);
    need(off, 4, `data of ${prefix}${name}`);
    const len = b.readUInt32BE(off);
    need(off + 4, len, `data of ${prefix}${name}`);
    let bytes = b.subarray(off + 4, off + 4 + len);
    if (flags & RCC_ZSTD) {
      if (!zlib.zstdDecompressSync)
        fail(`${file}: ${prefix}${name} is zstd-compressed (a Qt 6 bundle); ` +
             `this node (${process.version}) has no zstd`);
      bytes = zlib.zstdDecompressSync(bytes);
    } else if (flags & RCC_COMPRESSED) {
      const size = bytes.readUInt32BE(0);
      bytes = zlib.inflateSync(bytes.subarray(4));
      if (bytes.length !== size) fail(`${file}: ${prefix}${name} inflates to ${bytes.length} bytes, not ${size}`);
    }
    files.set(`${prefix}${name}`, bytes);
  };
  walk(0, "");
  return files;
}

// ---- boards -------------------------------------------------------------------------
// A board is a QML object whose `levels` list holds one background item (width and
// height of the canvas) and one {pixmapfile, x, y} per piece. Returns {instruction,
// width, height, pieces: [{file, x, y}]} with x, y the piece centre as canvas fractions.
function parse_board(text, where) {
  const instruction = /instruction:\s*qsTr\("([^"]*)"\)/.exec(text);
  if (!instruction) fail(`${where}: no instruction line`);
  const board = { instruction: instruction[1], width: 0, height: 0, pieces: [] };
  for (const item of text.match(/\{[^{}]*\}/g) || []) {
    const field = (key) => {
      const m = new RegExp(`"${key}"\\s*:\\s*"?([^",\\s}]+)"?`).exec(item);
      return m ? m[1] : undefined;
    };
    const file = field("pixmapfile");
    if (!file) continue;
    if (field("type") === "SHAPE_BACKGROUND_IMAGE") {
      board.width = Number(field("width"));
      board.height = Number(field("height"));
    } else if (file.endsWith(".webp")) {
      const x = Number(field("x")), y = Number(field("y"));
      if (!(x >= 0 && x <= 1 && y >= 0 && y <= 1)) fail(`${where}: piece ${file} has no centre in [0, 1]`);
      board.pieces.push({ file, x, y });
    }
  }
  if (!(board.width > 0 && board.height > 0)) fail(`${where}: no background size`);
  if (board.pieces.length < 2) fail(`${where}: ${board.pieces.length} pieces`);
  return board;
}

// "Katsushika Hokusai, The Great Wave off Kanagawa - 1823-1829" -> painter, title, year
// (the year is missing on some boards).
function split_instruction(text) {
  const comma = text.indexOf(", ");
  const painter = comma > 0 ? text.slice(0, comma) : "";
  let title = comma > 0 ? text.slice(comma + 2) : text, year = "";
  const dash = /^(.*) - ([0-9][0-9-]*)\.?$/.exec(title);
  if (dash) { title = dash[1]; year = dash[2]; }
  return { painter, title, year };
}

// ---- pieces -------------------------------------------------------------------------
// dwebp -pam writes RGBA, 8 bits, straight (not premultiplied) alpha.
function decode_webp(bytes, where) {
  const run = spawnSync("dwebp", ["-quiet", "-pam", "-o", "-", "--", "-"], { input: bytes, maxBuffer: 1 << 28 });
  if (run.error) fail(`${where}: cannot run dwebp (${run.error.code}); install Debian's webp package`);
  if (run.status !== 0) fail(`${where}: dwebp failed: ${String(run.stderr).trim()}`);
  const out = run.stdout, head = out.toString("latin1", 0, Math.min(out.length, 200));
  const end = head.indexOf("ENDHDR\n");
  const w = /WIDTH (\d+)/.exec(head), h = /HEIGHT (\d+)/.exec(head);
  if (end < 0 || !w || !h || !/DEPTH 4/.test(head) || !/MAXVAL 255/.test(head))
    fail(`${where}: dwebp wrote no RGBA PAM`);
  const width = Number(w[1]), height = Number(h[1]);
  const px = out.subarray(end + 7);   /* H×W×4 */
  if (px.length !== width * height * 4) fail(`${where}: PAM holds ${px.length} bytes, not ${width}×${height}×4`);
  return { width, height, px };
}

// ---- assembly -----------------------------------------------------------------------
// Sums of alpha (A, H×W) and alpha-weighted colour (C, H×W×3) over the placed pieces;
// a piece's rim counts where its alpha is at least one half.
function make_canvas(width, height) {
  return { width, height, A: new Float32Array(width * height), C: new Float32Array(width * height * 3) };
}

function place(canvas, piece, sign) {
  const { width, A, C } = canvas, { px } = piece;
  for (let y = 0; y < piece.height; y++) {
    for (let x = 0; x < piece.width; x++) {
      const k = (y * piece.width + x) * 4, a = sign * px[k + 3] / 255;
      if (a === 0) continue;
      const d = (piece.top + y) * width + piece.left + x;
      A[d] += a;
      C[d * 3] += a * px[k]; C[d * 3 + 1] += a * px[k + 1]; C[d * 3 + 2] += a * px[k + 2];
    }
  }
}

// How a piece moved by (dx, dy) agrees with what the others painted under it: the
// number of shared pixels and their summed squared colour difference. A gap of one or
// two pixels between the piece's edge and another piece counts as a shared pixel that
// differs by GAP_COST in each channel, so closing a gap pays even where colours are flat.
function agreement(canvas, piece, dx, dy) {
  const { width, A, C } = canvas, { px } = piece;
  const opaque = (x, y) =>
    x >= 0 && y >= 0 && x < piece.width && y < piece.height && px[(y * piece.width + x) * 4 + 3] >= 128;
  let n = 0, err = 0;
  for (let y = 0; y < piece.height; y++) {
    for (let x = 0; x < piece.width; x++) {
      const k = (y * piece.width + x) * 4;
      if (px[k + 3] < 128) continue;
      const d = (piece.top + dy + y) * width + piece.left + dx + x, a = A[d];
      if (a >= 0.5) {
        n++;
        for (let c = 0; c < 3; c++) { const v = C[d * 3 + c] / a - px[k + c]; err += v * v; }
      }
      for (const [ux, uy] of STEPS) {   // the piece ends here: is there a gap beyond?
        if (opaque(x + ux, y + uy)) continue;
        const step = uy * width + ux;
        if (A[d + step] >= 0.5) continue;
        if (A[d + 2 * step] >= 0.5 || A[d + 3 * step] >= 0.5) { n++; err += 3 * GAP_COST * GAP_COST; }
      }
    }
  }
  return { n, err };
}

// Rim colour difference (RMS, 0..255) over all pieces as they lie.
function rim_rms(canvas, pieces) {
  let n = 0, err = 0;
  for (const p of pieces) {
    place(canvas, p, -1);
    const r = agreement(canvas, p, 0, 0);
    place(canvas, p, 1);
    n += r.n; err += r.err;
  }
  return n ? Math.sqrt(err / n / 3) : 0;
}

// Moves pieces one pixel at a time, each to where its rim agrees best with the others,
// until no move helps (coordinate descent; a move must keep at least half the shared
// rim, so a piece cannot improve its score by drifting away from its neighbours).
function align(canvas, pieces) {
  for (let pass = 0; pass < 8; pass++) {
    let moved = 0;
    for (const p of pieces) {
      place(canvas, p, -1);
      const here = agreement(canvas, p, 0, 0);
      let best = { dx: 0, dy: 0, rms: here.n ? Math.sqrt(here.err / here.n / 3) : 0 };
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          if (!dx && !dy) continue;
          if (Math.abs(p.left + dx - p.left0) > NUDGE || Math.abs(p.top + dy - p.top0) > NUDGE) continue;
          const r = agreement(canvas, p, dx, dy);
          if (r.n < Math.max(20, here.n / 2)) continue;
          const rms = Math.sqrt(r.err / r.n / 3);
          if (rms < best.rms - 0.5) best = { dx, dy, rms };
        }
      }
      if (best.dx || best.dy) { p.left += best.dx; p.top += best.dy; moved++; }
      place(canvas, p, 1);
    }
    if (!moved) return;
  }
}

// The largest rectangle whose borders are covered, found by peeling off one line at a
// time, the border line with the most uncovered pixels, until each border line has less
// than 2% uncovered (a stray gap line that reaches the edge must not eat the picture;
// develop fills those few pixels).
function covered_rect(canvas) {
  const { width, A } = canvas;
  let x0 = 0, y0 = 0, x1 = canvas.width - 1, y1 = canvas.height - 1;
  const gaps = (xa, ya, xb, yb) => {
    let g = 0;
    for (let y = ya; y <= yb; y++) for (let x = xa; x <= xb; x++) if (A[y * width + x] < 0.5) g++;
    return g / ((xb - xa + 1) * (yb - ya + 1));
  };
  while (x1 - x0 > 16 && y1 - y0 > 16) {
    const sides = [gaps(x0, y0, x1, y0), gaps(x0, y1, x1, y1), gaps(x0, y0, x0, y1), gaps(x1, y0, x1, y1)];
    const worst = sides.indexOf(Math.max(...sides));
    if (sides[worst] < 0.02) break;
    if (worst === 0) y0++; else if (worst === 1) y1--; else if (worst === 2) x0++; else x1--;
  }
  return { x0, y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

// Colour (H×W×3 bytes) of the rectangle: summed colour over summed alpha; pixels no
// piece covers take the mean of their covered neighbours, growing inwards.
function develop(canvas, rect) {
  const { width, A, C } = canvas, { x0, y0, w, h } = rect;
  const rgb = new Float32Array(w * h * 3), ok = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = (y0 + y) * width + x0 + x, a = A[d], o = y * w + x;
      if (a < 0.5) continue;
      ok[o] = 1;
      for (let c = 0; c < 3; c++) rgb[o * 3 + c] = C[d * 3 + c] / a;
    }
  }
  let filled = 0;
  for (;;) {
    const now = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (ok[y * w + x]) continue;
        const sum = [0, 0, 0]; let n = 0;
        for (let v = Math.max(0, y - 1); v <= Math.min(h - 1, y + 1); v++) {
          for (let u = Math.max(0, x - 1); u <= Math.min(w - 1, x + 1); u++) {
            if (!ok[v * w + u]) continue;
            for (let c = 0; c < 3; c++) sum[c] += rgb[(v * w + u) * 3 + c];
            n++;
          }
        }
        if (n) now.push([y * w + x, sum.map((s) => s / n)]);
      }
    }
    if (!now.length) break;
    for (const [o, col] of now) { ok[o] = 1; rgb.set(col, o * 3); }
    filled += now.length;
  }
  const out = Buffer.alloc(w * h * 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(rgb[i])));
  return { rgb: out, filled };
}

// Scans of paintings often end in a line or a few of frame, paper or dark edge, and the
// cut pieces in a pixel brighter or darker than its neighbours. On each side, the picture
// proper starts at the first of lines 1 to FRAME_MAX from which four lines run steady
// (each within FRAME_STEADY of their mean brightness); the lines before it are dropped
// when the outermost one differs from those by more than FRAME_STEP. A side whose edge is
// steady, or that finds no steady run that close, is kept whole.
function trim_frame(pic) {
  const { width: w, height: h, rgb } = pic;
  const luma = (x, y) => {
    const o = (y * w + x) * 3;
    return 0.299 * rgb[o] + 0.587 * rgb[o + 1] + 0.114 * rgb[o + 2];
  };
  const row = (y) => { let s = 0; for (let x = 0; x < w; x++) s += luma(x, y); return s / w; };
  const col = (x) => { let s = 0; for (let y = 0; y < h; y++) s += luma(x, y); return s / h; };
  const depth = (line) => {   // line(i): mean brightness of the line i in from this side
    for (let k = 1; k <= FRAME_MAX; k++) {
      const run = [line(k), line(k + 1), line(k + 2), line(k + 3)];
      const mean = run.reduce((a, b) => a + b) / 4;
      if (run.some((v) => Math.abs(v - mean) > FRAME_STEADY)) continue;
      return Math.abs(line(0) - mean) > FRAME_STEP ? k : 0;
    }
    return 0;
  };
  const top = depth(row), bottom = depth((i) => row(h - 1 - i));
  const left = depth(col), right = depth((i) => col(w - 1 - i));
  const cw = w - left - right, ch = h - top - bottom, out = Buffer.alloc(cw * ch * 3);
  for (let y = 0; y < ch; y++) rgb.copy(out, y * cw * 3, ((top + y) * w + left) * 3, ((top + y) * w + left + cw) * 3);
  return { width: cw, height: ch, rgb: out, trimmed: [top, right, bottom, left] };
}

function assemble(board, pieces, where) {
  // Canvas pixels are piece pixels; leave a margin, as some boards put pieces past its edge.
  const margin = 2 * NUDGE + 32;
  for (const p of pieces) {
    p.left0 = p.left = Math.round(p.x * board.width - p.width / 2) + margin;
    p.top0 = p.top = Math.round(p.y * board.height - p.height / 2) + margin;
    if (p.left < NUDGE || p.top < NUDGE) fail(`${where}: piece ${p.file} lies far outside the canvas`);
  }
  const width = Math.max(...pieces.map((p) => p.left + p.width)) + margin;
  const height = Math.max(...pieces.map((p) => p.top + p.height)) + margin;
  const canvas = make_canvas(width, height);
  for (const p of pieces) place(canvas, p, 1);
  const rms_board = rim_rms(canvas, pieces);
  align(canvas, pieces);
  const rms = rim_rms(canvas, pieces);
  if (rms > MAX_RIM)
    fail(`${where}: aligned, the pieces still differ by ${rms.toFixed(1)} (RMS) where they meet; they do not fit`);
  const rect = covered_rect(canvas);
  const { rgb, filled } = develop(canvas, rect);
  if (filled > MAX_FILLED * rect.w * rect.h)
    fail(`${where}: ${filled} of ${rect.w}×${rect.h} pixels are covered by no piece; the board's pieces do not fit`);
  let covered = 0, inside = 0;   // pixels pieces cover, and of those inside the rectangle
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (canvas.A[y * width + x] < 0.5) continue;
      covered++;
      if (x >= rect.x0 && x < rect.x0 + rect.w && y >= rect.y0 && y < rect.y0 + rect.h) inside++;
    }
  }
  if (inside < MIN_KEPT * covered)
    fail(`${where}: the largest covered rectangle, ${rect.w}×${rect.h}, keeps only ` +
         `${(100 * inside / covered).toFixed(1)}% of the pieces`);
  const pic = trim_frame({ width: rect.w, height: rect.h, rgb });
  return Object.assign(pic, { filled, rms_board, rms, kept: inside / covered });
}

// ---- PNG ----------------------------------------------------------------------------
const CRC_TABLE = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (const x of buf) c = CRC_TABLE[(c ^ x) & 255] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function png_chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}
// 8-bit RGB; each row takes the filter (none, sub, up, average, Paeth) whose output has
// the smallest sum of magnitudes, the usual heuristic, which makes the files ~30% smaller.
function encode_png(width, height, rgb) {
  const stride = width * 3, raw = Buffer.alloc((stride + 1) * height);
  const row = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    let best = -1, best_sum = Infinity;
    for (let f = 0; f < 5; f++) {
      let sum = 0;
      for (let i = 0; i < stride; i++) {
        const v = rgb[y * stride + i];
        const a = i >= 3 ? rgb[y * stride + i - 3] : 0;
        const b = y > 0 ? rgb[(y - 1) * stride + i] : 0;
        const c = i >= 3 && y > 0 ? rgb[(y - 1) * stride + i - 3] : 0;
        let pred = 0;
        if (f === 1) pred = a;
        else if (f === 2) pred = b;
        else if (f === 3) pred = (a + b) >> 1;
        else if (f === 4) {
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        const r = (v - pred) & 255;
        row[i] = r;
        sum += r < 128 ? r : 256 - r;
      }
      if (sum < best_sum) { best_sum = sum; best = f; row.copy(raw, y * (stride + 1) + 1); }
    }
    raw[y * (stride + 1)] = best;
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; header[9] = 2;   // 8 bits, RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), png_chunk("IHDR", header),
                        png_chunk("IDAT", zlib.deflateSync(raw, { level: 9 })), png_chunk("IEND", Buffer.alloc(0))]);
}

// ---- main ---------------------------------------------------------------------------
// The package's name and version, from its Debian changelog ("gcompris-qt (3.1-2) ...").
function package_of(pkgdir) {
  const docs = path.join(pkgdir, "usr/share/doc");
  const names = fs.existsSync(docs)
    ? fs.readdirSync(docs).filter((d) => fs.existsSync(path.join(docs, d, "copyright"))) : [];
  if (names.length !== 1) fail(`${docs}: expected one package's copyright file, found ${names.length}`);
  let version = "";
  const log = path.join(docs, names[0], "changelog.Debian.gz");
  if (fs.existsSync(log)) {
    const m = /^\S+ \(([^)]+)\)/.exec(zlib.gunzipSync(fs.readFileSync(log)).toString("utf8"));
    if (m) version = m[1];
  }
  return { name: names[0], version, copyright: path.join(docs, names[0], "copyright") };
}

// The copyright file's stanza for the paintings' images: "Copyright: …" and "License: …".
function licence_of(copyright, images_glob) {
  for (const stanza of fs.readFileSync(copyright, "utf8").split(/\n\s*\n/)) {
    const files = /^Files:\s*([^\n]*(?:\n[ \t]+[^\n]*)*)/m.exec(stanza);
    if (!files || !files[1].split(/\s+/).includes(images_glob)) continue;
    const field = (key) => {
      const m = new RegExp(`^${key}:\\s*(.*)$`, "m").exec(stanza);
      return m ? m[1].trim() : "";
    };
    return { holder: field("Copyright"), licence: field("License"), comment: field("Comment") };
  }
  fail(`${copyright}: no stanza for ${images_glob}`);
}

function main() {
  const [pkgdir, rcc_path, dest] = process.argv.slice(2);
  if (!pkgdir || !rcc_path || !dest)
    fail("usage: node host/unpack_paintings.js <unpacked package> <path of the .rcc in it> <output folder>");
  const started = Date.now();
  const pkg = package_of(pkgdir);
  const files = read_rcc(path.join(pkgdir, rcc_path));

  // Boards in their own order (board1 … boardN), each with its pieces decoded.
  const boards = [...files.keys()].map((f) => [f, /^(.*)\/board\/board(\d+)_0\.qml$/.exec(f)]).filter(([, m]) => m)
    .sort((a, b) => Number(a[1][2]) - Number(b[1][2]));
  if (!boards.length) fail(`${rcc_path}: no board/boardN_0.qml in the bundle`);
  const resource_dir = boards[0][1][1];
  const rel = resource_dir.replace(/^.*?\/src\//, "src/");   // as the copyright file names it
  const licence = licence_of(pkg.copyright, `${rel}/image/*`);

  const out = path.resolve(dest);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  unfinished = tmp;

  const credits = [];
  const names = new Set();
  for (const [file] of boards) {
    const where = `${rcc_path}:${file}`;
    const board = parse_board(files.get(file).toString("utf8"), where);
    const pieces = board.pieces.map((p) => {
      const bytes = files.get(`${resource_dir}/${p.file}`);
      if (!bytes) fail(`${where}: the bundle has no ${p.file}`);
      return Object.assign(p, decode_webp(bytes, `${rcc_path}:${p.file}`));
    });
    const stem = path.basename(board.pieces[0].file, ".webp").replace(/[-_](?:[a-z]\d|\d)$/, "");
    const known = PAINTINGS[stem];
    const said = split_instruction(board.instruction);
    const name = known ? known.name
      : stem.replace(/([a-z])([A-Z])/g, "$1_$2").replace(/[^A-Za-z0-9]+/g, "_").toLowerCase();
    if (names.has(name)) fail(`${where}: a second painting named ${name}`);
    names.add(name);
    const pic = assemble(board, pieces, where);
    fs.writeFileSync(path.join(tmp, `${name}.png`), encode_png(pic.width, pic.height, pic.rgb));
    credits.push({ name, size: `${pic.width}x${pic.height}`, painter: known ? known.painter : said.painter,
                   title: said.title, year: said.year });
    console.log(`unpack_paintings: ${name}.png ${pic.width}×${pic.height}, ${pieces.length} pieces, rim ` +
                `colour difference ${pic.rms_board.toFixed(1)} -> ${pic.rms.toFixed(1)} aligned, ` +
                `${pic.filled} pixels filled, ${(100 * pic.kept).toFixed(1)}% kept, ` +
                `frame trimmed ${pic.trimmed.join("/")} (top/right/bottom/left)`);
  }

  const source = `Debian ${pkg.name}${pkg.version ? ` ${pkg.version}` : ""}, ${rcc_path}`;
  const lines = [
    "# Paintings from GCompris's \"paintings\" puzzle, reassembled from their pieces by",
    `# wick's host/unpack_paintings.js (make data). Source: ${source}.`,
    `# Licence of the images, from the package's copyright file (copied beside this one):`,
    `#   Files: ${rel}/image/*`,
    `#   Copyright: ${licence.holder}`,
    `#   License: ${licence.licence}${licence.comment ? `  (${licence.comment})` : ""}`,
    "# The works themselves are in the public domain; GCompris took these reproductions",
    "# from Nicolas Pioch's WebMuseum (README.images). Title and year are as the GCompris",
    "# board gives them; painters' names are spelled out in full.",
    "# name\tsize\tpainter\ttitle\tyear",
    ...credits.map((c) => `${c.name}\t${c.size}\t${c.painter}\t${c.title}\t${c.year}`),
  ];
  fs.writeFileSync(path.join(tmp, "CREDITS"), lines.join("\n") + "\n");
  fs.copyFileSync(pkg.copyright, path.join(tmp, "copyright"));
  const readme = files.get(`${resource_dir}/image/README`);   // the images' own note (WebMuseum)
  if (readme) fs.writeFileSync(path.join(tmp, "README.images"), readme);

  // Everything written and flushed: rename into place (moving an older copy aside first).
  for (const f of fs.readdirSync(tmp)) {
    const fd = fs.openSync(path.join(tmp, f), "r");
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  }
  replaceDir(tmp, out);   // the old copy, if any, moved aside first, then dropped
  unfinished = null;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`unpack_paintings: ${out}: ${credits.length} paintings in ${seconds} s`);
}

main();
