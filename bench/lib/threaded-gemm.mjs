// SPDX-License-Identifier: MIT
// The GEMM table's threaded peers, on the wall clock (process CPU time, the
// table's clock, counts every thread): TensorFlow.js's threaded-SIMD wasm build
// forced on in Node (lib/tfjs-threaded.mjs) and simdgrad simd128 with
// init({ threads }), each with 1 and with N threads in a fresh process (tfjs
// initialises its backend once per process). The cases are the table's target
// shapes. Samples another process disturbed are dropped (lib/quiet.mjs), so a
// run under load takes longer rather than reporting a neighbour's share.
// threadedPeers() runs the four processes; the tfjs one with N threads also
// sends its products, for checkThreaded() to compare with the one-thread tfjs-wasm
// ones of the same inputs. Child: `<runtime> bench/lib/threaded-gemm.mjs tfjs|simdgrad
// THREADS CASES_JSON [--quick|--smoke] [--values]` prints one JSON line.

import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { args, errorLine, fillUniform, na, selfRunner } from './common.mjs';
import { quietMedian } from './quiet.mjs';

const INIT_TIMEOUT_MS = 30_000;

/** A and B of a case (seeds 5 and 6), shared with bench/gemm.mjs's one-thread tfjs for the check. */
export function caseInputs({ kind, M, N, K }) {
  const aShape = kind === 'tn' ? [K, M] : [M, K];
  const bShape = kind === 'nt' ? [N, K] : [K, N];
  return {
    a: fillUniform(new Float32Array(aShape[0] * aShape[1]), 5),
    b: fillUniform(new Float32Array(bShape[0] * bShape[1]), 6),
    aShape,
    bShape,
  };
}

/** engine → { threads, make(case) → { run, values } } in this process. */
const ENGINES = {
  async tfjs(threads) {
    const { loadThreadedTfjs } = await import('./tfjs-threaded.mjs');
    const { tf, threads: got } = await loadThreadedTfjs(threads);
    return {
      threads: got,
      make(c) {
        const { a, b, aShape, bShape } = caseInputs(c);
        const ta = tf.tensor(a, aShape);
        const tb = tf.tensor(b, bShape);
        const product = () => tf.matMul(ta, tb, c.kind === 'tn', c.kind === 'nt');
        return {
          run: () => product().dispose(),
          values: () => tf.tidy(() => product().dataSync().slice()),
        };
      },
    };
  },
  async simdgrad(threads) {
    const sg = await import('../../build/index.js');
    await sg.init({ simd: 'simd128', threads });
    await sg.startThreads();
    return {
      threads: sg.threads(),
      make(c) {
        const { a, b, aShape, bShape } = caseInputs(c);
        const ta = sg.tensor(a, aShape);
        const tb = sg.tensor(b, bShape);
        const lhs = c.kind === 'tn' ? ta.T : ta;
        const rhs = c.kind === 'nt' ? tb.T : tb;
        return {
          run: () => sg.matmul(lhs, rhs).dispose(),
          values: () => sg.tidy(() => sg.matmul(lhs, rhs).data()),
        };
      },
    };
  },
};

async function child() {
  const [engine, threadsArg, casesJson] = args;
  const threads = Number(threadsArg);
  const smoke = args.includes('--smoke');
  const quick = args.includes('--quick');
  const timer = setTimeout(() => {
    console.error(`Error: ${engine} did not initialise within ${INIT_TIMEOUT_MS / 1000} s`);
    process.exit(3);
  }, INIT_TIMEOUT_MS);
  const e = await ENGINES[engine](threads);
  clearTimeout(timer);
  const out = { engine, threads: e.threads, gflops: [], dropped: 0, values: args.includes('--values') ? [] : null };
  for (const c of JSON.parse(casesJson)) {
    const m = e.make(c);
    const { sec, dropped } = quietMedian(m.run, {
      samples: smoke ? 1 : quick ? 3 : 7,
      targetMs: smoke ? 2 : quick ? 40 : 100,
      quiet: !smoke,
      budgetMs: quick ? 5000 : 20_000,
    });
    out.gflops.push(Number.isNaN(sec) ? null : (2 * c.M * c.N * c.K) / sec / 1e9);
    out.dropped += dropped;
    out.values?.push(Buffer.from(m.values().buffer).toString('base64'));
  }
  // Exit once the line is out (a pipe takes it asynchronously): tfjs's pthreads hold
  // the process open (the glue refs a worker while it runs a thread).
  process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
}

