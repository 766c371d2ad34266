// SPDX-License-Identifier: MIT
// One engine, end to end, in this (fresh) process: a training step of the
// 784-256-256-10 MLP at batch 256 (samples/s) and inference at batch 1 (µs)
// and 64 (ms) from a Float32Array to probabilities. Prints one JSON object.
// bench/run.mjs spawns it once per engine and runtime, so builds that cannot
// share a process (simdgrad simd128 vs relaxed) and peers do not disturb
// each other's JIT state or heap.
// Usage: node --experimental-wasm-relaxed-simd bench/e2e.mjs --engine ID [--quick] [--smoke]
//        deno run -A bench/e2e.mjs --engine ID ...

import { ENGINES } from './engines/index.mjs';
import { arg, args, batch, mlpWeights, na, runtime, SIZES, TRAIN_BATCH, timeIt } from './lib/common.mjs';

const id = arg('engine');
const smoke = args.includes('--smoke');
const quick = smoke || args.includes('--quick');
const spec = ENGINES[id];
if (!spec) throw new Error(`unknown engine ${id}; one of ${Object.keys(ENGINES).join(', ')}`);

const out = { engine: id, runtime, train: null, infer1: null, infer64: null, probe: null };
const trainOpts = smoke
  ? { warmup: 1, samples: 2, minMs: 0 }
  : quick
    ? { warmup: 2, samples: 5, minMs: 60 }
    : { warmup: 5, samples: 11, minMs: 300 };
const inferOpts = smoke
  ? { warmup: 2, samples: 2, minMs: 5 }
  : quick
    ? { warmup: 20, samples: 7, minMs: 40 }
    : { warmup: 200, samples: 15, minMs: 200 };

const fail = (e) => na(e?.message ?? e);
let engine = null;
try {
  engine = await spec.load({ layers: mlpWeights(SIZES, 1) });
} catch (e) {
  const r = fail(e);
  out.train = out.infer1 = out.infer64 = r;
}
if (engine) {
  const b1 = batch(1, SIZES[0], SIZES.at(-1), 5);
  const b64 = batch(64, SIZES[0], SIZES.at(-1), 6);
  if (!engine.infer) out.infer1 = out.infer64 = na(spec.noInfer ?? 'no inference path');
  else {
    try {
      out.probe = Array.from(await engine.infer(b1.x, 1));
      out.infer1 = { us: (await timeIt(() => engine.infer(b1.x, 1), inferOpts)) * 1e6 };
      out.infer64 = { ms: (await timeIt(() => engine.infer(b64.x, 64), inferOpts)) * 1e3 };
    } catch (e) {
      out.infer1 ??= fail(e);
      out.infer64 ??= fail(e);
    }
  }
  if (!engine.train) out.train = na(spec.noTrain ?? 'no training path');
  else {
    const bt = batch(TRAIN_BATCH, SIZES[0], SIZES.at(-1), 7);
    try {
      const sec = await timeIt(() => engine.train(bt.x, bt.labels), trainOpts);
      out.train = { samplesPerSec: TRAIN_BATCH / sec, msPerStep: sec * 1e3 };
    } catch (e) {
      out.train = fail(e);
    }
  }
}
console.log(JSON.stringify(out));
// Peers may keep worker threads or handles alive; the measurement is done.
if (runtime === 'deno') globalThis.Deno.exit(0);
else process.exit(0);
