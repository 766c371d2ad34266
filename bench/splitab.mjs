// SPDX-License-Identifier: MIT
// Split A/B in one process: the training step of the bench MLP (784-256-256-10,
// batch 256, SGD) and batch-64 inference, on one thread (the pool's split off)
// and on 2 threads with each GEMM row-share rule in --per (the pool's test hook,
// src/engine/pool.ts: 0 guided shares, the default; n > 0 n equal shares per
// thread, 1 being the split as it was before shares were claimed dynamically),
// the modes alternated sample by sample so that a slow spell of the machine
// (another process, or a hypervisor slowing one vCPU) hits every mode alike.
// Wall clock; prints each mode's median ms, its speed-up over one thread and
// over the first 2-thread mode (medians of the per-round ratios: the second is
// the steadier, since both sides use both vCPUs). A round another process
// disturbed is dropped (bench/lib/quiet.mjs), unless `--busy` (then a neighbour
// is the point: run one beside it, e.g. a spinning process on one core).
// Usage: node [--experimental-wasm-relaxed-simd] bench/splitab.mjs [--rounds 15] [--per 4,0] [--tile 6x8]
//        [--simd simd128|relaxed] [--busy] (deno run -A …, bun …); run it under the timing lock.
import { arg, args, median, mlpTrainer, runtimeLabel, SIZES } from './lib/common.mjs';
import { quietSamples } from './lib/quiet.mjs';

const g = globalThis;
let hook = null;
g[Symbol.for('simdgrad.testPool')] = (h) => {
  hook = h;
};
const sg = await import(new URL('../build/index.js', import.meta.url).href);
await sg.init({ threads: 2, tile: arg('tile', '6x8'), simd: arg('simd', 'auto') });
await sg.startThreads();
const rounds = Number(arg('rounds', '15'));
const pers = arg('per', '4,0').split(',').map(Number);
const { model, step } = mlpTrainer(sg);
const x64 = sg.keep(sg.rand([64, SIZES[0]], { seed: 3 }));
const infer = () => sg.tidy(() => sg.softmax(model.forward(x64)).data());
const modes = [
  ['1 thread', () => hook.splitMode('none')],
  ...pers.map((p) => [
    `2 threads, ${p === 0 ? 'guided' : `${p}/thread`}`,
    () => {
      hook.splitMode('auto');
      hook.perThread(p);
    },
  ]),
];
/** ms per call over ≥ 60 ms of calls. */
const time = (fn) => {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 60 || n < 3) {
    fn();
    n++;
  }
  return (performance.now() - t0) / n;
};
const res = {};
const busy = args.includes('--busy');
let dropped = 0;
for (const [task, fn, train] of [
  ['train', step, true],
  ['infer64', infer, false],
]) {
  if (train) model.train();
  else model.eval();
  for (const [, set] of modes) {
    set();
    time(fn);
    time(fn);
  }
  const round = () =>
    modes.map(([, set]) => {
      set();
      fn(); // the first call after a switch wakes the workers
      return time(fn);
    });
  const got = quietSamples(round, { want: rounds, maxTries: 4 * rounds, quiet: !busy });
  dropped += got.dropped;
  const ms = modes.map((_, i) => got.samples.map((s) => s[i]));
  res[task] = modes.map(([name], i) => ({
    mode: name,
    ms: +median(ms[i]).toFixed(3),
    speedup: +median(ms[i].map((t, r) => ms[0][r] / t)).toFixed(3),
    vsFirst: +median(ms[i].map((t, r) => ms[1][r] / t)).toFixed(3),
  }));
}
const rt = runtimeLabel();
console.log(
  `${rt} ${sg.backend()} tile ${sg.tile().tile}, ${rounds} rounds${busy ? ' (busy)' : ''}, ${dropped} dropped`,
);
for (const [task, rows] of Object.entries(res)) {
  for (const r of rows)
    console.log(
      `  ${task.padEnd(8)} ${r.mode.padEnd(22)} ${r.ms.toFixed(3)} ms  ${r.speedup.toFixed(2)}×  ${r.vsFirst.toFixed(3)}× of ${rows[1].mode}`,
    );
}
if (g.Deno) g.Deno.exit(0);
