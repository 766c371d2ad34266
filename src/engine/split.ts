// SPDX-License-Identifier: MIT
// How each kernel call is split over threads, in one table: the engine's `k`
// is the raw kernel exports with the rows below wrapped. A wrapper measures the
// work, asks the pool how many shares it may use, and below a size threshold
// (batch-1 inference, small ops) calls the raw kernel on the calling thread.
// Splits are over output elements only, never over a summed dimension: GEMMs by
// output rows or column panels, elementwise kernels by 4-aligned chunks,
// reductions and softmax by output rows, optimizer updates by parameter slices,
// so every element is computed by one thread exactly as one thread computes it.

import { type Ctx, cuts, pad8, rowCuts, shares } from './cuts.js';
import type { Kernels } from './kernels.js';
import { type Pool, SPLIT_ALL, SPLIT_AUTO, SPLIT_NONE } from './pool.js';

/**
 * One kernel call's shares: the kernel to run ('' = the wrapped one), each share's
 * arguments, and the index of the GEMM scratch argument, which the thread that
 * runs a share replaces with its own (−1 or absent: none).
 */
type Phase = [fn: string, parts: number[][], wsAt?: number];
/** Splits a call into phases run one after the other (each over `p` shares), or null for "run it whole". */
type Splitter = (a: number[], p: number, ctx: Ctx) => Phase[] | null;

/**
 * A kernel's row: its split, and the call's work in the units of `min` that the
 * split's share count is taken from (shares()), so that a call below 2·min, which
 * the split would run whole, is known to be one without running the split.
 */
interface Row {
  work: (a: number[]) => number;
  min: number;
  split: Splitter;
}

// NOTE: thresholds per share, in multiply-adds (GEMM) or elements, measured by
// bench/thresholds.mjs (2 threads, workers hot, paired rounds, Xeon 2 cores,
// Node 20 and 24, Deno, Bun): the total size from which splitting in two ran
// ≥ 1.25× one thread on every runtime, halved. GEMM M×256×256: 2^18 multiply-adds
// 1.50–1.64× (2^17: 0.93–1.45×); add: 2^16 elements 1.26–1.43× (2^15: 0.93–1.21×);
// exp: 2^12 1.38–1.45×; softmax: 2^12 1.51–1.69×. A worker asleep when a call
// comes costs nothing beyond a few µs: the calling thread runs the shares it has
// not claimed (claim.ts).
const GEMM_MIN = 1 << 17;
const ELEM_MIN = 1 << 15;
const HEAVY_MIN = 1 << 11; // exp/log/sigmoid/tanh/adam: several times the work per element
const ROWS_MIN = 1 << 11; // softmax and reductions: elements read per share

/** Elementwise over n floats: the listed pointer arguments advance by 4·start bytes. */
function chunked(ptrs: number[], nAt: number, min: number): Row {
  const split: Splitter = (a, p, ctx) => {
    const n = a[nAt];
    const s = shares(n, min, p, ctx);
    if (s < 2) return null;
    const c = cuts(n, s, 4);
    const parts: number[][] = [];
    for (let i = 0; i < s; i++) {
      const q = a.slice();
      for (const j of ptrs) if (q[j] !== 0) q[j] += 4 * c[i];
      q[nAt] = c[i + 1] - c[i];
      parts.push(q);
    }
    return [['', parts]];
  };
  return { work: (a) => a[nAt], min, split };
}

/** Over rows of length rowAt·(…): each pointer advances by rows × its row stride (in floats). */
function byRows(
  rowsAt: number,
  strides: (a: number[]) => [number, number][],
  work: (a: number[]) => number,
  min: number,
): Row {
  const split: Splitter = (a, p, ctx) => {
    const rows = a[rowsAt];
    const s = Math.min(shares(work(a), min, p, ctx), rows);
    if (s < 2) return null;
    const c = cuts(rows, s, 1);
    const st = strides(a);
    const parts: number[][] = [];
    for (let i = 0; i < s; i++) {
      const q = a.slice();
      for (const [j, stride] of st) if (q[j] !== 0) q[j] += 4 * c[i] * stride;
      q[rowsAt] = c[i + 1] - c[i];
      parts.push(q);
    }
    return [['', parts]];
  };
  return { work, min, split };
}

