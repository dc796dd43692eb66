// reference.js — the independent reference wick's tfjs loader is checked against. Run by
// `make data` once the networks are unpacked (host/unwrap_tfjs.js), under node, with
// TensorFlow.js 4.22.0's pure-JavaScript CPU backend and nsfwjs 4.4.0 as pinned by
// tests/tfjs/package.json + package-lock.json (installed by `npm ci` into a temporary
// folder named by NODE_PATH; nothing here is needed when wick runs).
//
// For skimage's astronaut, chelsea and coffee it takes the centre crop of the network's
// input size (top = floor((H - S) / 2), left = floor((W - S) / 2); no resampling, so wick
// can rebuild the exact input), preprocesses it as nsfwjs does (x / 255, see core.js:
// `img.toFloat().div(255)`, resized only when the image is not already S×S), and runs the
// model that `model.json` + shards in the converted folder describe — not nsfwjs's own
// bundle, so that the converted folder is what gets checked. It writes, per network,
//   <model>/reference/reference.safetensors   <image>/pixels  U8  S×S×3 (the crop)
//                                             <image>/input   F32 1×S×S×3 (preprocessed)
//                                             <image>/<layer> F32 NHWC as tfjs gives it
//                                             <image>/output  F32 1×5 (dense_3, softmax)
//   <model>/reference/nsfwjs.json             what nsfwjs.classify reports for each crop
// and prints the time each image takes. Everything is deterministic (single-threaded
// JavaScript kernels, fixed crops, no randomness); a folder whose reference is already
// there is skipped, and each reference folder is written beside its place and renamed in.
// Usage: NODE_PATH=<node_modules> node tests/tfjs/reference.js <WICK_DATA folder>
"use strict";

const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

const IMAGES = ["astronaut", "chelsea", "coffee"];
const NETWORKS = [
  // nsfwjs name, folder under models/, input size, layers recorded besides the output.
  // InceptionV3: mixed0..mixed5 keep the ImageNet weights (the Deep Dream layers);
  // flatten_1 is the pooled 2048-d feature vector.
  { nsfwjs: "InceptionV3", folder: "inception_v3", size: 299, layers: ["mixed0", "mixed3", "mixed5", "flatten_1"] },
  // MobileNetV2: block_5_add is a residual Add (no activation after it, so negative
  // values); block_6_depthwise_relu follows an asymmetric ZeroPadding2D, a stride-2
  // DepthwiseConv2D and ReLU6.
  { nsfwjs: "MobileNetV2", folder: "mobilenet_v2", size: 224, layers: ["block_5_add", "block_6_depthwise_relu"] },
];
const OUTPUT_LAYER = "dense_3";
// The head's classes in output order (nsfwjs 4.4.0 dist/cjs/nsfw_classes.js).
const CLASSES = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"];

function fail(message) {
  process.stderr.write(`reference.js: ${message}\n`);
  process.exit(1);
}

function need(name) {
  try {
    return require(name);
  } catch (e) {
    return fail(`cannot load ${name} (${e.message.split("\n")[0]}); make data installs it with npm ci ` +
                "from tests/tfjs/ and sets NODE_PATH");
  }
}

// ---- PNG: 8-bit RGB or RGBA, not interlaced (what skimage's photos are) ----------------

