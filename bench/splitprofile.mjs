// SPDX-License-Identifier: MIT
// Where a threaded training step's split calls spend their time, per runtime:
// the pool's profile (src/engine/profile.ts, turned on through the tests' pool
// hook) over --steps training steps of the bench MLP (bench/lib/common.mjs
// mlpTrainer: 784-256-256-10, ReLU, SGD, batch 256) after 1 s of warm-up, in one
// process per runtime. Per kernel: split calls per step, shares per call, the
// calling thread's part of them, µs per call
// and µs the calling thread then waited for the other threads' last shares; how
// each worker found its jobs (still spinning, or woken); the gaps between calls.
// Usage: node --experimental-wasm-relaxed-simd bench/splitprofile.mjs [--threads 2] [--steps 200]
//        [--runtimes node,node24,deno,bun] [--tile auto|4x8|5x8|6x8]; run it under the timing lock.
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { childJson } from './lib/child.mjs';
import { arg, args, mlpTrainer } from './lib/common.mjs';

const here = fileURLToPath(import.meta.url);

async function child(threads, steps) {
  const g = globalThis;
  let hook = null;
  g[Symbol.for('simdgrad.testPool')] = (h) => {
    hook = h;
  };
  const sg = await import(new URL('../build/index.js', import.meta.url).href);
  await sg.init({ threads, tile: arg('tile', 'auto') });
  await sg.startThreads();
  if (hook === null) throw new Error('splitprofile: the engine has no thread pool (threads must be > 1 here)');
  const { step } = mlpTrainer(sg);
  for (const t0 = performance.now(); performance.now() - t0 < 1000; ) step();
  const read = hook.profile();
  const before = read();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  const ms = (performance.now() - t0) / steps;
  const after = read();
  console.log(
    JSON.stringify({ backend: sg.backend(), tile: sg.tile().tile, threads: sg.threads(), steps, ms, before, after }),
  );
  if (g.Deno) g.Deno.exit(0);
  else g.process.exit(0); // the live workers would keep it running
}

/** The profile of the timed steps alone: `after` minus `before`. */
function delta(before, after) {
  const kernels = {};
  for (const [k, v] of Object.entries(after.kernels)) {
    const b = before?.kernels[k] ?? [0, 0, 0, 0, 0];
    kernels[k] = v.map((x, i) => x - b[i]);
  }
  const workers = after.workers.map((w, i) => ({
    spun: w.spun - (before?.workers[i]?.spun ?? 0),
    slept: w.slept - (before?.workers[i]?.slept ?? 0),
  }));
  const gaps = after.gaps.map((x, i) => x - (before?.gaps[i] ?? 0));
  return { kernels, workers, gaps };
}

if (args.includes('--child')) {
  try {
    await child(Number(arg('threads', '2')), Number(arg('steps', '200')));
  } catch (e) {
    // the error alone: uncaught, it would follow the bundle's one 200 KB source line
    console.error(`${e?.name ?? 'Error'}: ${e?.message ?? e}`);
    if (globalThis.Deno) globalThis.Deno.exit(1);
    else globalThis.process.exit(1);
  }
} else {
  const threads = arg('threads', '2');
  console.log(
    `${os.cpus()[0]?.model?.trim()}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}, ${threads} threads, wall clock`,
  );
  for (const rt of (arg('runtimes') ?? 'node,node24,deno,bun').split(',')) {
    const extra = ['--child', '--threads', threads, '--steps', arg('steps', '200'), '--tile', arg('tile', 'auto')];
    const r = childJson(rt, here, extra);
    if (r === null) continue;
    const d = delta(r.before, r.after);
    console.log(`${rt.padEnd(6)} ${r.backend}, tile ${r.tile}, ${r.threads} threads: ${r.ms.toFixed(3)} ms a step`);
    let wait = 0;
    for (const [k, [calls, shares, mine, ms, waitMs]] of Object.entries(d.kernels)) {
      if (calls === 0) continue;
      wait += waitMs;
      console.log(
        `  ${k.padEnd(18)} ${(calls / r.steps).toFixed(1)} calls/step, ${(shares / calls).toFixed(1)} shares/call ` +
          `(${((100 * mine) / shares).toFixed(0)}% on the calling thread), ${((1000 * ms) / calls).toFixed(0)} µs/call, ` +
          `waiting ${((1000 * waitMs) / calls).toFixed(1)} µs/call for the last shares`,
      );
    }
    const w = d.workers.map((x) => `${x.spun} spinning / ${x.slept} woken`).join(', ');
    console.log(
      `  waiting ${((1000 * wait) / r.steps).toFixed(0)} µs a step (${((100 * wait) / r.steps / r.ms).toFixed(1)}% of it); ` +
        `workers found their jobs: ${w}; gaps between split calls <0.1/<0.5/<2/<10/≥10 ms: ${d.gaps.join('/')}`,
    );
  }
}
