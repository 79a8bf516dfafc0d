// Single-sample latency of an ONNX model in ONNX Runtime (onnxruntime-node, the CPU provider,
// one intra-op thread), for bench/deploy_latency.sh:  node onnx_latency.js MODEL IMAGES.f32 FEATURES
// Times session.run on one sample (batch 1) after 500 warm-up runs, over 20,000 runs cycling
// through the samples; the time includes node's binding (tensor in, tensor out). Prints
//   RESULT lib=onnxruntime workload=latency p50_us=... p99_us=... mean_us=... config=...
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, '..', '..', 'tests', 'deploy', 'node_modules', 'onnxruntime-node'));

async function main() {
  const [model, images, featuresText] = process.argv.slice(2);
  const features = Number(featuresText);
  const b = fs.readFileSync(images);
  const x = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  const n = x.length / features;
  const session = await ort.InferenceSession.create(model, {intraOpNumThreads: 1, interOpNumThreads: 1});
  const inputs = [];
  for (let i = 0; i < Math.min(n, 1000); ++i) {
    inputs.push({input: new ort.Tensor('float32', x.slice(i * features, (i + 1) * features), [1, features])});
  }
  let sink = 0;
  for (let i = 0; i < 500; ++i) sink += (await session.run(inputs[i % inputs.length], ['output'])).output.data[0];
  const calls = 20000;
  const us = new Float64Array(calls);
  let total = 0;
  for (let i = 0; i < calls; ++i) {
    const t0 = process.hrtime.bigint();
    const r = await session.run(inputs[i % inputs.length], ['output']);
    us[i] = Number(process.hrtime.bigint() - t0) / 1000;
    sink += r.output.data[0];
    total += us[i];
  }
  us.sort();
  console.log(`RESULT lib=onnxruntime workload=latency p50_us=${us[calls >> 1].toFixed(2)} ` +
              `p99_us=${us[Math.floor(calls * 0.99)].toFixed(2)} mean_us=${(total / calls).toFixed(2)} ` +
              `sink=${sink.toPrecision(3)} config=onnxruntime-node_${ort.env.versions.common}_1thread_batch1`);
}

main().catch((e) => {
  console.error('onnx_latency.js: ' + e.message);
  process.exit(1);
});
