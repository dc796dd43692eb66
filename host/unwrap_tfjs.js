// unwrap_tfjs.js — build step for `make data`: turns a TensorFlow.js layers model that an
// npm package ships wrapped in browserify modules (nsfwjs@4.4.0: `model.min.js` exports
// {modelTopology, weightsManifest}; each `group1-shardKofN.min.js` exports one binary
// weight shard as a base64 string) into the standard tfjs layers folder that
// wick.nn.load_tfjs (and tf.loadLayersModel) reads: `model.json` plus the binary shards
// under the names the manifest gives, with the original shard split kept so that
// multi-shard loading is exercised. Every shard is checked before anything is written:
// it must be clean base64, and each manifest group's shards must add up to exactly the
// bytes its weight specs call for (quantised dtype when a weight is quantised). The
// folder is written beside the target under a temporary name and renamed into place, so
// an interrupted run leaves no half folder. Runs once, at `make data`; never at run time.
// Usage: node host/unwrap_tfjs.js <folder with model.min.js> <output folder>
"use strict";

const fs = require("fs");
const path = require("path");
const replaceDir = require("./replace_dir");

// Bytes per element of the dtypes a tfjs weights manifest may name (tfjs-core io/types.ts).
const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, int8: 1 };

function fail(message) {
  process.stderr.write(`unwrap_tfjs: ${message}\n`);
  process.exit(1);
}

// The package name and version the wrapped folder comes from (for model.json's
// convertedBy line), found by walking up to the nearest package.json with a name.
function source_package(dir) {
  for (let d = path.resolve(dir); d !== path.dirname(d); d = path.dirname(d)) {
    const file = path.join(d, "package.json");
    if (!fs.existsSync(file)) continue;
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    if (pkg.name) return `${pkg.name}@${pkg.version} (${path.relative(d, path.resolve(dir))})`;
  }
  return path.basename(dir);
}

// Bytes one weight spec takes in the shards: stored dtype, or the quantised one.
function spec_bytes(spec, where) {
  if (!Array.isArray(spec.shape) || !spec.shape.every((n) => Number.isInteger(n) && n >= 0))
    fail(`${where}: weight '${spec.name}' has no valid shape`);
  const dtype = spec.quantization ? spec.quantization.dtype : spec.dtype;
  const size = DTYPE_BYTES[dtype];
  if (!size) fail(`${where}: weight '${spec.name}' has dtype '${dtype}', which this tool does not know`);
  return spec.shape.reduce((a, n) => a * n, 1) * size;
}

// A wrapper module's export, decoded: a base64 string that must round-trip exactly
// (Buffer.from silently skips bad characters, which would shift every later weight).
function decode_shard(file) {
  if (!fs.existsSync(file)) fail(`${file}: no such file (the manifest names this shard)`);
  const text = require(file);
  if (typeof text !== "string") fail(`${file}: expected the module to export a base64 string, got ${typeof text}`);
  const bytes = Buffer.from(text, "base64");
  if (bytes.toString("base64") !== text) fail(`${file}: its export is not clean base64`);
  return bytes;
}

function main() {
  const [src, dest] = process.argv.slice(2);
  if (!src || !dest) fail("usage: node host/unwrap_tfjs.js <folder with model.min.js> <output folder>");
  const model_file = path.resolve(src, "model.min.js");
  if (!fs.existsSync(model_file)) fail(`${model_file}: no such file`);
  const wrapped = require(model_file);
  if (!wrapped || typeof wrapped.modelTopology !== "object" || !Array.isArray(wrapped.weightsManifest))
    fail(`${model_file}: expected the module to export {modelTopology, weightsManifest}`);

  // Decode and check every shard before the first byte is written.
  const shards = [];   // { name, bytes }, in manifest order
  let params = 0, tensors = 0;
  wrapped.weightsManifest.forEach((group, g) => {
    const where = `${model_file}, weights group ${g + 1}`;
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) fail(`${where}: lacks paths or weights`);
    const expected = group.weights.reduce((sum, spec) => sum + spec_bytes(spec, where), 0);
    let got = 0;
    for (const name of group.paths) {
      if (name !== path.basename(name) || name.startsWith("."))
        fail(`${where}: shard path '${name}' is not a plain file name`);
      const bytes = decode_shard(path.resolve(src, `${name}.min.js`));
      shards.push({ name, bytes });
      got += bytes.length;
    }
    if (got !== expected)
      fail(`${where}: its shards hold ${got} bytes but its ${group.weights.length} weight specs need ${expected}`);
    for (const spec of group.weights) params += spec.shape.reduce((a, n) => a * n, 1);
    tensors += group.weights.length;
  });

  const topology = wrapped.modelTopology;
  const model_json = {
    format: "layers-model",
    generatedBy: topology.keras_version ? `keras v${topology.keras_version}` : "unknown",
    convertedBy: `wick host/unwrap_tfjs.js from ${source_package(src)}`,
    modelTopology: topology,
    weightsManifest: wrapped.weightsManifest,
  };

  // Write beside the target, then rename: the folder appears whole or not at all.
  const out = path.resolve(dest);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  const write = (name, data) => {
    const fd = fs.openSync(path.join(tmp, name), "w");
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  };
  for (const { name, bytes } of shards) write(name, bytes);
  write("model.json", JSON.stringify(model_json));
  replaceDir(tmp, out);   // the old copy, if any, moved aside first, then dropped

  const layers = topology.model_config && topology.model_config.config && topology.model_config.config.layers;
  console.log(`unwrap_tfjs: ${out}: ${layers ? layers.length : "?"} layers, ${tensors} weight tensors, ` +
              `${params} parameters, shards ${shards.map((s) => s.bytes.length).join(" + ")} bytes`);
}

main();
