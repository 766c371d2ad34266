// SPDX-License-Identifier: MIT
// The training step against the rate its own GEMMs allow, in one process, for
// one build on this runtime: rounds alternate 5 training steps of the bench MLP
// (784-256-256-10, batch 256, SGD) with the step's three MLP-shape GEMMs run
// alone through sg.matmul (X·Wᵀ, dY·W, dYᵀ·X), so a busy moment of the machine
// hits both alike. The allowed rate is 256 samples ÷ Σ (the step's GEMM flops
// of each kind ÷ that kind's GFLOP/s), as bench/targets.mjs computes it from
// the GEMM table. Prints one JSON line with the upper-quartile figures (other
// work on a shared machine only ever slows a sample) and their ratio.
// Usage: node [--experimental-wasm-relaxed-simd] bench/stepcheck.mjs simd128|relaxed [ROUNDS]
//        (deno run -A …, bun …); run it under the timing lock.
import process from 'node:process';
import { mlpTrainer, runtimeLabel, SIZES, TRAIN_BATCH } from './lib/common.mjs';
import { stepFlops } from './targets.mjs';

const isDeno = typeof globalThis.Deno !== 'undefined';
const argv = isDeno ? globalThis.Deno.args : process.argv.slice(2);
const simd = argv[0] === 'relaxed' ? 'relaxed' : 'simd128';
const rounds = Number(argv[1] ?? 21);
const sg = await import(new URL('../build/index.js', import.meta.url).href);
await sg.init({ simd });
const { step } = mlpTrainer(sg);
const [n, k, h] = [TRAIN_BATCH, SIZES[0], SIZES[1]];
const X = sg.keep(sg.rand([n, k], { seed: 3 }));
const W = sg.keep(sg.rand([h, k], { seed: 4 }));
const dY = sg.keep(sg.rand([n, h], { seed: 5 }));
const gemms = {
  nt: [2 * n * h * k, () => sg.tidy(() => sg.matmul(X, W.T))],
  nn: [2 * n * h * k, () => sg.tidy(() => sg.matmul(dY, W))],
  tn: [2 * n * h * k, () => sg.tidy(() => sg.matmul(dY.T, X))],
};
const time = (fn, reps) => {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - t0) / reps;
};
for (let i = 0; i < 40; i++) step(); // past tier-up and the tile choice
sg.tile();
const samples = { step: [], nt: [], nn: [], tn: [] };
for (let r = 0; r < rounds; r++) {
  samples.step.push(TRAIN_BATCH / (time(step, 5) / 1e3));
  for (const [kind, [flop, fn]] of Object.entries(gemms)) samples[kind].push(flop / time(fn, 3) / 1e6);
}
const q = (a) => a.sort((x, y) => x - y)[Math.floor(a.length * 0.75)];
const gf = { nt: q(samples.nt), nn: q(samples.nn), tn: q(samples.tn) };
const f = stepFlops();
const allowed = TRAIN_BATCH / ((f.nt / gf.nt + f.nn / gf.nn + f.tn / gf.tn) / 1e9);
const rate = q(samples.step);
const runtime = runtimeLabel();
console.log(
  JSON.stringify({
    runtime,
    build: simd,
    tile: sg.tile().tile,
    samplesPerSec: Math.round(rate),
    gemmGflops: Object.fromEntries(Object.entries(gf).map(([kk, v]) => [kk, +v.toFixed(1)])),
    allowed: Math.round(allowed),
    ofAllowed: +(rate / allowed).toFixed(3),
  }),
);
