// SPDX-License-Identifier: MIT
// Row-major f32 GEMM: C[M,N] (=|+=) op(A)·op(B) for NN, NT (B stored [N,K]) and
// TN (A stored [K,M]). GotoBLAS/BLIS loop order: N blocks of NC, K blocks of
// ≤ KC, then M blocks of MC; A and B are packed into panels in `ws` (packing
// absorbs the transposes), then 4×8, 5×8 or 6×8 register tiles (gemm_micro.ts; the
// tile is read from the ws header at each call, set by gemm_ws_set_tile as the
// engine's measurement proceeds; a last A panel of 4 or 5 rows runs the 4×8 or
// 5×8 kernel: the choice changes speed only, never bits, since every element of
// C is the same k-ordered chain with the same KC blocking whatever the tile). M < 4 goes
// to a matrix-vector path with the same per-element k order (bit-identical rows).
// Never allocates; `ws` is gemm_ws_bytes() of 16-byte-aligned scratch. C must not
// alias A or B. Any M, N, K ≥ 0; K = 0 gives zeros (C unchanged when accumulating).

import { MR_MAX, MR_MIN, NR, lane0, lane1, lane2, lane3, madd, micro, tileRows } from "./gemm_micro";
import { packCols, packRows } from "./gemm_pack";
import { gemvPacked } from "./gemv";
import { storeLanes } from "./tail";

/** K block: a B micro-panel KC×NR (16 KB) stays in L1 (48 KB) while A panels stream. */
const KC: i32 = 512;
/** M block: 16 tiles of rows; the packed A block MC×KC (160/192 KB) stays in L2 (2 MB). */
const MC_TILES: i32 = 16;
/** N block: the packed B block KC×NC (1 MB) stays in L2. Tuned at n = 1024 and the MLP shapes. */
const NC: i32 = 512;
/** Below this many rows of C, each row is a matrix-vector product (no packing). */
const GEMV_ROWS: i32 = 4;
/**
 * ws layout: [0,24) caller parameters (linear.ts), [24,48) the packed-B key
 * (below), [48,52) tile rows (4, 5 or 6, anything else means 5), [64,256) edge
 * tile, then A, then B.
 */
export const WS_PARAMS: usize = 0;
/**
 * Packed-B reuse across the shares of one threaded call: the engine writes a
 * call number (≠ 0) at WS_GEN of every thread's ws before a split call and 0
 * after it. A share that packs all of B (every column) when all of it fits the
 * B area records (call, b, N, K, transB); a later share of the same call on the
 * same thread with the same key finds B packed and skips the copy. Packing
 * only copies bits, so reuse never changes a result.
 */
const WS_GEN: usize = 24;
const WS_BKEY: usize = 28; // [call, b, N, K, transB], 5 × i32
const WS_TILE_MR: usize = 48;
export const WS_TILE: usize = 64;
export const WS_A: usize = 256;
export const WS_B: usize = WS_A + <usize>(MR_MAX * MC_TILES * KC * 4);
const WS_BYTES: usize = WS_B + <usize>(KC * NC * 4);

/**
 * Called once per finished block of C (all of K summed), while it is hot in cache:
 * c points at C[i0, j0], ldc is the row stride in elements. `ep` is passed through.
 */
export type Epilogue = (c: usize, ldc: i32, rows: i32, cols: i32, i0: i32, j0: i32, ep: usize) => void;

function noEpilogue(c: usize, ldc: i32, rows: i32, cols: i32, i0: i32, j0: i32, ep: usize): void {}

/** Bytes of scratch any gemm_* / linear_* call needs, whatever the shape. */
export function gemm_ws_bytes(): i32 {
  return <i32>WS_BYTES;
}

/**
 * Sets the register tile of the GEMMs run with this ws: 4 (4×8), 5 (5×8) or 6
 * (6×8); anything else means 5×8. Returns the tile rows now in effect. Speed
 * only: the bits never depend on it.
 */
