// SPDX-License-Identifier: MIT
// Products on a packed weight (inference). gemv_nt reads W[N,K] row-major and
// must transpose 4×4 blocks with shuffles to get columns of Wᵀ, and the GEMM
// packs W's panels again at every call; here W is copied ONCE into column
// panels (gemv_nt_pack) so a row of the NT product is
// y[n..n+8] += x[k]·Wp[k, n..n+8] with plain loads, and the GEMM takes its B
// panels straight from the copy (gemm.ts gemmRange `bpk`).
// Layout: the panel holding columns [j, j+8) starts at wp + j·K floats and is K
// steps of NR = 8 floats (step k: W[j..j+8, k]), the last one zero-padded: the
// GEMM's packed B micro-panel for the K block [pc, pc+kc) is the kc steps from
// step pc. gemv_nt_pack_bytes gives its size.
// NOTE: every element is the chain acc = 0 (or y); acc = madd(x[k], W[n,k], acc)
// for k = 0, 1, … in order: the chain of gemm_nt's tiles and gemv_nt (KC blocks
// store and reload C exactly), so rows are bit-identical to gemm_nt's.

import { madd, NR } from "./gemm_micro";
import { packRows } from "./gemm_pack";
import { storeLanes } from "./tail";

/** Columns per step of the row loop: 4 panels, 8 accumulators, enough independent chains to hide the add/FMA latency. */
const PW: i32 = 32;

/** Bytes of the packed copy of W[N,K] (N rounded up to a multiple of NR). */
export function gemv_nt_pack_bytes(N: i32, K: i32): i32 {
  if (N <= 0 || K <= 0) return 0;
  return ((N + NR - 1) / NR) * NR * K * 4;
}

/** Packs W[N,K] (row-major, as gemm_nt's B) into wp (gemv_nt_pack_bytes(N, K) bytes). Copies bits only. */
export function gemv_nt_pack(w: usize, wp: usize, N: i32, K: i32): void {
  if (N <= 0 || K <= 0) return;
  for (let j = 0; j < N; j += NR) {
    packRows(w + (<usize>j) * (<usize>K) * 4, K, min(NR, N - j), NR, K, wp + (<usize>j) * (<usize>K) * 4);
  }
}

/** y[N] (=|+=) Wp·x[K] for one row x: bit-identical to that row of gemm_nt with W. */
export function gemvPacked(x: usize, wp: usize, y: usize, N: i32, K: i32, accumulate: bool): void {
  const z = f32x4.splat(0);
  let j = 0;
  for (; j + PW <= N; j += PW) {
    const py = y + ((<usize>j) << 2);
    let c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z, c6 = z, c7 = z;
    if (accumulate) {
      c0 = v128.load(py); c1 = v128.load(py, 16); c2 = v128.load(py, 32); c3 = v128.load(py, 48);
      c4 = v128.load(py, 64); c5 = v128.load(py, 80); c6 = v128.load(py, 96); c7 = v128.load(py, 112);
    }
    // the 4 panels of columns j, j+8, j+16, j+24, one pointer each
    const step = (<usize>K) << 5; // bytes of one panel: K steps of 8 floats
    let p0 = wp + (<usize>j) * (<usize>K) * 4;
    let p1 = p0 + step, p2 = p1 + step, p3 = p2 + step;
    let px = x;
    const end = x + ((<usize>K) << 2);
    while (px < end) {
      const a = v128.load32_splat(px);
      c0 = madd(a, v128.load(p0), c0);
      c1 = madd(a, v128.load(p0, 16), c1);
      c2 = madd(a, v128.load(p1), c2);
      c3 = madd(a, v128.load(p1, 16), c3);
      c4 = madd(a, v128.load(p2), c4);
      c5 = madd(a, v128.load(p2, 16), c5);
      c6 = madd(a, v128.load(p3), c6);
      c7 = madd(a, v128.load(p3, 16), c7);
      p0 += 32; p1 += 32; p2 += 32; p3 += 32;
      px += 4;
    }
    v128.store(py, c0); v128.store(py, c1, 16); v128.store(py, c2, 32); v128.store(py, c3, 48);
    v128.store(py, c4, 64); v128.store(py, c5, 80); v128.store(py, c6, 96); v128.store(py, c7, 112);
  }
  for (; j < N; j += NR) {
    // NOTE: the padded columns are computed (zeros) but only the valid lanes are stored.
    const py = y + ((<usize>j) << 2);
    let c0 = z, c1 = z;
    if (accumulate) {
      c0 = v128.load(py);
      if (j + 4 < N) c1 = v128.load(py, 16);
    }
    let p = wp + (<usize>j) * (<usize>K) * 4;
    let px = x;
    const end = x + ((<usize>K) << 2);
    while (px < end) {
      const a = v128.load32_splat(px);
      c0 = madd(a, v128.load(p), c0);
      c1 = madd(a, v128.load(p, 16), c1);
      p += 32;
      px += 4;
    }
    storeLanes(py, c0, N - j);
    if (j + 4 < N) storeLanes(py + 16, c1, N - j - 4);
  }
}

/**
 * Y[M,N] (=|+=) X[M,K]·Wᵀ from the packed Wp: gemm_nt's bits, row by row (meant for small M).
 * Not a module export: the engine reaches gemvPacked through gemmRange's `bpk`; the specs call it here.
 */
export function gemv_nt_packed(x: usize, wp: usize, y: usize, M: i32, N: i32, K: i32, accumulate: i32): void {
  if (M <= 0 || N <= 0) return;
  if (K < 0) K = 0;
  for (let i = 0; i < M; i++) {
    gemvPacked(x + (<usize>i) * (<usize>K) * 4, wp, y + (<usize>i) * (<usize>N) * 4, N, K, accumulate != 0);
  }
}
