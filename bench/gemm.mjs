// SPDX-License-Identifier: MIT
// GEMM benchmark: GFLOP/s medians for square n×n×n (NN, NT, TN) and the MLP
// shapes of Linear(784,256) at batch 256, for simdgrad simd128 / relaxed,
// TensorFlow.js wasm (XNNPACK, 1 thread) and cpu, and a plain-JS loop; in the
// same process, the register-only probe of each build (gemm_peak: the tiles'
// multiply-adds without loads, the ceiling) and every simdgrad figure as a
// fraction of it; and each tile (4×8, 5×8, 6×8) on the n = 256 and MLP shapes.
// simdgrad runs the tile its engine chooses for the build in a fresh process of
// this runtime (bench/lib/tile.mjs: init, 600 GEMMs, sg.tile()); SIMDGRAD_TILE=4x8|5x8|6x8
// or --tile forces one. Then the threaded peers on the target shapes, on the
// wall clock (bench/lib/threaded-gemm.mjs): TensorFlow.js's threaded wasm build
// forced on in Node and simdgrad with init({ threads }), 1 and 2 threads each,
// and the threaded tfjs products against the one-thread tfjs-wasm ones
// (`--no-threaded` skips them). Plain ESM, no build step: runs under Node 20 (`node
// --experimental-wasm-relaxed-simd bench/gemm.mjs [--quick] [--json] [--wall]
// [--tile 6x8] [--no-threaded]`), Node 24, Deno (`deno run -A bench/gemm.mjs`) and Bun.
// `benchGemm(opts)` and `formatGemm(result)` are exported for bench/run.mjs.

import { spawnSync } from 'node:child_process';
import os from 'node:os';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { na, selfRunner } from './lib/common.mjs';
import { rawBuild, warmProbe } from './lib/raw.mjs';
import { caseInputs, checkThreaded, threadedPeers } from './lib/threaded-gemm.mjs';

const isDeno = typeof globalThis.Deno !== 'undefined';

/** The MLP shapes: forward X·Wᵀ, backward dX = dY·W and dW = dYᵀ·X. */
const MLP = [
  { name: 'mlp fwd X·Wᵀ 256×784·(256×784)ᵀ', kind: 'nt', M: 256, N: 256, K: 784 },
  { name: 'mlp bwd dY·W 256×256·256×784', kind: 'nn', M: 256, N: 784, K: 256 },
  { name: 'mlp bwd dYᵀ·X (256×256)ᵀ·256×784', kind: 'tn', M: 256, N: 784, K: 256 },
];

export function machineLine() {
  const cpus = os.cpus();
  const rt = isDeno
    ? `deno ${globalThis.Deno.version.deno} (V8 ${globalThis.Deno.version.v8})`
    : globalThis.Bun
      ? `bun ${globalThis.Bun.version} (JavaScriptCore)`
      : `node ${process.version} (V8 ${process.versions.v8})`;
  return `${cpus[0]?.model ?? 'unknown cpu'}, ${cpus.length} cores | ${rt} | ${new Date().toISOString().slice(0, 16)}Z`;
}

function cases(quick, smoke) {
  const sizes = smoke ? [64] : quick ? [64, 128, 256] : [64, 128, 256, 512, 1024];
  const out = [];
  for (const n of sizes)
    for (const kind of ['nn', 'nt', 'tn']) out.push({ name: `${kind} ${n}³`, kind, M: n, N: n, K: n });
  return out.concat(MLP);
}

/** A seeded LCG in [-1, 1). */
function fill(f32, seed) {
  let s = seed >>> 0;
  for (let i = 0; i < f32.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    f32[i] = (s >>> 8) / 8388608 - 1;
  }
}

/**
 * Milliseconds on the chosen clock. 'cpu' (default) is the process's CPU time, so
 * other jobs on a shared machine do not inflate the single-threaded timings;
 * 'wall' is performance.now().
 */
function clock(kind) {
  if (kind === 'wall') return () => performance.now();
  return () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
}

/** Median seconds per call of fn, batching calls to ~targetMs per sample. */
function timeIt(fn, samples, targetMs, now) {
  fn();
  let reps = 1;
  for (;;) {
    const t0 = now();
    for (let r = 0; r < reps; r++) fn();
    const dt = now() - t0;
    if (dt >= targetMs / 4 || reps >= 1 << 20) {
      reps = Math.max(1, Math.round((reps * targetMs) / Math.max(dt, 1e-3)));
      break;
    }
    reps *= 4;
  }
  const ts = [];
  for (let s = 0; s < samples; s++) {
    const t0 = now();
    for (let r = 0; r < reps; r++) fn();
    ts.push((now() - t0) / reps / 1000);
  }
  ts.sort((a, b) => a - b);
  return ts[ts.length >> 1];
}

