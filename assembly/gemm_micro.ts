// SPDX-License-Identifier: MIT
// GEMM register tiles (internal). A tile reads a packed A micro-panel (kc steps
// of MR floats: the MR rows at one k) and a packed B micro-panel (kc steps of NR
// floats) and updates an MR×NR block of C in registers.
// NOTE: every element of C is one chain acc = init; acc = madd(a_k, b_k, acc)
// for k = 0, 1, … in order, with init = 0 or the old C. Every path (tiles, edge
// tiles, gemv) uses this same chain, so row i (column j) of C has the same bits
// whatever the other rows (columns) are: batch-1 and batch-64 agree bit for bit.
// see: XNNPACK src/f32-gemm/wasmsimd-splat.c.in (lane splat of a 4-row A vector).

export const MR: i32 = 4;
export const NR: i32 = 8;

/**
 * acc + a·b. simd128: a separate mul and add (deterministic); relaxed build:
 * `f32x4.relaxed_madd` (fused where the hardware has FMA).
 */
@inline
export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** Lane 0..3 of v in all four lanes (one pshufd, no memory access). */
@inline export function lane0(v: v128): v128 { return v128.shuffle<f32>(v, v, 0, 0, 0, 0); }
@inline export function lane1(v: v128): v128 { return v128.shuffle<f32>(v, v, 1, 1, 1, 1); }
@inline export function lane2(v: v128): v128 { return v128.shuffle<f32>(v, v, 2, 2, 2, 2); }
@inline export function lane3(v: v128): v128 { return v128.shuffle<f32>(v, v, 3, 3, 3, 3); }

/**
 * The 4×8 tile: C[0..4, 0..8] (row stride ldc bytes) = init + Σ_k Ap[k]ᵀ·Bp[k].
 * Ap: kc × 4 floats, Bp: kc × 8 floats, both 16-byte aligned. init = old C when
 * `init`, else 0. kc may be 0 (then the tile is init).
 */
export function gemm_4x8(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, init: bool): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z;
  if (init) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
  }
  let k = 0;
  for (; k + 2 <= kc; k += 2) {
    let va = v128.load(ap);
    let b0 = v128.load(bp);
    let b1 = v128.load(bp, 16);
    let a = lane0(va);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = lane1(va);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = lane2(va);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = lane3(va);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    va = v128.load(ap, 16);
    b0 = v128.load(bp, 32);
    b1 = v128.load(bp, 48);
    a = lane0(va);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = lane1(va);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = lane2(va);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = lane3(va);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    ap += 32;
    bp += 64;
  }
  if (k < kc) {
    const va = v128.load(ap);
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = lane0(va);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = lane1(va);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = lane2(va);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = lane3(va);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}
