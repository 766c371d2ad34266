// SPDX-License-Identifier: MIT
// Batch-1 inference with threads on, against one thread, in ONE process: two
// engines (two copies of the built package, imported from two files) with the same
// model, one at init({ threads: 1 }) and one at init({ threads: 2 }) whose
// workers have started and trained (so they are live and idle, as in an app
// that trains and then serves). Rounds alternate the two, and a round another
// process disturbed is dropped (bench/lib/quiet.mjs). Separate processes are too
// noisy for a 5% question on a shared host: the same code's batch-1 latency
// differs from process to process by more than that.
// Prints per runtime the two latencies (median of rounds) and the median of the
// per-round ratios, one thread's latency ÷ two threads' (≥ 0.95: within 5%).
// One process's ratio still varies by about ±3% from process to process: two
// identical engines in one process differed by up to 4–7% (where an engine's
// memory and code land): --procs N runs N processes per runtime and prints the
// median of their ratios too. Processes alternate which engine is made first
// (an even --procs balances them): one run with both engines at one thread
// gave 0.936, 0.951 and 1.000 on Node 20 with the one-thread engine always made
// first (a later, alternated run: 0.994–1.021). --control runs the bench with
// both engines at one thread, which measures the bench's own spread and bias.
// --bundle FILE measures another build of the core bundle (a copy of build/index.js
// from another commit, say) instead of this tree's, for a before/after in one session.
// Usage: node --experimental-wasm-relaxed-simd bench/batch1.mjs [--rounds 30] [--runtimes node,node24,deno,bun] [--bundle FILE] [--procs 1] [--control]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runner } from './coldstart.mjs';
import { arg, args, median } from './lib/common.mjs';
import { quietSamples } from './lib/quiet.mjs';

const SIZES = [784, 256, 256, 10];
const bundle = resolve(arg('bundle', fileURLToPath(new URL('../build/index.js', import.meta.url))));

/**
 * An engine at `threads` from its own copy of the built package (a module is one
 * instance per URL, and Bun ignores a query string), its model trained a few
 * steps, and its batch-1 inference.
 */
async function engine(tag, threads) {
  const dir = mkdtempSync(join(tmpdir(), `simdgrad-batch1-${tag}-`));
  const file = join(dir, 'index.js');
  copyFileSync(bundle, file);
  const sg = await import(pathToFileURL(file).href);
  rmSync(dir, { recursive: true, force: true });
  await sg.init({ threads });
  if (threads > 1) await sg.startThreads();
  const model = new sg.nn.MLP(SIZES, { activation: 'relu', seed: 1 });
  const opt = new sg.optim.SGD(model, { lr: 0.1 });
  const x = sg.rand([256, 784], { seed: 2 });
  const y = Int32Array.from({ length: 256 }, (_, i) => (i * 7) % 10);
  for (let i = 0; i < 20; i++)
    sg.tidy(() => {
      sg.autograd.record(() => sg.nn.softmaxCrossEntropy(model.forward(x), y)).backward();
      opt.step();
    });
  model.eval();
  const x1 = sg.rand([1, 784], { seed: 4 });
  const infer = () => sg.tidy(() => sg.softmax(model.forward(x1)).data());
  for (let i = 0; i < 500; i++) infer();
  return { sg, infer, out: infer() };
}

async function child() {
  const rounds = Number(arg('rounds', 30));
  // the parent alternates which engine is made first, so that an order bias cancels
  const second = args.includes('--control') ? 1 : 2;
  let one;
  let two;
  if (arg('first', 'one') === 'one') {
    one = await engine('one', 1);
    two = await engine('two', second);
  } else {
    two = await engine('two', second);
    one = await engine('one', 1);
  }
  const same = one.out.every((v, i) => Object.is(v, two.out[i]));
  const reps = 400;
  const time = (f) => {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    return ((performance.now() - t0) / reps) * 1000; // µs
  };
  let flip = false;
  // → [one thread's µs, two threads' µs], timed in alternating order
  const round = () => {
    flip = !flip;
    if (flip) {
      const a = time(one.infer);
      return [a, time(two.infer)];
    }
    const b = time(two.infer);
    return [time(one.infer), b];
  };
  const { samples, dropped } = quietSamples(round, { want: rounds, maxTries: 4 * rounds });
  console.log(
    JSON.stringify({
      threads: [one.sg.threads(), two.sg.threads()],
      sameBits: same,
      oneUs: median(samples.map(([a]) => a)),
      twoUs: median(samples.map(([, b]) => b)),
      ratio: median(samples.map(([a, b]) => a / b)),
      n: samples.length,
      dropped,
    }),
  );
  if (globalThis.Deno) globalThis.Deno.exit(0);
  else globalThis.process.exit(0); // the live workers would keep it running
}

if (args.includes('--child')) await child();
else {
  const runtimes = arg('runtimes', 'node,node24,deno,bun').split(',');
  const procs = Number(arg('procs', 1));
  const script = fileURLToPath(import.meta.url);
  for (const rt of runtimes) {
    const cmd = runner(rt);
    const ratios = [];
    for (let i = 0; i < procs; i++) {
      const p = spawnSync(
        cmd[0],
        [
          ...cmd.slice(1),
          script,
          '--child',
          '--rounds',
          arg('rounds', '30'),
          '--bundle',
          bundle,
          '--first',
          i % 2 === 0 ? 'one' : 'two',
          ...(args.includes('--control') ? ['--control'] : []),
        ],
        { encoding: 'utf8', timeout: 600_000 },
      );
      const line = (p.stdout ?? '').trim().split('\n').at(-1) ?? '';
      let r;
      try {
        r = JSON.parse(line);
      } catch {
        console.log(`${rt.padEnd(7)} failed: ${(p.stderr ?? '').trim().split('\n').at(-1)}`);
        continue;
      }
      ratios.push(r.ratio);
      console.log(
        `${rt.padEnd(7)} batch-1, threads ${r.threads[0]} vs ${r.threads[1]} (${i % 2 === 0 ? 'one' : 'two'} made first): ${r.oneUs.toFixed(1)} vs ${r.twoUs.toFixed(1)} µs; ` +
          `one ÷ two per round ${r.ratio.toFixed(3)} (${r.n} rounds, ${r.dropped} dropped); same bits: ${r.sameBits}`,
      );
    }
    if (ratios.length > 1) {
      console.log(`${rt.padEnd(7)} median of ${ratios.length} processes: one ÷ two ${median(ratios).toFixed(3)}`);
    }
  }
}