const TILES = ['4x8', '5x8', '6x8'];
const rowsOf = (t) => Number(t[0]);

/**
 * The tile simdgrad's engine uses for `build` on this runtime: forced (opts.tile,
 * SIMDGRAD_TILE) or what a fresh process measures over its first GEMMs (bench/lib/tile.mjs),
 * with the timings that chose it; null when that process fails.
 */
function engineTile(build, forced, gemms) {
  if (forced) return { tile: forced, by: 'option', gflops: {}, relative: {}, turns: 0, ms: 0, coldMs: 0 };
  const cmd = selfRunner();
  const r = spawnSync(
    cmd[0],
    [...cmd.slice(1), fileURLToPath(new URL('lib/tile.mjs', import.meta.url)), build, String(gemms)],
    {
      encoding: 'utf8',
      env: { ...process.env, SIMDGRAD_TILE: '' },
    },
  );
  try {
    return JSON.parse((r.stdout ?? '').trim().split('\n').at(-1));
  } catch {
    console.error(`gemm: the ${build} tile choice failed: ${(r.stderr ?? '').trim().split('\n').at(-1)}`);
    return null;
  }
}

/** "6x8 (measured 4x8 26.1 · 5x8 23.0 · 6x8 27.3 GFLOP/s, 64 turns, 5.2 ms)" */
export function describeTile(c) {
  if (!c) return 'the choice failed (5x8 used)';
  if (c.by !== 'measured') return `${c.tile} (${c.by === 'option' ? 'forced' : `default: ${c.reason}`})`;
  const g = TILES.map((t) => `${t} ${c.gflops[t]?.toFixed(1) ?? '—'}`).join(' · ');
  const rel = TILES.filter((t) => c.relative?.[t] !== undefined)
    .map((t) => `${t} ${c.relative[t].toFixed(3)}`)
    .join(' · ');
  const decided = rel ? `; decided by speed relative to each turn's mean: ${rel}` : '';
  return `${c.tile} (measured: best ${g} GFLOP/s on packed scratch${decided}; ${c.turns} turns, ${c.ms.toFixed(1)} ms, ${(c.coldMs ?? 0).toFixed(1)} ms on the first GEMMs)`;
}

/** Instantiates a simdgrad build with its own memory; null when the runtime cannot. */
async function simdgrad(build, maxElems, tile) {
  const raw = await rawBuild(build, maxElems);
  if (raw === null) return null;
  const { X, memory, ws, a, b, c } = raw;
  const f = new Float32Array(memory.buffer);
  fill(f.subarray(a >> 2, (a >> 2) + maxElems), 1);
  fill(f.subarray(b >> 2, (b >> 2) + maxElems), 2);
  X.gemm_ws_set_tile(ws, tile);
  const make = (kind, M, N, K) => {
    const fn = X[`gemm_${kind}`];
    return () => fn(a, b, c, M, N, K, 0, ws);
  };
  make.setTile = (rows) => X.gemm_ws_set_tile(ws, rows);
  /** The register-only probe: `steps` steps of 12 multiply-adds (96 flops each) on zeros in ws. */
  make.probe = (steps) => {
    const peak = warmProbe(raw);
    return () => peak(steps);
  };
  return make;
}

/** The plain-JS triple loop (i-k-j order, the fastest simple one for row-major). */
function jsGemm(kind, M, N, K) {
  const A = new Float32Array(M * K);
  const B = new Float32Array(K * N);
  const C = new Float32Array(M * N);
  fill(A, 3);
  fill(B, 4);
  return () => {
    C.fill(0);
    for (let i = 0; i < M; i++) {
      for (let k = 0; k < K; k++) {
        const a = kind === 'tn' ? A[k * M + i] : A[i * K + k];
        const row = i * N;
        if (kind === 'nt') for (let j = 0; j < N; j++) C[row + j] += a * B[j * K + k];
        else for (let j = 0; j < N; j++) C[row + j] += a * B[k * N + j];
      }
    }
  };
}

