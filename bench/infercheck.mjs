// SPDX-License-Identifier: MIT
// Batch-64 and batch-1 inference of simdgrad (one build) against TensorFlow.js
// wasm and ONNX Runtime Web, all in one process and timed in interleaved rounds
// (each round times every engine once), so a busy moment of a shared machine
// hits them alike; per engine the upper quartile of the rounds' speeds (other
// work only ever slows a sample). Prints one JSON line: ms per batch-64 call,
// µs per batch-1 call, simdgrad's batch-64 speed-up over tfjs-wasm and its
// batch-1 latency as a fraction of ONNX Runtime Web's.
// Usage: node [--experimental-wasm-relaxed-simd] bench/infercheck.mjs simd128|relaxed [ROUNDS]
//        (deno run -A …, bun …); run it under the timing lock.
import process from 'node:process';
import { ENGINES } from './engines/index.mjs';
import { batch, mlpWeights, runtimeLabel, SIZES } from './lib/common.mjs';

const isDeno = typeof globalThis.Deno !== 'undefined';
const argv = isDeno ? globalThis.Deno.args : process.argv.slice(2);
const simd = argv[0] === 'relaxed' ? 'relaxed' : 'simd128';
const rounds = Number(argv[1] ?? 15);
const ids = [`simdgrad-${simd}`, 'tfjs-wasm', 'ort-wasm'];
const engines = {};
for (const id of ids) engines[id] = await ENGINES[id].load({ layers: mlpWeights(SIZES, 1) });
const b1 = batch(1, SIZES[0], SIZES.at(-1), 5);
const b64 = batch(64, SIZES[0], SIZES.at(-1), 6);
const per = async (fn, minMs) => {
  let reps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    await fn();
    reps++;
  }
  return (performance.now() - t0) / reps;
};
const s = Object.fromEntries(ids.map((id) => [id, { b1: [], b64: [] }]));
for (const id of ids) for (let i = 0; i < 200; i++) await engines[id].infer(i % 4 ? b1.x : b64.x, i % 4 ? 1 : 64);
for (let r = 0; r < rounds; r++) {
  for (const id of ids) {
    s[id].b64.push(await per(() => engines[id].infer(b64.x, 64), 30));
    s[id].b1.push(await per(() => engines[id].infer(b1.x, 1), 15));
  }
}
// Times: the lower quartile (the upper quartile of speed).
const q = (a) => a.sort((x, y) => x - y)[Math.floor(a.length * 0.25)];
const t = Object.fromEntries(
  ids.map((id) => [id, { b64ms: +q(s[id].b64).toFixed(3), b1us: +(q(s[id].b1) * 1e3).toFixed(1) }]),
);
const sgId = ids[0];
const runtime = runtimeLabel();
console.log(
  JSON.stringify({
    runtime,
    build: simd,
    times: t,
    b64VsTfjsWasm: +(t['tfjs-wasm'].b64ms / t[sgId].b64ms).toFixed(2),
    b1VsOrt: +(t[sgId].b1us / t['ort-wasm'].b1us).toFixed(2),
  }),
);