/** One child: its parsed JSON line, or n/a with the reason (its error line). */
function runChild(engine, threads, list, { smoke, quick, values }) {
  const cmd = selfRunner();
  const childArgs = [fileURLToPath(import.meta.url), engine, String(threads), JSON.stringify(list)];
  if (smoke) childArgs.push('--smoke');
  else if (quick) childArgs.push('--quick');
  if (values) childArgs.push('--values');
  const r = spawnSync(cmd[0], [...cmd.slice(1), ...childArgs], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 600_000,
  });
  try {
    return JSON.parse((r.stdout ?? '').trim().split('\n').at(-1));
  } catch {
    return na(`${engine}: ${errorLine(r.stderr, `exited ${r.status ?? r.signal} without a result`)}`);
  }
}

/**
 * The threaded peers on `list` (cases { name, kind, M, N, K }): for tfjs and simdgrad,
 * 1 and `threads` threads → { clock: 'wall', threads, cases, runs: { 'tfjs 1': { threads,
 * gflops[], dropped } | { na }, … }, products: base64[] of tfjs with `threads` }.
 * A run with fewer threads than asked is n/a, saying so.
 */
export function threadedPeers(list, { threads = 2, smoke = false, quick = false, log = () => {} } = {}) {
  const runs = {};
  let products = null;
  for (const engine of ['tfjs', 'simdgrad']) {
    for (const t of [1, threads]) {
      const r = runChild(engine, t, list, { smoke, quick, values: engine === 'tfjs' && t === threads });
      if (r.values) products = r.values;
      delete r.values;
      runs[`${engine} ${t}`] = r.na || r.threads >= t ? r : na(`${engine} ran ${r.threads} thread(s), not ${t}`);
      log(`threaded ${engine} ${t}T: ${r.na ?? r.gflops.map((g) => g?.toFixed(1) ?? '—').join(' · ')} GFLOP/s`);
    }
  }
  return { clock: 'wall', threads, cases: list.map((c) => c.name), runs, products };
}

/**
 * The threaded tfjs products against the one-thread tfjs-wasm ones (`reference`:
 * Float32Array per case, same inputs) → { values, identical, maxAbs, maxRel } where
 * maxRel is max |Δ| over the largest |value| of its case; n/a without products.
 */
export function checkThreaded(products, reference) {
  if (!products) return na('no threaded tfjs products to compare');
  let values = 0;
  let identical = 0;
  let maxAbs = 0;
  let maxRel = 0;
  products.forEach((b64, i) => {
    const bytes = Buffer.from(b64, 'base64');
    const got = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const want = reference[i];
    if (got.length !== want.length)
      throw new Error(`threaded check: case ${i} has ${got.length} values, not ${want.length}`);
    let scale = 0;
    let worst = 0;
    for (let j = 0; j < got.length; j++) {
      const d = Math.abs(got[j] - want[j]);
      if (d === 0) identical++;
      worst = Math.max(worst, d);
      scale = Math.max(scale, Math.abs(want[j]));
    }
    values += got.length;
    maxAbs = Math.max(maxAbs, worst);
    maxRel = Math.max(maxRel, worst / Math.max(scale, 1e-30));
  });
  return { values, identical, maxAbs, maxRel };
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain || (globalThis.Deno && import.meta.main)) await child();