export function gemm_ws_set_tile(ws: usize, rows: i32): i32 {
  const mr = tileRows(rows);
  store<i32>(ws, mr, WS_TILE_MR);
  return mr;
}

/**
 * Sets the call number of the threaded call about to run with this ws (≠ 0:
 * its shares may reuse a B this ws packed for an earlier share of the same
 * call; 0: never reuse, as in any call outside a split). Speed only.
 */
export function gemm_ws_set_call(ws: usize, call: i32): void {
  store<i32>(ws, call, WS_GEN);
}

/**
 * Rows of the A panel at `left` rows before the end of the M block: the tile's
 * tm, or, for a last panel of 4 or 5 rows under a taller tile, that many (the
 * 4×8 or 5×8 kernel runs it in place instead of a tm-row kernel on a copy with
 * rows of zeros: at M = 256 the 6×8 tile's last panel has 4 rows). Same bits:
 * every tile computes each element of C with the same chain.
 */
@inline
function panelRows(tm: i32, left: i32): i32 {
  return left >= tm || left < MR_MIN ? tm : left;
}

/** One tm×NR tile of C at (mr ≤ tm valid rows, nr ≤ NR valid columns); edges go through ws. */
@inline
function tile(tm: i32, ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, mr: i32, nr: i32, init: bool, tmp: usize): void {
  if (mr == tm && nr == NR) {
    micro(tm, ap, bp, kc, c, ldc, init);
    return;
  }
  // NOTE: the edge tile runs the same kernel on a copy, so edge elements get the
  // same k order and the same instructions as interior ones.
  for (let r = 0; r < tm; r++) {
    for (let j = 0; j < NR; j++) {
      const t = tmp + ((<usize>(r * NR + j)) << 2);
      store<u32>(t, init && r < mr && j < nr ? load<u32>(c + (<usize>r) * ldc + ((<usize>j) << 2)) : 0);
    }
  }
  micro(tm, ap, bp, kc, tmp, <usize>(NR * 4), init);
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nr; j++) {
      store<u32>(c + (<usize>r) * ldc + ((<usize>j) << 2), load<u32>(tmp + ((<usize>(r * NR + j)) << 2)));
    }
  }
}

/**
 * y[N] (=|+=) x[K]·B[K,N] with x[k] at x + k·incx floats and B rows ldb floats
 * apart: one row of NN (incx = 1) or TN (incx = M), or a column slice of one.
 */
function gemvRows(x: usize, incx: i32, b: usize, ldbF: i32, y: usize, N: i32, K: i32, accumulate: bool): void {
  const ldb = (<usize>ldbF) << 2;
  const ldx = (<usize>incx) << 2;
  const z = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= N; j += 16) {
    const py = y + ((<usize>j) << 2);
    let c0 = z, c1 = z, c2 = z, c3 = z;
    if (accumulate) {
      c0 = v128.load(py); c1 = v128.load(py, 16); c2 = v128.load(py, 32); c3 = v128.load(py, 48);
    }
    let pb = b + ((<usize>j) << 2);
    for (let k = 0; k < K; k++) {
      const a = v128.load32_splat(x + (<usize>k) * ldx);
      c0 = madd(a, v128.load(pb), c0);
      c1 = madd(a, v128.load(pb, 16), c1);
      c2 = madd(a, v128.load(pb, 32), c2);
      c3 = madd(a, v128.load(pb, 48), c3);
      pb += ldb;
    }
    v128.store(py, c0); v128.store(py, c1, 16); v128.store(py, c2, 32); v128.store(py, c3, 48);
  }
  for (; j < N; j += 4) {
    // NOTE: a tail vector may read up to 12 bytes past a row (allocation slack);
    // only the valid lanes are stored.
    const py = y + ((<usize>j) << 2);
    let c0 = accumulate ? v128.load(py) : z;
    let pb = b + ((<usize>j) << 2);
    for (let k = 0; k < K; k++) {
      c0 = madd(v128.load32_splat(x + (<usize>k) * ldx), v128.load(pb), c0);
      pb += ldb;
    }
    storeLanes(py, c0, N - j);
  }
}

