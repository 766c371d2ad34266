// SPDX-License-Identifier: MIT
// Splitcheck: where a GEMM split over two threads loses time, measured in one
// process on the raw kernel builds (no engine, no pool), every configuration
// interleaved round by round so drift hits all alike; figures are medians over
// the rounds, as GFLOP/s per thread and as ratios.
//   solo      one thread, whole GEMM: the plain build vs the shared-memory build
//   indep     two threads, each a whole GEMM on its own data, concurrently
//   split     the GEMM's rows in two shares (gemm_part), one per thread, as the
//             engine splits (per call: publish, run, wait); also each share alone
//   packB     a 4-row share: about the cost of packing all of B, which every
//             row share pays (column shares: all of A)
//   spread    ws and C at 64-byte-aligned, far apart addresses vs packed tight
//             (false sharing at share boundaries)
//   wait      the time the calling thread waits for the other after its share
// Shapes: the MLP training step's GEMMs (784-256-256-10 at batch 256).
// Usage: node bench/splitcheck.mjs [--rounds 7] [--build simd128|relaxed] [--tile 6]
//        (under flock /tmp/simdgrad-heavy.lock; Deno: deno run -A; Bun: bun)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { runtimeLabel } from './lib/common.mjs';
import { awaitQuiet, mark, others, QUIET } from './lib/quiet.mjs';

// control block (its own SharedArrayBuffer): i32 [0] job seq, [1] done seq, [2] quit; f64 args from byte 64

if (!isMainThread) {
  const { module, memory, ctl } = workerData;
  const inst = await WebAssembly.instantiate(module, { env: { memory } });
  const i32 = new Int32Array(ctl);
  const f64 = new Float64Array(ctl, 64);
  const fns = Object.values(inst.exports);
  const names = Object.keys(inst.exports);
  parentPort.postMessage('ready');
  let seen = 0;
  for (;;) {
    let s = Atomics.load(i32, 0);
    while (s === seen) s = Atomics.load(i32, 0); // spin: the experiment keeps this core
    seen = s;
    if (i32[2] !== 0) break;
    const f = fns[names.indexOf(['gemm_part', 'gemm_nt'][f64[0]])];
    const n = f64[1];
    const a = Array.from(f64.subarray(2, 2 + n));
    const t0 = performance.now();
    f(...a);
    f64[40] = performance.now() - t0;
    Atomics.store(i32, 1, s);
  }
  process.exit(0);
}

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const argv = globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2);
const opt = (n, d) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
const ROUNDS = Number(opt('rounds', '7'));
const BUILD = opt('build', 'simd128');
const TILE = Number(opt('tile', '6'));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const plainBytes = readFileSync(here(`../build/${BUILD}.wasm`));
const sharedBytes = readFileSync(here(`../build/${BUILD}-shared.wasm`));
const PAGES = 1024; // 64 MiB
const sharedMem = new WebAssembly.Memory({ initial: PAGES, maximum: 65536, shared: true });
const plainMem = new WebAssembly.Memory({ initial: PAGES, maximum: 65536 });
const sharedMod = await WebAssembly.compile(sharedBytes);
const S = (await WebAssembly.instantiate(sharedMod, { env: { memory: sharedMem } })).exports;
const P = (await WebAssembly.instantiate(await WebAssembly.compile(plainBytes), { env: { memory: plainMem } })).exports;

// layout: two data sets (A, B, C, ws each); `tight` packs them 16-byte aligned
// back to back, else every block starts on its own 4 KiB page with a gap
const WS = S.gemm_ws_bytes();
function layout(base, tight) {
  let at = base;
  const take = (bytes) => {
    at = tight ? Math.ceil(at / 16) * 16 + 16 : Math.ceil(at / 4096) * 4096 + 4096;
    const p = at;
    at += bytes;
    return p;
  };
  const set = () => ({ a: take(4 * 256 * 784), b: take(4 * 784 * 784), c: take(4 * 256 * 784), ws: take(WS) });
  return [set(), set()];
}
const base = Math.ceil(S.heap_base() / 4096) * 4096;
const LOOSE = layout(base, false);
const TIGHT = layout(base + 32 * 2 ** 20, true);
for (const [mem, ex] of [
  [sharedMem, S],
  [plainMem, P],
]) {
  const f = new Float32Array(mem.buffer);
  let s = 1;
  for (let i = base / 4; i < f.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    f[i] = (s >>> 8) / 16777216 - 0.5;
  }
  for (const set of [...LOOSE, ...TIGHT]) ex.gemm_ws_set_tile(set.ws, TILE);
}

// the worker: same module, same memory, spinning for jobs
const ctl = new SharedArrayBuffer(64 + 64 * 8);
const ci = new Int32Array(ctl);
const cf = new Float64Array(ctl, 64);
const worker = new Worker(here('./splitcheck.mjs'), { workerData: { module: sharedMod, memory: sharedMem, ctl } });
await new Promise((r) => worker.once('message', r));
let seq = 0;
/** Runs gemm_part(args) on the worker while `mine` runs here; [here ms, worker ms, wall ms]. */
function pair(wargs, mine) {
  cf[0] = 0;
  cf[1] = wargs.length;
  cf.set(wargs, 2);
  const t0 = performance.now();
  Atomics.store(ci, 0, ++seq);
  const t1 = performance.now();
  mine?.();
  const t2 = performance.now();
  while (Atomics.load(ci, 1) !== seq);
  return [t2 - t1, cf[40], performance.now() - t0];
}

