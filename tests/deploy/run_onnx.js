// Runs ONNX models in ONNX Runtime (the onnxruntime-node package, CPU) for fathom's tests.
// Usage: node run_onnx.js JOBS.json
// JOBS.json is a list of jobs {"model", "input", "samples", "features", "output", "class",
// "single"}: input holds samples × features float32 values (little-endian, row-major); the
// model's "output" for the whole batch is written to `output` (float32), its "class" output,
// when the model has one and `class` is set, to `class` (int64), and, when `single` is n > 0,
// the first n samples are also run one at a time (batch 1) and appended to `output` / `class`
// after the batch's values. Exits non-zero with a message on any failure.
'use strict';
const fs = require('fs');
const path = require('path');

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  console.error('run_onnx.js: onnxruntime-node is not installed in ' + __dirname +
                '/node_modules: run scripts/install-onnxruntime.sh (scripts/setup.sh does). ' + e.message);
  process.exit(2);
}

function floats(file) {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

async function runJob(job) {
  const session = await ort.InferenceSession.create(job.model, {intraOpNumThreads: 1});
  const x = floats(job.input);
  if (x.length !== job.samples * job.features) {
    throw new Error(job.input + ': ' + x.length + ' values, expected ' + job.samples * job.features);
  }
  const wantClass = job.class && session.outputNames.includes('class');
  const outputs = [];
  const classes = [];
  const run = async (data, n) => {
    const result = await session.run({input: new ort.Tensor('float32', data, [n, job.features])});
    outputs.push(Buffer.from(result.output.data.buffer, result.output.data.byteOffset, result.output.data.byteLength));
    if (wantClass) {
      const c = result['class'].data;  // BigInt64Array
      classes.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    }
  };
  await run(x, job.samples);
  for (let i = 0; i < (job.single || 0); ++i) {
    await run(x.slice(i * job.features, (i + 1) * job.features), 1);
  }
  fs.writeFileSync(job.output, Buffer.concat(outputs));
  if (wantClass) fs.writeFileSync(job.class, Buffer.concat(classes));
}

async function main() {
  if (process.argv.length !== 3) {
    console.error('usage: node run_onnx.js JOBS.json');
    process.exit(2);
  }
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const job of jobs) {
    try {
      await runJob(job);
    } catch (e) {
      console.error('run_onnx.js: ' + path.basename(job.model) + ': ' + e.message);
      process.exit(1);
    }
  }
}

main();
