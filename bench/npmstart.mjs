// SPDX-License-Identifier: MIT
// `npm start` (simdgrad train with the CLI's defaults: the book's MLP, 10
// epochs of Fashion-MNIST, a test evaluation per epoch) at --threads 1 and N,
// wall clock, in fresh processes whose order alternates round by round, with
// the register-only probe (gemm_peak) read in this process around each run (the
// best reading of a round counts).
// A round in which other processes used more than QUIET of a core is dropped
// (the children's own CPU time, which they report on exit, is not counted).
// Prints per thread count the median wall time, the GEMM work of the run over
// that time (GFLOP/s), and that rate as a fraction of threads × the probe; then
// what a wall-time target (--target, 11 s) asks of this machine in the same terms,
// and the floor: the time the run's GEMMs alone take with every thread at the probe's rate.
// Usage: node --experimental-wasm-relaxed-simd bench/npmstart.mjs [--rounds 3] [--threads 2]
//        [--epochs 10] [--limit N] [--target 11] [--smoke]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { arg, args, median, SIZES } from './lib/common.mjs';
import { mark, others, QUIET } from './lib/quiet.mjs';
import { rawBuild, warmProbe } from './lib/raw.mjs';
import { stepFlops } from './targets.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const smoke = args.includes('--smoke');
const rounds = Number(arg('rounds', smoke ? 1 : 3));
const threads = Number(arg('threads', 2));
const epochs = Number(arg('epochs', smoke ? 1 : 10));
const limit = arg('limit', smoke ? '512' : null);
const target = Number(arg('target', 11));
const TRAIN = 60000;
const TEST = 10000;
const BATCH = 256;

/** GEMM flops of the run: every training step's, plus a forward pass over the test split per epoch. */
function runFlops() {
  const nTrain = limit ? Math.min(Number(limit), TRAIN) : TRAIN;
  const nTest = limit ? Math.min(Number(limit), TEST) : TEST;
  const f = stepFlops(SIZES, BATCH);
  const perSample = (f.nt + f.tn + f.nn) / BATCH;
  const forward = f.nt / BATCH;
  return epochs * (nTrain * perSample + nTest * forward);
}

/** The register-only probe, GFLOP/s: best of 5 timings (relaxed where it validates, else simd128). */
async function probe() {
  const raw = (await rawBuild('relaxed', 16)) ?? (await rawBuild('simd128', 16));
  const peak = warmProbe(raw);
  const steps = 400_000;
  return () => {
    let best = 0;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      peak(steps);
      best = Math.max(best, (steps * 96) / (performance.now() - t0) / 1e6);
    }
    return best;
  };
}

/** One run of the CLI: { wall s, cpu s, others (cores), line (its closing line) }. */
function cli(n, dir) {
  // no flags, as `npm start` runs it (on Node 20 the CLI turns relaxed SIMD on itself)
  const cmd = [
    process.execPath,
    here('./lib/cli-child.mjs'),
    'train',
    '--threads',
    String(n),
    '--epochs',
    String(epochs),
    '--no-plot',
    '--out',
    join(dir, `model-${n}.safetensors`),
    ...(limit ? ['--limit', limit] : []),
  ];
  const m = mark();
  const t0 = performance.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', maxBuffer: 1 << 24 });
  const wall = (performance.now() - t0) / 1000;
  const cpu = Number(/^CPU_S (\S+)$/m.exec(r.stderr ?? '')?.[1]);
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('done:'));
  if (r.status !== 0 || !line || !Number.isFinite(cpu)) {
    throw new Error(`simdgrad train --threads ${n} failed (exit ${r.status}): ${(r.stderr ?? '').trim().slice(-400)}`);
  }
  // others() counts every process but this one, the child included: take the child's own CPU time out
  const busy = Math.max(0, others(m) - cpu / wall);
  return { wall, cpu, others: busy, line };
}

const dir = mkdtempSync(join(tmpdir(), 'simdgrad-npmstart-'));
try {
  const readProbe = await probe();
  const flops = runFlops();
  const counts = [1, threads];
  const walls = { 1: [], [threads]: [] };
  const probes = [];
  let dropped = 0;
  const lines = {};
  for (let r = 0; r < rounds; r++) {
    // the probe before and after each run, best of them: one vCPU of a VM may run slower for a while,
    // and this process may sit on either
    let p = readProbe();
    const order = r % 2 === 0 ? counts : [...counts].reverse();
    const got = {};
    let quiet = true;
    for (const n of order) {
      const run = cli(n, dir);
      got[n] = run.wall;
      lines[n] = run.line;
      if (run.others > QUIET) quiet = false;
      p = Math.max(p, readProbe());
    }
    if (!quiet && !smoke) {
      dropped++;
      if (dropped <= 2 * rounds) r--; // try again, a bounded number of times
      continue;
    }
    probes.push(p);
    for (const n of counts) walls[n].push(got[n]);
  }
  const pr = median(probes);
  const res = { epochs, limit, gflop: flops / 1e9, probe: pr, dropped, target, runs: {} };
  for (const n of counts) {
    const wall = median(walls[n]);
    const gflops = flops / wall / 1e9;
    res.runs[n] = { wall, rounds: walls[n].length, gflops, pctOfProbe: (100 * gflops) / (n * pr), line: lines[n] };
  }
  res.ratio = res.runs[1].wall / res.runs[threads].wall;
  // the closing lines without the rate and the file: the same accuracies and loss with any thread count
  const result = (l) => l.replace(/, [\d,]+ training samples\/s, .*$/, '');
  res.sameResult = result(lines[1]) === result(lines[threads]);
  // the target's rate, as a fraction of `threads` probes (it ignores loading and start-up, so it flatters the target)
  res.targetPctOfProbe = (100 * (flops / target / 1e9)) / (threads * pr);
  // the floor: the run's GEMMs alone, every thread at the probe's rate (no loads, no split, no loading or test pass)
  res.floor = flops / 1e9 / (threads * pr);
  console.log(JSON.stringify(res));
  console.log(
    `npm start, ${epochs} epoch${epochs === 1 ? '' : 's'}${limit ? ` (limit ${limit})` : ''}: ${res.gflop.toFixed(1)} GFLOP of GEMMs; probe ${pr.toFixed(1)} GFLOP/s per thread; ${dropped} disturbed round(s) dropped`,
  );
  for (const n of counts) {
    const x = res.runs[n];
    console.log(
      `  ${n} thread(s): ${x.wall.toFixed(1)} s wall (median of ${x.rounds}), ${x.gflops.toFixed(1)} GFLOP/s = ${x.pctOfProbe.toFixed(0)}% of ${n} × probe`,
    );
  }
  console.log(
    `  1 → ${threads} threads: ${res.ratio.toFixed(2)}× (${res.sameResult ? 'the same' : 'DIFFERENT'} accuracies and loss); ${target} s would need ${(flops / target / 1e9).toFixed(1)} GFLOP/s = ${res.targetPctOfProbe.toFixed(0)}% of ${threads} × probe`,
  );
  console.log(
    `  floor: the GEMMs alone at ${threads} × probe take ${res.floor.toFixed(1)} s; the ${threads}-thread run took ${(res.runs[threads].wall / res.floor).toFixed(2)}× that`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
