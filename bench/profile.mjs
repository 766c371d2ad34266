// SPDX-License-Identifier: MIT
// Where the time of a simdgrad training step goes, Node only.
//   node --experimental-wasm-relaxed-simd bench/profile.mjs [--simd simd128|relaxed] [--steps N] [--root DIR]
// 1. counts every wasm kernel call and every heap allocation of one training
//    step and of batch-1 / batch-64 inference (engine().k wrapped in counters);
// 2. checks that wasm memory stays flat (no memory.grow) over many steps;
// 3. records a V8 CPU profile (the profiler behind `node --cpu-prof`, started
//    through node:inspector so only the steady-state steps are in it) and prints
//    the top self-time functions, wasm ones named from build/<simd>.wat; the raw
//    profile is written to bench/results/step.cpuprofile for DevTools.
// The engine internals are reached through a bench-only esbuild bundle of
// src/index.ts that also exports engine() (written to bench/results/.cache/).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workerSourcePlugin } from '../scripts/worker-source.mjs';
import { arg, batch, clockKind, mlpTrainer, now, SIZES, TRAIN_BATCH, timeIt } from './lib/common.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const root = resolve(arg('root', here('..')));
const cache = here('./results/.cache');
const simd = arg('simd', 'simd128');
const steps = Number(arg('steps', 200));

