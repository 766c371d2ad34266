// SPDX-License-Identifier: MIT
// Shared by the end-to-end benches: runtime detection, arguments, the seeded
// MLP weights and batch every engine uses, and an async-aware median timer.

import process from 'node:process';

export const isDeno = typeof globalThis.Deno !== 'undefined';
export const args = isDeno ? globalThis.Deno.args : process.argv.slice(2);
export const runtime = isDeno ? 'deno' : 'node';

/** This runtime and its version, e.g. 'node 20.20.2', 'deno 2.9.6', 'bun 1.4.4'. */
export function runtimeLabel() {
  const g = globalThis;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  return `node ${process.versions.node}`;
}

/** The value after `--name` in argv, or fallback. */
export function arg(name, fallback = null) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
}

export const SIZES = [784, 256, 256, 10];
export const TRAIN_BATCH = 256;
export const LR = 0.05;

/** A seeded LCG filling f32 with uniform values in [lo, hi). */
export function fillUniform(f32, seed, lo = -1, hi = 1) {
  let s = seed >>> 0;
  for (let i = 0; i < f32.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    f32[i] = lo + ((s >>> 8) / 16777216) * (hi - lo);
  }
  return f32;
}

/** PyTorch-style init (U(±1/√in)) for every layer: [{ weight [out×in], bias [out] }]. */
export function mlpWeights(sizes = SIZES, seed = 1) {
  const layers = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const bound = 1 / Math.sqrt(sizes[i]);
    layers.push({
      weight: fillUniform(new Float32Array(sizes[i + 1] * sizes[i]), seed + 2 * i, -bound, bound),
      bias: fillUniform(new Float32Array(sizes[i + 1]), seed + 2 * i + 1, -bound, bound),
    });
  }
  return layers;
}

/** A batch like a Fashion-MNIST one: pixels in [0,1), labels cycling 0..9. */
export function batch(n, inputs = SIZES[0], classes = SIZES.at(-1), seed = 99) {
  const x = fillUniform(new Float32Array(n * inputs), seed, 0, 1);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = (i * 7 + 3) % classes;
  return { x, labels };
}

/**
 * The clock of timeIt, in ms: 'cpu' (default) is this process's CPU time, so other
 * jobs on a shared machine do not inflate single-threaded timings (as bench/gemm.mjs);
 * 'wall' (`--wall`) is performance.now().
 */
export const clockKind = args.includes('--wall') ? 'wall' : 'cpu';
export const now =
  clockKind === 'wall'
    ? () => performance.now()
    : () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      };

/**
 * Median seconds (on `now`) per call of the (possibly async) fn: `warmup` calls (the first
 * one also compiles/JITs), then
 * `samples` timed samples, each batching enough calls to last ≥ minMs.
 */
export async function timeIt(fn, { warmup = 3, samples = 7, minMs = 50 } = {}) {
  const t = now();
  await fn();
  const first = now() - t;
  // A call slower than 300 ms (brain.js, tfjs cpu) gets one warm-up and at most 3 samples.
  if (first > 300) {
    warmup = 1;
    samples = Math.min(samples, 3);
  }
  for (let i = 1; i < warmup; i++) await fn();
  let reps = 1;
  // Fast calls are batched so that one sample lasts ≥ minMs (timer resolution, call overhead).
  while (first < minMs / 2 && reps < 1 << 16) {
    const t0 = now();
    for (let r = 0; r < reps; r++) await fn();
    const dt = now() - t0;
    if (dt >= minMs / 2) {
      reps = Math.max(1, Math.round((reps * minMs) / Math.max(dt, 1e-3)));
      break;
    }
    reps *= 4;
  }
  const ts = [];
  for (let s = 0; s < samples; s++) {
    const t0 = now();
    for (let r = 0; r < reps; r++) await fn();
    ts.push((now() - t0) / reps / 1000);
  }
  return median(ts);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A not-available marker with the reason, kept distinct from a number in tables and JSON. */
export function na(reason) {
  return { na: String(reason).split('\n')[0].slice(0, 160) };
}

/** The error message in a child's stderr (ANSI colours stripped), for an n/a reason. */
export function errorLine(stderr, fallback) {
  const lines = String(stderr ?? '')
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '')
    .split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /\b\w*Error\b: .*/.exec(lines[i]);
    if (m && !/throw new/.test(lines[i])) return m[0].trim();
  }
  return fallback;
}

/** argv to run a script under this same runtime (Node 20 needs the relaxed-SIMD flag, Node 24 rejects it). */
export function selfRunner() {
  if (isDeno) return [globalThis.Deno.execPath(), 'run', '-A'];
  if (globalThis.Bun) return [process.execPath];
  return Number(process.versions.node.split('.')[0]) < 22
    ? [process.execPath, '--experimental-wasm-relaxed-simd']
    : [process.execPath];
}

/**
 * The book's MLP (SIZES, ReLU, seed 1) with SGD at lr 0.05 and one fixed
 * training batch (seed 7): `step()` runs one training step (upload, forward,
 * softmax cross-entropy, backward, update) inside tidy. `sg` is an initialized
 * simdgrad module.
 */
export function mlpTrainer(sg) {
  const model = new sg.nn.MLP(SIZES, { activation: 'relu', seed: 1 });
  const opt = new sg.optim.SGD(model.parameters(), { lr: LR });
  const bt = batch(TRAIN_BATCH, SIZES[0], SIZES.at(-1), 7);
  const step = () =>
    sg.tidy(() => {
      const x = sg.tensor(bt.x, [TRAIN_BATCH, SIZES[0]]);
      const loss = sg.autograd.record(() => sg.nn.softmaxCrossEntropy(model.forward(x), bt.labels));
      loss.backward();
      opt.step();
    });
  return { model, opt, step };
}