/** The broadcast binary kernels (a, b, out…, d0, d1, d2, n, sa0..3, sb0..3): split the outermost dim > 1. */
function broadcast(outs: number[], dimsAt: number): Row {
  const work = (a: number[]) => a[dimsAt] * a[dimsAt + 1] * a[dimsAt + 2] * a[dimsAt + 3];
  const split: Splitter = (a, p, ctx) => {
    const d = a.slice(dimsAt, dimsAt + 4);
    const total = work(a);
    const s0 = shares(total, ELEM_MIN, p, ctx);
    if (s0 < 2) return null;
    const ax = d.findIndex((x) => x > 1);
    if (ax < 0) return null;
    const sa = dimsAt + 4 + ax;
    const sb = dimsAt + 8 + ax;
    if (ax === 3 && (a[sa] > 1 || a[sb] > 1)) return null;
    const inner = d.slice(ax + 1).reduce((x, y) => x * y, 1);
    const align = ax === 3 ? 4 : 1;
    const s = Math.min(s0, Math.max(1, Math.floor(d[ax] / align)));
    if (s < 2) return null;
    const c = cuts(d[ax], s, align);
    const parts: number[][] = [];
    for (let i = 0; i < s; i++) {
      const q = a.slice();
      q[0] += 4 * c[i] * a[sa];
      q[1] += 4 * c[i] * a[sb];
      for (const j of outs) if (q[j] !== 0) q[j] += 4 * c[i] * inner;
      q[dimsAt + ax] = c[i + 1] - c[i];
      parts.push(q);
    }
    return [['', parts]];
  };
  return { work, min: ELEM_MIN, split };
}

/** gemm_nn/nt/tn (a, b, c, M, N, K, acc, ws) → gemm_part over output rows, else column panels of 8. */
function gemm(trans: number): Row {
  const split: Splitter = (a, p, ctx) => {
    const [pa, pb, pc, M, N, K, acc] = a;
    const s = shares(M * N * K, GEMM_MIN, p, ctx);
    if (s < 2) return null;
    const byRow = M >= 2 * ctx.tileRows * s || M >= N;
    const c = byRow ? rowCuts(M, s, K * pad8(N), ctx) : cuts(N, s, 8);
    const n = c.length - 1;
    const parts: number[][] = [];
    for (let i = 0; i < n; i++) {
      const [i0, i1, j0, j1] = byRow ? [c[i], c[i + 1], 0, N] : [0, M, c[i], c[i + 1]];
      parts.push([trans, pa, pb, pc, M, N, K, acc, ctx.ws[0], i0, i1, j0, j1]);
    }
    return [['gemm_part', parts, 8]];
  };
  return { work: (a) => a[3] * a[4] * a[5], min: GEMM_MIN, split };
}

/** linear_fwd (x, w, b, alpha, z, y, M, N, K, act, alphaN, ws): rows of X, Y and (when saved) Z. */
const linearFwdSplit: Splitter = (a, p, ctx) => {
  const [, , , , , , M, N, K] = a;
  const s = Math.min(shares(M * N * K, GEMM_MIN, p, ctx), ctx.all ? M : Math.floor(M / ctx.tileRows));
  if (s < 2) return null;
  const c = rowCuts(M, s, K * pad8(N), ctx);
  const n = c.length - 1;
  const parts: number[][] = [];
  for (let i = 0; i < n; i++) {
    const q = a.slice();
    q[0] += 4 * c[i] * K;
    if (q[4] !== 0) q[4] += 4 * c[i] * N;
    q[5] += 4 * c[i] * N;
    q[6] = c[i + 1] - c[i];
    parts.push(q);
  }
  return [['', parts, 11]];
};
const linearFwd: Row = { work: (a) => a[6] * a[7] * a[8], min: GEMM_MIN, split: linearFwdSplit };

// Activation codes of assembly/activations.ts (Act).
const ACT_NONE = 0;
const ACT_PRELU = 4;

/**
 * linear_bwd (x, w, y, z, alpha, dy, dz, dx, dw, db, dalpha, M, N, K, act, alphaN, accDw, ws):
 * dZ = act′·dY in 4-aligned chunks (act_bwd; prelu_bwd, a reduction into dalpha,
 * on the calling thread; none: dZ = dY), then linear_bwd_part: dX rows, dW rows
 * (or column panels when N is small), db columns.
 */
