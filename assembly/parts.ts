// SPDX-License-Identifier: MIT
// A thread's share of the kernels that cannot be split by pointer offsets alone:
// a block of a GEMM's output (rows or column panels, never K) and the three
// outputs of the linear backward (dX rows, dW rows or columns, db columns). Each
// element is computed exactly as the whole-call kernel computes it (same chain,
// same order), so the bits never depend on how the work is split. Never allocates.

import { gemmRange } from "./gemm";
import { storeLanes } from "./tail";

function noEpi(c: usize, ldc: i32, rows: i32, cols: i32, i0: i32, j0: i32, ep: usize): void {}

/**
 * The block C[i0..i1, j0..j1] of gemm_nn (trans 0), gemm_nt (1: B stored [N,K])
 * or gemm_tn (2: A stored [K,M]); the rest of C is left untouched.
 */
export function gemm_part(trans: i32, a: usize, b: usize, c: usize, M: i32, N: i32, K: i32, accumulate: i32,
  ws: usize, i0: i32, i1: i32, j0: i32, j1: i32): void {
  gemmRange(trans == 2, trans == 1, a, b, c, M, N, K, accumulate != 0, ws, noEpi, 0, i0, i1, j0, j1);
}

/**
 * One share of linear_bwd from a finished dZ[M,N]: dX rows [xi0, xi1) (dX = dZ·W),
 * the block [wi0, wi1) × [wj0, wj1) of dW[N,K] (dZᵀ·X, accDw = 1 accumulates),
 * and db columns [bj0, bj1) (rows summed in order i = 0, 1, …, as linear.ts's
 * colSums). dx = 0 or db = 0 skips that output.
 */
export function linear_bwd_part(dz: usize, x: usize, w: usize, dx: usize, dw: usize, db: usize,
  M: i32, N: i32, K: i32, accDw: i32, ws: usize,
  xi0: i32, xi1: i32, wi0: i32, wi1: i32, wj0: i32, wj1: i32, bj0: i32, bj1: i32): void {
  if (db != 0) colSumsPart(dz, db, M, N, bj0, bj1, accDw != 0);
  if (dx != 0) gemmRange(false, false, dz, w, dx, M, K, N, false, ws, noEpi, 0, xi0, xi1, 0, K);
  gemmRange(true, false, dz, x, dw, N, K, M, accDw != 0, ws, noEpi, 0, wi0, wi1, wj0, wj1);
}

/** db[j0..j1) (=|+=) Σ_i dz[i, j0..j1); j0 is a multiple of 4 (or j0 = j1). */
function colSumsPart(dz: usize, db: usize, M: i32, N: i32, j0: i32, j1: i32, accumulate: bool): void {
  const ld = (<usize>N) << 2;
  if (j1 > N) j1 = N;
  for (let j = j0; j < j1; j += 4) {
    const o = (<usize>j) << 2;
    let acc = accumulate ? v128.load(db + o) : f32x4.splat(0);
    let p = dz + o;
    for (let i = 0; i < M; i++) {
      acc = f32x4.add(acc, v128.load(p));
      p += ld;
    }
    storeLanes(db + o, acc, j1 - j);
  }
}