/** Four k steps of 4 rows of W (row pointers p0..p3) into acc; only the first `n` steps. */
@inline
function dot4x4(p0: usize, p1: usize, p2: usize, p3: usize, xv: v128, n: i32, acc: v128): v128 {
  const r0 = v128.load(p0), r1 = v128.load(p1), r2 = v128.load(p2), r3 = v128.load(p3);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  acc = madd(lane0(xv), v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), acc);
  if (n > 1) acc = madd(lane1(xv), v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), acc);
  if (n > 2) acc = madd(lane2(xv), v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), acc);
  if (n > 3) acc = madd(lane3(xv), v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), acc);
  return acc;
}

/**
 * y[N] (=|+=) W[N,K]·x[K]: the M == 1 row of NT (batch-1 inference), bit-identical
 * to that row of gemm_nt. Rows past N reuse row N−1 (computed, never stored).
 */
function gemvNT(x: usize, w: usize, y: usize, N: i32, K: i32, accumulate: bool): void {
  const ldw = (<usize>K) << 2;
  const last = w + (<usize>(N - 1)) * ldw;
  const z = f32x4.splat(0);
  for (let j = 0; j < N; j += 8) {
    const p0 = w + (<usize>j) * ldw;
    const p1 = j + 1 < N ? p0 + ldw : last;
    const p2 = j + 2 < N ? p0 + 2 * ldw : last;
    const p3 = j + 3 < N ? p0 + 3 * ldw : last;
    const p4 = j + 4 < N ? p0 + 4 * ldw : last;
    const p5 = j + 5 < N ? p0 + 5 * ldw : last;
    const p6 = j + 6 < N ? p0 + 6 * ldw : last;
    const p7 = j + 7 < N ? p0 + 7 * ldw : last;
    const py = y + ((<usize>j) << 2);
    let c0 = accumulate ? v128.load(py) : z;
    let c1 = accumulate && j + 4 < N ? v128.load(py, 16) : z;
    let k = 0;
    for (; k + 4 <= K; k += 4) {
      const o = (<usize>k) << 2;
      const xv = v128.load(x + o);
      c0 = dot4x4(p0 + o, p1 + o, p2 + o, p3 + o, xv, 4, c0);
      c1 = dot4x4(p4 + o, p5 + o, p6 + o, p7 + o, xv, 4, c1);
    }
    if (k < K) {
      const o = (<usize>k) << 2;
      const xv = v128.load(x + o);
      c0 = dot4x4(p0 + o, p1 + o, p2 + o, p3 + o, xv, K - k, c0);
      c1 = dot4x4(p4 + o, p5 + o, p6 + o, p7 + o, xv, K - k, c1);
    }
    storeLanes(py, c0, N - j);
    if (j + 4 < N) storeLanes(py + 16, c1, N - j - 4);
  }
}

/**
 * The blocked GEMM behind every export. transA: A stored [K,M] (else [M,K]);
 * transB: B stored [N,K] (else [K,N]). `epi(…, ep)` runs on each finished block.
 * bpk: B [N,K] already packed by gemv_nt_pack (transB only; b is then unused).
 */
export function gemmCore(
  transA: bool, transB: bool, a: usize, b: usize, c: usize,
  M: i32, N: i32, K: i32, accumulate: bool, ws: usize, epi: Epilogue, ep: usize, bpk: usize = 0,
): void {
  gemmRange(transA, transB, a, b, c, M, N, K, accumulate, ws, epi, ep, 0, M, 0, N, bpk);
}