async function tfjs() {
  try {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setThreadsCount?.(1);
    const make = async (backend) => {
      if (!(await tf.setBackend(backend))) return null;
      await tf.ready();
      return (kind, M, N, K) => {
        // the threaded peers' inputs, so that their products can be compared
        const io = caseInputs({ kind, M, N, K });
        const a = tf.tensor(io.a, io.aShape);
        const b = tf.tensor(io.b, io.bShape);
        const product = () => tf.matMul(a, b, kind === 'tn', kind === 'nt');
        const run = () => product().dispose();
        run.values = () => tf.tidy(() => product().dataSync().slice());
        run.dispose = () => {
          a.dispose();
          b.dispose();
        };
        return run;
      };
    };
    return { tf, make };
  } catch (e) {
    console.error(`tfjs unavailable: ${e.message}`);
    return null;
  }
}

/**
 * Runs every case and returns { machine, columns, rows: [{ name, flop, gflops: {column: number|null} }] }.
 * opts: { quick, smoke, clock, log, tile, threaded } — threaded: false skips the threaded peers; tile '4x8' | '5x8' | '6x8' forces the register tile
 * (default: the one simdgrad's init picks, see engineTile); log(msg) gets progress lines; smoke (the harness
 * test) runs n = 64 and the MLP shapes once each, for a result of the same form;
 * clock 'cpu' (default: process CPU time) or 'wall'.
 */
export async function benchGemm(opts = {}) {
  const clockKind = opts.clock === 'wall' ? 'wall' : 'cpu';
  const now = clock(clockKind);
  const smoke = !!opts.smoke;
  const quick = smoke || !!opts.quick;
  const log = opts.log ?? (() => {});
  const forced = TILES.includes(opts.tile)
    ? opts.tile
    : TILES.includes(process.env.SIMDGRAD_TILE)
      ? process.env.SIMDGRAD_TILE
      : null;
  const samples = smoke ? 1 : quick ? 3 : 7;
  const targetMs = smoke ? 2 : quick ? 40 : 150;
  const list = cases(quick, smoke);
  const maxElems = Math.max(...list.flatMap((c) => [c.M * c.K, c.K * c.N, c.M * c.N]));
  const tiles = {};
  const engines = {};
  const probe = {};
  /** Every probe reading per build: their spread says whether the machine's speed changed during the run. */
  const probeReadings = { simd128: [], relaxed: [] };
  for (const build of ['simd128', 'relaxed']) {
    const make = await simdgrad(build, maxElems, 5);
    tiles[build] = make ? engineTile(build, forced, smoke ? 40 : 600) : null;
    if (make) make.setTile(rowsOf(tiles[build]?.tile ?? '5x8'));
    engines[`simdgrad ${build}`] = make;
  }
  const columns = [...Object.keys(engines), 'tfjs-wasm', 'tfjs-cpu', 'plain JS'];
  const rows = list.map((c) => ({ name: c.name, kind: c.kind, flop: 2 * c.M * c.N * c.K, gflops: {} }));
  const measure = (col, row, fn) => {
    const sec = timeIt(fn, samples, targetMs, now);
    row.gflops[col] = row.flop / sec / 1e9;
    log(`${col.padEnd(18)} ${row.name.padEnd(36)} ${row.gflops[col].toFixed(2)} GFLOP/s`);
  };
  const steps = 20000;
  // The probe is timed before the build's table and again before and after its
  // tile sweep, and the fastest kept: a ceiling, and other work on a shared
  // machine only ever slows a sample down.
  const measureProbe = (build, make) => {
    const g = (96 * steps) / timeIt(make.probe(steps), samples, targetMs, now) / 1e9;
    probe[build] = Math.max(probe[build] ?? 0, g);
    probeReadings[build].push(g);
    log(`${`simdgrad ${build}`.padEnd(18)} ${'register-only probe'.padEnd(36)} ${g.toFixed(2)} GFLOP/s`);
  };
  for (const [col, make] of Object.entries(engines)) {
    const build = col.split(' ')[1];
    if (make) {
      measureProbe(build, make);
    } else probe[build] = null;
    for (const [i, c] of list.entries()) {
      if (make) measure(col, rows[i], make(c.kind, c.M, c.N, c.K));
      else rows[i].gflops[col] = null;
    }
  }
  // Every tile on the shapes of the targets (n = 256 and the MLP shapes), to check the choice.
  const sweep = list.filter((c) => c.name.startsWith('mlp') || c.M === 256 || (smoke && c.M === 64));
  const perTile = { cases: sweep.map((c) => c.name), gflops: {} };
  for (const [col, make] of Object.entries(engines)) {
    if (!make) continue;
    const build = col.split(' ')[1];
    measureProbe(build, make);
    for (const t of TILES) {
      make.setTile(rowsOf(t));
      perTile.gflops[`${build} ${t}`] = sweep.map((c) => {
        const g = (2 * c.M * c.N * c.K) / timeIt(make(c.kind, c.M, c.N, c.K), samples, targetMs, now) / 1e9;
        log(`${`${build} ${t}`.padEnd(18)} ${c.name.padEnd(36)} ${g.toFixed(2)} GFLOP/s`);
        return g;
      });
    }
    make.setTile(rowsOf(tiles[build]?.tile ?? '5x8'));
    measureProbe(build, make);
  }
  const tf = await tfjs();
  const reference = []; // tfjs-wasm's products on the sweep cases, for the threaded check
  for (const [col, backend, maxFlop] of [
    ['tfjs-wasm', 'wasm', Infinity],
    ['tfjs-cpu', 'cpu', quick ? 2 ** 26 : 2 ** 29],
  ]) {
    const make = tf ? await tf.make(backend) : null;
    for (const [i, c] of list.entries()) {
      if (!make || rows[i].flop > maxFlop) {
        rows[i].gflops[col] = null;
        continue;
      }
      const fn = make(c.kind, c.M, c.N, c.K);
      measure(col, rows[i], fn);
      if (col === 'tfjs-wasm' && sweep.includes(c)) reference.push(fn.values());
      fn.dispose();
    }
  }
  for (const [i, c] of list.entries()) {
    if (rows[i].flop <= (quick ? 2 ** 22 : 2 ** 25)) measure('plain JS', rows[i], jsGemm(c.kind, c.M, c.N, c.K));
    else rows[i].gflops['plain JS'] = null;
  }
  let threaded = null;
  if (opts.threaded !== false) {
    const { products, ...peers } = threadedPeers(sweep, { threads: 2, smoke, quick, log });
    let check;
    try {
      check = reference.length === sweep.length ? checkThreaded(products, reference) : na('tfjs-wasm did not run');
    } catch (e) {
      check = na(e.message);
    }
    threaded = { ...peers, check };
  }
  return {
    machine: `${machineLine()} | clock: ${clockKind}`,
    runtime: isDeno ? 'deno' : globalThis.Bun ? 'bun' : 'node',
    columns,
    rows,
    tiles,
    probe,
    probeReadings,
    perTile,
    threaded,
  };
}