// Decoded pixels as {width, height, rgb: Uint8Array H×W×3}; alpha, when present, is dropped.
function decode_png(file) {
  const data = fs.readFileSync(file);
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  if (data.length < 8 || !data.subarray(0, 8).equals(signature)) fail(`${file}: not a PNG file`);
  let header = null;
  const idat = [];
  for (let p = 8; ;) {
    if (p + 12 > data.length) fail(`${file}: truncated (no IEND chunk)`);
    const length = data.readUInt32BE(p);
    const type = data.toString("latin1", p + 4, p + 8);
    if (p + 12 + length > data.length) fail(`${file}: chunk ${type} runs past the end of the file`);
    const body = data.subarray(p + 8, p + 8 + length);
    if (zlib.crc32 && zlib.crc32(data.subarray(p + 4, p + 8 + length)) !== data.readUInt32BE(p + 8 + length))
      fail(`${file}: chunk ${type} fails its CRC`);
    if (type === "IHDR") {
      header = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8], color: body[9],
                 interlace: body[12] };
    } else if (type === "IDAT") {
      idat.push(body);
    } else if (type === "IEND") {
      break;
    }
    p += 12 + length;
  }
  if (!header) fail(`${file}: no IHDR chunk`);
  const channels = { 2: 3, 6: 4 }[header.color];
  if (header.depth !== 8 || !channels || header.interlace !== 0)
    fail(`${file}: bit depth ${header.depth}, colour type ${header.color}, interlace ${header.interlace}: ` +
         "this decoder reads only 8-bit RGB or RGBA, not interlaced");
  const { width, height } = header;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== height * (stride + 1))
    fail(`${file}: image data is ${raw.length} bytes, expected ${height * (stride + 1)}`);

  // Undo the per-row filters (PNG spec, section 9): each row starts with its filter type.
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = y * stride, prev = (y - 1) * stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? pixels[out + i - channels] : 0;           // left
      const b = y > 0 ? pixels[prev + i] : 0;                              // up
      const c = y > 0 && i >= channels ? pixels[prev + i - channels] : 0;  // up-left
      let predictor;
      switch (filter) {
        case 0: predictor = 0; break;
        case 1: predictor = a; break;
        case 2: predictor = b; break;
        case 3: predictor = (a + b) >> 1; break;
        case 4: {
          const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
          predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: fail(`${file}: row ${y} has unknown filter type ${filter}`);
      }
      pixels[out + i] = (row[i] + predictor) & 255;
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += channels) {
    rgb[i] = pixels[j]; rgb[i + 1] = pixels[j + 1]; rgb[i + 2] = pixels[j + 2];
  }
  return { width, height, rgb };
}

// The centre S×S crop of an H×W×3 image, rows and columns taken as they are.
function centre_crop(image, size, file) {
  const { width, height, rgb } = image;
  if (width < size || height < size) fail(`${file}: ${width}×${height} is smaller than the ${size}² crop`);
  const top = Math.floor((height - size) / 2), left = Math.floor((width - size) / 2);
  const crop = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    const from = ((top + y) * width + left) * 3;
    crop.set(rgb.subarray(from, from + size * 3), y * size * 3);
  }
  return { crop, top, left };
}

// ---- safetensors: 8-byte little-endian header length, JSON header, raw data ------------

// tensors: [{name, dtype: "F32" | "U8", shape, data: Float32Array | Uint8Array}], kept in
// that order; metadata values are strings.
function write_safetensors(file, tensors, metadata) {
  const header = { __metadata__: metadata };
  const chunks = [];
  let offset = 0;
  for (const t of tensors) {
    const numel = t.shape.reduce((a, n) => a * n, 1);
    if (numel !== t.data.length) fail(`internal: ${t.name} has ${t.data.length} values for shape ${t.shape}`);
    const bytes = Buffer.alloc(t.data.length * t.data.BYTES_PER_ELEMENT);
    if (t.dtype === "F32") t.data.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
    else bytes.set(t.data);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);   // pad so the data starts 8-aligned
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  fs.writeFileSync(file, Buffer.concat([length, Buffer.from(json), ...chunks]));
}

// ---- the networks ---------------------------------------------------------------------

// The model from the converted folder: model.json and its shards, concatenated per the
// manifest, the way tfjs's own file loaders do.
async function load_converted(tf, folder) {
  const json = JSON.parse(fs.readFileSync(path.join(folder, "model.json"), "utf8"));
  const specs = [], parts = [];
  for (const group of json.weightsManifest) {
    for (const name of group.paths) parts.push(fs.readFileSync(path.join(folder, name)));
    specs.push(...group.weights);
  }
  const bytes = Buffer.concat(parts);
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }));
}