const linearBwdSplit: Splitter = (a, p, ctx) => {
  const [x, w, y, z, alpha, dy, dz, dx, dw, db, dalpha, M, N, K, act, alphaN, accDw] = a;
  const s = shares(M * N * K, GEMM_MIN, p, ctx);
  if (s < 2 || M < 1 || N < 1) return null;
  const phases: Phase[] = [];
  if (act === ACT_PRELU) phases.push(['prelu_bwd', [[z, alpha, dy, dz, dalpha, M * N, alphaN, 1]]]);
  else if (act !== ACT_NONE) {
    const n = M * N;
    const e = shares(n, HEAVY_MIN, s, ctx);
    const c = cuts(n, e, 4);
    const parts: number[][] = [];
    for (let i = 0; i < e; i++) {
      const o = 4 * c[i];
      parts.push([z === 0 ? 0 : z + o, y === 0 ? 0 : y + o, dy + o, dz + o, c[i + 1] - c[i], act]);
    }
    phases.push(['act_bwd', parts]);
  }
  const g = act === ACT_NONE ? dy : dz;
  const wRows = N >= 2 * ctx.tileRows * s;
  const part = (xi: number[], wi: number[], bj: number[]) => [
    g,
    x,
    w,
    dx,
    dw,
    db,
    M,
    N,
    K,
    accDw,
    ctx.ws[0],
    ...xi,
    ...wi,
    ...bj,
  ];
  const parts: number[][] = [];
  // dX = dZ·W packs W (N × K columns), dW = dZᵀ·X packs X (M × K columns)
  const cx = dx === 0 ? [0] : rowCuts(M, s, N * pad8(K), ctx);
  const cw = wRows ? rowCuts(N, s, M * pad8(K), ctx) : cuts(K, s, 8);
  const nx = cx.length - 1;
  const nw = cw.length - 1;
  if (nx > s || nw > s) {
    // finer shares, claimed in order: the dX rows (with db), then the dW rows, so that
    // each thread packs W once and X once however many shares it takes
    const first = nx > 0 ? nx : nw;
    const cb = cuts(N, first, 4);
    for (let i = 0; i < nx; i++) parts.push(part([cx[i], cx[i + 1]], [0, 0, 0, 0], [cb[i], cb[i + 1]]));
    for (let i = 0; i < nw; i++) {
      const wi = wRows ? [cw[i], cw[i + 1], 0, K] : [0, N, cw[i], cw[i + 1]];
      parts.push(part([0, 0], wi, nx > 0 ? [0, 0] : [cb[i], cb[i + 1]]));
    }
  } else {
    // one share per thread: its dX rows (none when dx = 0), dW block and db columns
    const ex = nx === s ? cx : cuts(M, s, ctx.tileRows);
    const cb = cuts(N, s, 4);
    for (let i = 0; i < s; i++) {
      const wi = wRows ? [cw[i], cw[i + 1], 0, K] : [0, N, cw[i], cw[i + 1]];
      parts.push(part([ex[i], ex[i + 1]], wi, [cb[i], cb[i + 1]]));
    }
  }
  phases.push(['linear_bwd_part', parts, 10]);
  return phases;
};
const linearBwd: Row = { work: (a) => a[11] * a[12] * a[13], min: GEMM_MIN, split: linearBwdSplit };

const unary = (min: number) => chunked([0, 1], 2, min);
const unaryBwd = (min: number) => chunked([0, 1, 2], 3, min);
const reduceRows = byRows(
  2,
  (a) => [
    [0, a[3] * a[4]],
    [1, a[4]],
  ],
  (a) => a[2] * a[3] * a[4],
  ROWS_MIN,
);
const softmaxRows = (ptrs: number) =>
  byRows(
    ptrs,
    (a) => Array.from({ length: ptrs }, (_, j) => [j, a[ptrs + 1]] as [number, number]),
    (a) => a[ptrs] * a[ptrs + 1],
    ROWS_MIN,
  );

const TABLE: Record<string, Row> = {
  gemm_nn: gemm(0),
  gemm_nt: gemm(1),
  gemm_tn: gemm(2),
  linear_fwd: linearFwd,
  linear_packed_fwd: linearFwd, // the same arguments, W packed (unchanged across shares)
  linear_bwd: linearBwd,
  act_fwd: chunked([0, 1], 2, HEAVY_MIN),
  act_bwd: chunked([0, 1, 2, 3], 4, ELEM_MIN),
  exp_fwd: unary(HEAVY_MIN),
  log_fwd: unary(HEAVY_MIN),
  sqrt_fwd: unary(ELEM_MIN),
  square_fwd: unary(ELEM_MIN),
  abs_fwd: unary(ELEM_MIN),
  neg_fwd: unary(ELEM_MIN),
  exp_bwd: unaryBwd(ELEM_MIN),
  log_bwd: unaryBwd(ELEM_MIN),
  sqrt_bwd: unaryBwd(ELEM_MIN),
  square_bwd: unaryBwd(ELEM_MIN),
  abs_bwd: unaryBwd(ELEM_MIN),
  copy_f32: unary(ELEM_MIN),
  fill_f32: chunked([0], 1, ELEM_MIN),
  scale_add: chunked([0, 1, 2], 3, ELEM_MIN),
  add_fwd: broadcast([2], 3),
  sub_fwd: broadcast([2], 3),
  mul_fwd: broadcast([2], 3),
  div_fwd: broadcast([2], 3),
  maximum_fwd: broadcast([2], 3),
  minimum_fwd: broadcast([2], 3),
  pow_fwd: broadcast([2], 3),
  maximum_bwd: broadcast([2, 3, 4], 5),
  minimum_bwd: broadcast([2, 3, 4], 5),
  pow_bwd: broadcast([2, 3, 4, 5], 6),
  sum_fwd: reduceRows,
  max_fwd: reduceRows,
  min_fwd: reduceRows,
  argmax_fwd: reduceRows,
  argmin_fwd: reduceRows,
  softmax_fwd: softmaxRows(2),
  softmax_bwd: softmaxRows(3),
  log_softmax_fwd: softmaxRows(2),
  log_softmax_bwd: softmaxRows(3),
  sgd_step: chunked([0, 1, 2], 3, ELEM_MIN),
  adam_step: chunked([0, 1, 2, 3], 4, HEAVY_MIN),
};