/** src/index.ts plus engine(), bundled so both share one module instance. */
async function bundle() {
  const esbuild = await import('esbuild');
  mkdirSync(cache, { recursive: true });
  const outfile = join(cache, 'profile-bundle.mjs');
  await esbuild.build({
    stdin: {
      contents: "export * from './src/index.ts'; export { engine } from './src/engine/load.ts';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    loader: { '.wasm': 'binary' },
    plugins: [workerSourcePlugin(readFileSync(join(root, 'build/worker.js'), 'utf8'))],
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

async function setup(file) {
  const sg = await import(pathToFileURL(file).href);
  await sg.init({ simd });
  const { model, step } = mlpTrainer(sg);
  const infer = (b) => sg.tidy(() => sg.softmax(model.forward(sg.tensor(b.x, [b.labels.length, SIZES[0]]))).data());
  return { sg, model, step, infer };
}

/** Wraps engine().k and heap.alloc in counters; returns a function that runs fn and gives the counts. */
function counters(sg) {
  const e = sg.engine();
  const raw = e.k;
  const calls = new Map();
  let trace = [];
  const wrapped = {};
  for (const [name, f] of Object.entries(raw)) {
    wrapped[name] =
      typeof f === 'function'
        ? (...a) => {
            calls.set(name, (calls.get(name) ?? 0) + 1);
            trace.push([f, a]);
            return f(...a);
          }
        : f;
  }
  let allocs = 0;
  let allocBytes = 0;
  const alloc = e.heap.alloc.bind(e.heap);
  e.heap.alloc = (bytes, op) => {
    allocs++;
    allocBytes += bytes;
    return alloc(bytes, op);
  };
  e.k = wrapped;
  const run = (fn) => {
    calls.clear();
    trace = [];
    allocs = 0;
    allocBytes = 0;
    fn();
    const list = [...calls.entries()].sort((a, b) => b[1] - a[1]);
    return { total: list.reduce((s, [, n]) => s + n, 0), list, allocs, allocBytes, trace };
  };
  run.raw = raw;
  return run;
}

const fmtCalls = (c) =>
  `${c.total} kernel calls (${c.list.map(([n, k]) => `${n}×${k}`).join(', ')}); ${c.allocs} heap allocations, ${(c.allocBytes / 1024).toFixed(0)} KiB`;

/** wasm function index → name, from the .wat asc writes beside the .wasm (no imported functions). */
function wasmNames(wat) {
  if (!existsSync(wat)) return [];
  return [...readFileSync(wat, 'utf8').matchAll(/^ \(func \$(\S+)/gm)].map((m) => m[1].replace(/^assembly\//, ''));
}

/** Top self-time functions of a .cpuprofile: [{ name, where, ms, pct }]. */
export function summarizeProfile(profile, top = 15, names = []) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const self = new Map();
  let total = 0;
  for (const [id, us] of dt) {
    const f = byId.get(id).callFrame;
    // the inspector's own Profiler.stop round trip ('dispatch', no url) is not the step's time
    if (f.functionName === 'dispatch' && f.url === '') continue;
    const wasm = /^wasm-function\[(\d+)\]$/.exec(f.functionName);
    const key = wasm
      ? `${names[Number(wasm[1])] ?? f.functionName}|wasm`
      : `${f.functionName || '(anonymous)'}|${f.url.split('/').slice(-1)[0]}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => {
      const [name, where] = key.split('|');
      return { name, where, ms: us / 1000, pct: (100 * us) / total };
    });
}

const file = await bundle();
const { sg, step, infer } = await setup(file);
console.log(
  `simdgrad ${sg.backend()} (GEMM tile ${sg.engine().gemmTile ?? '5x8'}) — MLP ${SIZES.join('-')}, batch ${TRAIN_BATCH}, SGD`,
);
for (let i = 0; i < 5; i++) step();
const count = counters(sg);
console.log(`training step: ${fmtCalls(count(step))}`);
const b1 = batch(1, SIZES[0], SIZES.at(-1), 5);
const b64 = batch(64, SIZES[0], SIZES.at(-1), 6);
const c1 = count(() => infer(b1));
const c64 = count(() => infer(b64));
console.log(`inference b1:  ${fmtCalls(c1)}`);
console.log(`inference b64: ${fmtCalls(c64)}`);

sg.engine().k = count.raw; // the timings below run on the raw kernels

// Batch-1 inference time split: the whole call vs replaying just its kernel calls
// (same pointers: the blocks are free again, still inside wasm memory), i.e. wasm
// time vs the JS around it (upload, tensors, tidy, the copy out).
for (const [label, b, c] of [['b1', b1, c1]]) {
  const whole = await timeIt(() => infer(b), { warmup: 50, samples: 9, minMs: 100 });
  const kernels = await timeIt(
    () => {
      for (const [f, a] of c.trace) f(...a);
    },
    { warmup: 50, samples: 9, minMs: 100 },
  );
  console.log(
    `inference ${label}: ${(whole * 1e6).toFixed(1)} µs per call, of which kernels ${(kernels * 1e6).toFixed(1)} µs, JS around them ${((whole - kernels) * 1e6).toFixed(1)} µs`,
  );
}

// Where the time of batch-1 inference goes.
{
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  for (let i = 0; i < 20000; i++) infer(b1);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  console.log('batch-1 inference, top self time:');
  for (const f of summarizeProfile(profile, 12, wasmNames(join(root, `build/${simd}.wat`))))
    console.log(`  ${f.pct.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}  (${f.where})`);
}

const before = sg.memory();
for (let i = 0; i < 50; i++) step();
const after = sg.memory();
console.log(
  `steady state over 50 steps: wasmBytes ${before.wasmBytes} → ${after.wasmBytes}${after.wasmBytes === before.wasmBytes ? ' (flat: no memory.grow)' : ' (GREW)'}; live tensors ${before.tensors} → ${after.tensors}, bytes ${before.bytes} → ${after.bytes}`,
);

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('Profiler.start');
const t0 = now();
for (let i = 0; i < steps; i++) step();
const ms = (now() - t0) / steps;
const { profile } = await session.post('Profiler.stop');
session.disconnect();
mkdirSync(here('./results'), { recursive: true });
writeFileSync(here('./results/step.cpuprofile'), JSON.stringify(profile));
console.log(
  `${steps} steps under the profiler: ${ms.toFixed(2)} ms/step (${clockKind === 'cpu' ? 'CPU time' : 'wall'}) (${((TRAIN_BATCH / ms) * 1000).toFixed(0)} samples/s); top self time:`,
);
for (const f of summarizeProfile(profile, 15, wasmNames(join(root, `build/${simd}.wat`))))
  console.log(`  ${f.pct.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}  (${f.where})`);