async function reference(tf, nsfwjs, data, net) {
  const folder = path.join(data, "models", net.folder);
  const dest = path.join(folder, "reference");
  if (fs.existsSync(path.join(dest, "reference.safetensors")) && fs.existsSync(path.join(dest, "nsfwjs.json"))) {
    console.log(`reference.js: ${dest} is there already`);
    return;
  }
  const model = await load_converted(tf, folder);
  const names = [...net.layers, OUTPUT_LAYER];
  const probe = tf.model({ inputs: model.inputs, outputs: names.map((n) => model.getLayer(n).output) });
  const classifier = await nsfwjs.load(net.nsfwjs, { size: net.size });

  const tensors = [], classified = {};
  let agree = 0;
  for (const image of IMAGES) {
    const file = path.join(data, "images", "skimage", `${image}.png`);
    const started = process.hrtime.bigint();
    const { crop, top, left } = centre_crop(decode_png(file), net.size, file);
    const S = net.size;
    const pixels = tf.tensor3d(crop, [S, S, 3], "int32");
    // Exactly nsfwjs's infer(): toFloat, div by 255, then (no resize at S×S) reshape.
    const input = pixels.toFloat().div(tf.scalar(255)).reshape([1, S, S, 3]);
    const outputs = probe.predict(input);
    tensors.push({ name: `${image}/pixels`, dtype: "U8", shape: [S, S, 3], data: crop });
    tensors.push({ name: `${image}/input`, dtype: "F32", shape: input.shape, data: input.dataSync() });
    names.forEach((layer, i) => {
      const name = layer === OUTPUT_LAYER ? "output" : layer;
      tensors.push({ name: `${image}/${name}`, dtype: "F32", shape: outputs[i].shape, data: outputs[i].dataSync() });
    });
    const computed = tensors[tensors.length - 1].data;
    const forward = Number(process.hrtime.bigint() - started) / 1e9;

    const reported = await classifier.classify(pixels);
    classified[image] = reported.map(({ className, probability }) => ({ className, probability }));
    // nsfwjs ran its own bundle on the same crop: its scores must be ours, bit for bit.
    if (reported.length === CLASSES.length &&
        reported.every((r) => Math.fround(r.probability) === computed[CLASSES.indexOf(r.className)])) agree++;
    const total = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`reference.js: ${net.folder} ${image} (crop ${S}² at top ${top}, left ${left}): ` +
                `forward ${forward.toFixed(1)} s, with nsfwjs ${total.toFixed(1)} s; nsfwjs says ` +
                reported.map((r) => `${r.className} ${r.probability.toFixed(4)}`).join(", "));
    tf.dispose([pixels, input, ...outputs]);
  }
  if (agree !== IMAGES.length)
    fail(`${net.folder}: nsfwjs's own top scores differ from the converted folder's on ${IMAGES.length - agree} ` +
         "of the images: the conversion is wrong");

  const tmp = `${dest}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  write_safetensors(path.join(tmp, "reference.safetensors"), tensors, {
    format: "wick-tfjs-reference",
    source: `@tensorflow/tfjs ${tf.version.tfjs} (backend ${tf.getBackend()}) on ${net.folder}/model.json`,
    images: IMAGES.map((i) => `images/skimage/${i}.png`).join(" "),
    crop: `centre ${net.size}x${net.size}: top = floor((H-${net.size})/2), left = floor((W-${net.size})/2)`,
    preprocess: "input = pixels / 255 (float32), NHWC, as nsfwjs 4.4.0 core.js infer()",
    layers: names.join(" "),
    classes: CLASSES.join(" "),
    layout: "NHWC (tfjs); pixels HxWx3 RGB",
  });
  fs.writeFileSync(path.join(tmp, "nsfwjs.json"), JSON.stringify(classified, null, 2) + "\n");
  fs.rmSync(dest, { recursive: true, force: true });
  fs.renameSync(tmp, dest);
  console.log(`reference.js: wrote ${dest}`);
  classifier.dispose();
  model.dispose();   // probe shares model's layers: disposing it too would free them twice
}

async function main() {
  const data = process.argv[2];
  if (!data) fail("usage: NODE_PATH=<node_modules> node tests/tfjs/reference.js <WICK_DATA folder>");
  const tf = need("@tensorflow/tfjs");
  const nsfwjs = need("nsfwjs");
  await tf.setBackend("cpu");
  await tf.ready();
  for (const net of NETWORKS) await reference(tf, nsfwjs, data, net);
}

main().catch((e) => fail(e.stack || String(e)));