/**
 * gemmCore restricted to the block C[i0..i1, j0..j1] (the rest of C untouched):
 * a thread's share of one GEMM. Every element gets the same k-ordered chain and
 * K blocking as in the whole product (kstep depends on K only; edge tiles run
 * the same kernel on a copy), so any split into blocks gives the same bits.
 * With bpk (B packed by gemv_nt_pack; transB only, j0 a multiple of NR) the B
 * panels are read from it instead of being packed: the same floats, so the same bits.
 */
export function gemmRange(
  transA: bool, transB: bool, a: usize, b: usize, c: usize,
  M: i32, N: i32, K: i32, accumulate: bool, ws: usize, epi: Epilogue, ep: usize,
  i0: i32, i1: i32, j0: i32, j1: i32, bpk: usize = 0,
): void {
  if (i1 > M) i1 = M;
  if (j1 > N) j1 = N;
  if (i0 < 0) i0 = 0;
  if (j0 < 0) j0 = 0;
  if (i1 <= i0 || j1 <= j0) return;
  if (K < 0) K = 0;
  if (i1 - i0 < GEMV_ROWS) {
    // Few rows: packing B would cost as much as the product; one gemv per row.
    const nj = j1 - j0;
    const bj = b + (<usize>j0) * (transB ? (<usize>K) << 2 : 4);
    const pj = bpk + (<usize>j0) * ((<usize>K) << 2); // the packed panel of column j0
    for (let i = i0; i < i1; i++) {
      const ci = c + (<usize>(i * N + j0)) * 4;
      if (bpk != 0) gemvPacked(a + (<usize>(i * K)) * 4, pj, ci, nj, K, accumulate);
      else if (transB) gemvNT(a + (<usize>(i * K)) * 4, bj, ci, nj, K, accumulate);
      else if (transA) gemvRows(a + (<usize>i) * 4, M, bj, N, ci, nj, K, accumulate);
      else gemvRows(a + (<usize>(i * K)) * 4, 1, bj, N, ci, nj, K, accumulate);
    }
    epi(c + (<usize>(i0 * N + j0)) * 4, N, i1 - i0, nj, i0, j0, ep);
    return;
  }
  const ldc = (<usize>N) << 2;
  const tm = tileRows(load<i32>(ws, WS_TILE_MR)); // this call's tile rows
  const MC = tm * MC_TILES;
  const tmp = ws + WS_TILE;
  const pa = ws + WS_A;
  const pb = ws + WS_B;
  // Balanced K blocks, a multiple of 4 except the last (full 4×4 transposes).
  const nkb = K > 0 ? (K + KC - 1) / KC : 1;
  const kstep = min(KC, ((K + nkb - 1) / nkb + 3) & ~3);
  // All of B packed at once (block (pc, jc) at pb + (pc·npad + jc·kc)·4) when
  // the call covers every column and B fits the B area: then it may be reused.
  const npad = (N + NR - 1) & ~(NR - 1);
  const whole = bpk == 0 && j0 == 0 && j1 == N && <i64>K * <i64>npad <= <i64>(KC * NC);
  const gen = load<i32>(ws, WS_GEN);
  const reuse = whole && gen != 0 && load<i32>(ws, WS_BKEY) == gen && load<u32>(ws, WS_BKEY + 4) == <u32>b &&
    load<i32>(ws, WS_BKEY + 8) == N && load<i32>(ws, WS_BKEY + 12) == K && load<i32>(ws, WS_BKEY + 16) == <i32>transB;
  if (!reuse) store<i32>(ws, 0, WS_BKEY); // B is being rewritten
  for (let jc = j0; jc < j1; jc += NC) {
    const nc = min(NC, j1 - jc);
    for (let pc = 0; ; pc += kstep) {
      const kc = min(kstep, K - pc);
      const pbc = whole ? pb + (<usize>(pc * npad + jc * kc)) * 4 : pb;
      // Pack B[pc..pc+kc, jc..jc+nc] into NR-column panels (unless bpk holds them, or this thread packed them for an earlier share).
      for (let jr = 0; bpk == 0 && !reuse && jr < nc; jr += NR) {
        const j = jc + jr;
        const dst = pbc + (<usize>(jr * kc)) * 4;
        if (transB) packRows(b + ((<usize>j * K + pc) << 2), K, min(NR, j1 - j), NR, kc, dst);
        else packCols(b + ((<usize>pc * N + j) << 2), N, min(NR, j1 - j), NR, kc, dst);
      }
      const load = accumulate || pc > 0;
      const done = pc + kc >= K;
      for (let ic = i0; ic < i1; ic += MC) {
        const mc = min(MC, i1 - ic);
        for (let ir = 0; ir < mc; ir += tm) {
          const i = ic + ir;
          const w = panelRows(tm, mc - ir);
          const dst = pa + (<usize>(ir * kc)) * 4;
          if (transA) packCols(a + ((<usize>pc * M + i) << 2), M, min(w, i1 - i), w, kc, dst);
          else packRows(a + ((<usize>i * K + pc) << 2), K, min(w, i1 - i), w, kc, dst);
        }
        for (let jr = 0; jr < nc; jr += NR) {
          // bpk: the kc steps from step pc of the panel of column jc + jr
          const bpanel = bpk != 0 ? bpk + ((<usize>(jc + jr) * K + (<usize>pc) * NR) << 2) : pbc + (<usize>(jr * kc)) * 4;
          const nr = min(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += tm) {
            const w = panelRows(tm, mc - ir);
            const cp = c + (<usize>(ic + ir)) * ldc + ((<usize>(jc + jr)) << 2);
            tile(w, pa + (<usize>(ir * kc)) * 4, bpanel, kc, cp, ldc, min(w, mc - ir), nr, load, tmp);
          }
        }
        if (done) epi(c + (<usize>ic) * ldc + ((<usize>jc) << 2), N, mc, nc, ic, jc, ep);
      }
      if (done) break;
    }
  }
  if (whole && gen != 0 && !reuse) {
    store<u32>(ws, <u32>b, WS_BKEY + 4);
    store<i32>(ws, N, WS_BKEY + 8);
    store<i32>(ws, K, WS_BKEY + 12);
    store<i32>(ws, <i32>transB, WS_BKEY + 16);
    store<i32>(ws, gen, WS_BKEY);
  }
}