/** The kernels whose first big call starts the workers (compute-bound: worth a thread). */
const STARTERS = new Set(['gemm_nn', 'gemm_nt', 'gemm_tn', 'linear_fwd', 'linear_packed_fwd', 'linear_bwd']);

type Kernel = (...a: number[]) => void;

/**
 * Calls `f` with the arguments listed: a spread call, f(...a), into a wasm
 * export cost 50–65 ns more on V8 and 15 ns more on Bun (docs/performance.md),
 * paid by every small call the wrapper below lets through.
 */
function direct(f: Kernel): (a: number[]) => void {
  // biome-ignore format: one arity a line
  switch (f.length) {
    case 3: return (a) => f(a[0], a[1], a[2]);
    case 4: return (a) => f(a[0], a[1], a[2], a[3]);
    case 5: return (a) => f(a[0], a[1], a[2], a[3], a[4]);
    case 6: return (a) => f(a[0], a[1], a[2], a[3], a[4], a[5]);
    case 8: return (a) => f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    case 10: return (a) => f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
    case 12: return (a) => f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
    case 13: return (a) => f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]);
    case 15: return (a) => f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]);
    case 17: return (a) => f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16]);
    case 18: return (a) => f(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17]);
    default: return (a) => f(...a);
  }
}

/**
 * The kernels with every splittable row wrapped: a call checks its size, then
 * either runs whole on the calling thread or in shares through the pool. A call
 * below two shares' work (batch-1 inference, small ops) goes straight to the
 * kernel, before any of the split's bookkeeping.
 */
export function threadedKernels(raw: Kernels, pool: Pool, tile: () => number, all: boolean): Kernels {
  const k: Record<string, unknown> = { ...(raw as unknown as Record<string, unknown>) };
  const ctx: Ctx = { ws: pool.ws, tileRows: tile(), all, per: pool.perThread };
  for (const [name, { work, min, split }] of Object.entries(TABLE)) {
    const f = k[name] as Kernel | undefined;
    if (f === undefined) continue;
    const run = direct(f);
    const need = 2 * min; // shares() gives one share below it
    const self = pool.fn(name);
    const starts = STARTERS.has(name);
    k[name] = (...a: number[]) => {
      const mode = pool.mode;
      if (mode === SPLIT_NONE || (mode === SPLIT_AUTO && !all && work(a) < need)) return run(a);
      ctx.all = all || mode === SPLIT_ALL;
      ctx.per = pool.perThread;
      if (starts) ctx.tileRows = tile(); // the GEMM rows split by tile rows; no other row reads it
      // sized for every thread first, so a call too small to split never starts the workers
      // only a GEMM starts the workers: an elementwise call alone (a model's init, say) never does
      let phases = starts || pool.started ? split(a, pool.size, ctx) : null;
      if (phases !== null) {
        const p = pool.available();
        if (p < pool.size) phases = p > 1 ? split(a, p, ctx) : null;
      }
      if (phases === null) return run(a);
      // every thread's scratch gets the tile in use (speed only; it may change while it is measured)
      if (starts) for (let w = 1; w < pool.ws.length; w++) raw.gemm_ws_set_tile(pool.ws[w], ctx.tileRows);
      for (const [fn, parts, wsAt = -1] of phases) {
        if (parts.length === 1) (fn ? (k[fn] as Kernel) : f)(...parts[0]);
        else pool.run(fn ? pool.fn(fn) : self, parts, wsAt);
      }
    };
  }
  return k as unknown as Kernels;
}