// the MLP step's GEMMs as gemm_part(trans, …, M, N, K): fwd L1 (NT), fwd L2 (NT), bwd dX L2 (NN), dW L1 (TN)
const SHAPES = [
  ['fwd1 nt 256x256x784', 1, 256, 256, 784],
  ['fwd2 nt 256x256x256', 1, 256, 256, 256],
  ['dx2 nn 256x256x256', 0, 256, 256, 256],
  ['dw1 tn 256x784x256', 2, 256, 784, 256],
];
const part = (tr, d, M, N, K, i0, i1, j0 = 0, j1 = N) => [tr, d.a, d.b, d.c, M, N, K, 0, d.ws, i0, i1, j0, j1];
const cut = (M) => Math.round(M / 2 / TILE) * TILE;

const rows = new Map();
let rec;
const time = (f, n) => {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) f();
  return (performance.now() - t0) / n;
};

const WARM = 3;
let kept = 0;
let dropped = 0;
for (let round = 0; kept < ROUNDS && round < 4 * ROUNDS + WARM; round++) {
  // a round another process disturbed (bench/lib/quiet.mjs) is dropped whole
  awaitQuiet(2000);
  const before = mark();
  const got = [];
  rec = (k, v) => got.push([k, v]);
  for (const [name, tr, M, N, K] of SHAPES) {
    const gf = (ms, frac = 1) => (2 * M * N * K * frac) / ms / 1e6;
    const R = Math.max(5, Math.round(2e8 / (M * N * K)));
    const [d0, d1] = LOOSE;
    const [t0, t1] = TIGHT;
    const h = cut(M);
    const whole = (ex, d) => () => ex.gemm_part(...part(tr, d, M, N, K, 0, M));
    // solo: plain vs shared build, one thread
    const plain = time(whole(P, d0), R);
    const shared = time(whole(S, d0), R);
    // indep: both threads a whole GEMM each on separate data
    const ind = [];
    for (let r = 0; r < R; r++) ind.push(pair(part(tr, d1, M, N, K, 0, M), whole(S, d0)));
    // split rows: here [0,h), worker [h,M); share alone on each side
    const spl = [];
    for (let r = 0; r < R; r++)
      spl.push(pair(part(tr, d0, M, N, K, h, M), () => S.gemm_part(...part(tr, d0, M, N, K, 0, h))));
    const tsp = [];
    for (let r = 0; r < R; r++)
      tsp.push(pair(part(tr, t1, M, N, K, h, M), () => S.gemm_part(...part(tr, t0, M, N, K, 0, h))));
    const aloneHere = time(() => S.gemm_part(...part(tr, d0, M, N, K, 0, h)), R);
    const aloneW = median(Array.from({ length: R }, () => pair(part(tr, d0, M, N, K, h, M), null)[1]));
    // 4 rows: packs all of B, computes 4 rows
    const four = time(() => S.gemm_part(...part(tr, d0, M, N, K, 0, 4)), R);
    const m = (xs, i) => median(xs.map((x) => x[i]));
    rec(`${name}|solo plain GF`, gf(plain));
    rec(`${name}|solo shared GF`, gf(shared));
    rec(`${name}|shared/plain`, plain / shared);
    rec(`${name}|indep GF here`, gf(m(ind, 0)));
    rec(`${name}|indep GF worker`, gf(m(ind, 1)));
    rec(`${name}|split wall speedup`, shared / m(spl, 2));
    rec(`${name}|split GF/thread here`, gf(m(spl, 0), h / M));
    rec(`${name}|split GF/thread worker`, gf(m(spl, 1), (M - h) / M));
    rec(`${name}|share alone GF here`, gf(aloneHere, h / M));
    rec(`${name}|share alone GF worker`, gf(aloneW, (M - h) / M));
    rec(`${name}|(shares alone)/whole`, (aloneHere + aloneW) / shared);
    rec(`${name}|packB ms (4-row share - 4 rows of compute)`, four - (shared * 4) / M);
    rec(`${name}|packB / share time`, (four - (shared * 4) / M) / aloneHere);
    rec(`${name}|split wall tight/loose`, m(tsp, 2) / m(spl, 2));
    rec(`${name}|caller wait / wall`, 1 - m(spl, 0) / m(spl, 2));
    rec(`${name}|wall - max(thread) ms`, m(spl, 2) - Math.max(m(spl, 0), m(spl, 1)));
  }
  if (round < WARM) continue; // warm-up (tier-up) rounds
  if (others(before) > QUIET) {
    dropped++;
    continue;
  }
  kept++;
  for (const [k, v] of got) {
    if (!rows.has(k)) rows.set(k, []);
    rows.get(k).push(v);
  }
}
Atomics.store(ci, 2, 1);
Atomics.store(ci, 0, ++seq);
const rt = runtimeLabel();
console.log(`splitcheck ${rt} ${BUILD} tile ${TILE}x8, ${kept} quiet rounds (${dropped} dropped), medians [min–max]`);
let last = '';
for (const [key, xs] of rows) {
  const [shape, what] = key.split('|');
  if (shape !== last) console.log(shape);
  last = shape;
  console.log(
    `  ${what.padEnd(44)} ${median(xs).toFixed(3)}  [${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}]`,
  );
}
await worker.terminate();
if (argv.includes('--series'))
  for (const [key, xs] of rows) if (/GF/.test(key)) console.log(key, xs.map((x) => x.toFixed(1)).join(' '));