/** C[M,N] (=|+=) A[M,K]·B[K,N]. accumulate = 1 adds into C. */
export function gemm_nn(a: usize, b: usize, c: usize, M: i32, N: i32, K: i32, accumulate: i32, ws: usize): void {
  gemmCore(false, false, a, b, c, M, N, K, accumulate != 0, ws, noEpilogue, 0);
}

/** C[M,N] (=|+=) A[M,K]·B[N,K]ᵀ. */
export function gemm_nt(a: usize, b: usize, c: usize, M: i32, N: i32, K: i32, accumulate: i32, ws: usize): void {
  gemmCore(false, true, a, b, c, M, N, K, accumulate != 0, ws, noEpilogue, 0);
}

/** C[M,N] (=|+=) A[K,M]ᵀ·B[K,N]. */
export function gemm_tn(a: usize, b: usize, c: usize, M: i32, N: i32, K: i32, accumulate: i32, ws: usize): void {
  gemmCore(true, false, a, b, c, M, N, K, accumulate != 0, ws, noEpilogue, 0);
}

/**
 * y[N] (=|+=) W[N,K]·x[K], bit-identical to the one-row gemm_nt. No scratch needed.
 * Not a module export: the engine reaches gemvNT through gemmRange; the specs call it here.
 */
export function gemv_nt(x: usize, w: usize, y: usize, N: i32, K: i32, accumulate: i32): void {
  if (N <= 0) return;
  gemvNT(x, w, y, N, K < 0 ? 0 : K, accumulate != 0);
}