/** Cells as aligned columns, the first left-aligned. */
function grid(head, body) {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((s, i) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

/**
 * The result as text: the tile each build ran and what chose it, the probes,
 * GFLOP/s medians with simdgrad as % of its build's probe and ÷ tfjs-wasm, then
 * every tile on the target shapes.
 */
export function formatGemm(result) {
  const fmt = (v) => (v == null ? '—' : v.toFixed(1));
  const ratio = (a, b) => (a == null || b == null ? '—' : `${(a / b).toFixed(2)}×`);
  const pct = (a, b) => (a == null || b == null ? '—' : `${((100 * a) / b).toFixed(0)}%`);
  const probe = result.probe ?? {};
  const head = [
    'case (GFLOP/s, median)',
    ...result.columns,
    's128 %probe',
    'rlx %probe',
    'simd128/wasm',
    'relaxed/wasm',
  ];
  const body = result.rows.map((r) => [
    r.name,
    ...result.columns.map((c) => fmt(r.gflops[c])),
    pct(r.gflops['simdgrad simd128'], probe.simd128),
    pct(r.gflops['simdgrad relaxed'], probe.relaxed),
    ratio(r.gflops['simdgrad simd128'], r.gflops['tfjs-wasm']),
    ratio(r.gflops['simdgrad relaxed'], r.gflops['tfjs-wasm']),
  ]);
  const out = [`machine: ${result.machine}`];
  for (const b of ['simd128', 'relaxed']) {
    if (result.tiles?.[b] !== undefined) out.push(`simdgrad ${b} tile: ${describeTile(result.tiles[b])}`);
  }
  out.push(
    `register-only probe (gemm_peak, same process, best of 3 timings): simd128 ${fmt(probe.simd128)}, relaxed ${fmt(probe.relaxed)} GFLOP/s`,
  );
  // A probe that read very differently within the run: this machine's speed changed
  // while the table was taken (on a shared or virtual host a core can run the same
  // code far slower for a while), so its % of probe understates the code.
  for (const b of ['simd128', 'relaxed']) {
    const rs = result.probeReadings?.[b] ?? [];
    if (rs.length < 2) continue;
    const lo = Math.min(...rs);
    const hi = Math.max(...rs);
    if (hi > 1.15 * lo)
      out.push(
        `NOTE: the ${b} probe read ${rs.map((r) => r.toFixed(1)).join(' / ')} GFLOP/s in this run (${((100 * (hi - lo)) / hi).toFixed(0)}% apart): the machine's speed changed while it ran; compare its rows with care`,
      );
  }
  out.push(...grid(head, body));
  const pt = result.perTile;
  if (pt && Object.keys(pt.gflops).length) {
    const tileHead = ['tile (GFLOP/s, median; % of probe)', ...pt.cases];
    const tileBody = Object.entries(pt.gflops).map(([k, gs]) => [
      k,
      ...gs.map((g) => `${fmt(g)} ${pct(g, probe[k.split(' ')[0]])}`),
    ]);
    out.push('', ...grid(tileHead, tileBody));
  }
  if (result.threaded) {
    const clockNote = result.machine.endsWith('clock: wall') ? 'wall clock' : 'process CPU time, one thread';
    out.push('', ...formatThreaded(result.threaded, clockNote, fmt, ratio));
  }
  return out.join('\n');
}

/** The threaded peers' grid (wall clock), the threads each run reported and the tfjs check. */
function formatThreaded(t, clockNote, fmt, ratio) {
  const n = t.threads;
  const keys = ['tfjs 1', `tfjs ${n}`, 'simdgrad 1', `simdgrad ${n}`];
  const g = (k, i) => t.runs[k]?.gflops?.[i] ?? null;
  const head = [
    `threaded (GFLOP/s, wall clock)`,
    'tfjs-mt 1T',
    `tfjs-mt ${n}T`,
    `${n}T/1T`,
    'simdgrad 1T',
    `simdgrad ${n}T`,
    `${n}T/1T`,
    `simdgrad/tfjs-mt ${n}T`,
  ];
  const body = t.cases.map((name, i) => [
    name,
    fmt(g(keys[0], i)),
    fmt(g(keys[1], i)),
    ratio(g(keys[1], i), g(keys[0], i)),
    fmt(g(keys[2], i)),
    fmt(g(keys[3], i)),
    ratio(g(keys[3], i), g(keys[2], i)),
    ratio(g(keys[3], i), g(keys[1], i)),
  ]);
  const runs = keys.map((k) => {
    const r = t.runs[k];
    return r?.na
      ? `${k}T: n/a: ${r.na}`
      : `${k}T: ${r.threads} thread(s) reported, ${r.dropped} disturbed samples dropped`;
  });
  const c = t.check;
  const check = c?.na
    ? `n/a: ${c.na}`
    : `${c.identical} of ${c.values} values bit-identical, max |Δ| ${c.maxAbs.toExponential(2)} (${c.maxRel.toExponential(2)} of the largest |value|)`;
  return [
    `threaded peers, wall clock (the table above: ${clockNote}), a fresh process per run, samples another process disturbed dropped: tfjs-mt = TensorFlow.js's threaded-SIMD wasm build, which tfjs turns off outside browsers, forced on (bench/lib/tfjs-threaded.mjs); simdgrad = simd128 with init({ threads })`,
    ...grid(head, body),
    `runs: ${runs.join('; ')}`,
    `tfjs-mt ${n}T products vs tfjs-wasm (one thread), same inputs: ${check}`,
  ];
}

const args = isDeno ? globalThis.Deno.args : process.argv.slice(2);
const isMain = isDeno ? import.meta.main : process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const quick = args.includes('--quick');
  const smoke = args.includes('--smoke');
  const json = args.includes('--json');
  const clockKind = args.includes('--wall') ? 'wall' : 'cpu';
  const t = args.indexOf('--tile');
  const tile = t >= 0 ? args[t + 1] : 'auto';
  const result = await benchGemm({
    threaded: !args.includes('--no-threaded'),
    quick,
    smoke,
    clock: clockKind,
    tile,
    log: json ? () => {} : (m) => console.error(m),
  });
  console.log(json ? JSON.stringify(result) : formatGemm(result));
}
