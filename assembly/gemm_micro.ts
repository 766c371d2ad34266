// SPDX-License-Identifier: MIT
// GEMM register tiles (internal). A tile reads a packed A micro-panel (kc steps
// of MR = 4, 5 or 6 floats: the rows of A at one k) and a packed B micro-panel
// (kc steps of NR = 8 floats) and updates a 4×8 (8 v128 accumulators), 5×8 (10)
// or 6×8 (12) block of C. Which one runs is measured per engine over its first
// GEMMs (src/engine/tile.ts) and kept in the ws header (gemm.ts WS_TILE_MR); `micro`
// below is the one place that maps tile rows to a kernel.
// NOTE: every element of C is one chain acc = init; acc = madd(a_k, b_k, acc)
// for k = 0, 1, … in order, with init = 0 or the old C. Every path (tiles, edge
// tiles, gemv) uses this same chain, so row i (column j) of C has the same bits
// whatever the other rows (columns) are: batch-1 and batch-64 agree bit for bit,
// and the tile changes speed only, never bits (checked tile against tile in
// gemm.spec.ts).
// NOTE: why three: the best tile depends on the CPU, the engine and the build.
// simd128's separate mul and add needs a temporary per product, so 12
// accumulators (6×8) plus 2 B vectors, an A splat, a temporary and V8's scratch
// register exceed the 16 xmm registers and spill, where FMA (relaxed) fits; an
// engine that bounds-checks every load in code (Deno, which does not install
// V8's trap handler: docs/performance.md) favours the 5×8 (4 loads per 10
// multiply-adds, lane splats by shuffle); the 4×8 uses the fewest registers
// (8 accumulators) and wins where the others spill.
// see: XNNPACK src/f32-gemm/wasmsimd-splat.c.in (lane splat of a 4-row A vector).

/** Rows of the default tile (5×8, used until a choice is set), of the smallest and of the largest one. */
export const MR: i32 = 5;
export const MR_MIN: i32 = 4;
export const MR_MAX: i32 = 6;
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
 * The 4×8 tile: as gemm_5x8 with Ap of kc × 4 floats, every row by a splat load
 * (8 accumulators + 2 B vectors + 1 A splat: no spill even with mul + add).
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
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/**
 * The 5×8 tile: C[0..5, 0..8] (row stride ldc bytes) = init + Σ_k Ap[k]ᵀ·Bp[k].
 * Ap: kc × 5 floats (rows 0–3 by one v128 load and lane splats, row 4 by a splat
 * load), Bp: kc × 8 floats. init = old C when `init`, else 0. kc may be 0.
 */
export function gemm_5x8(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, init: bool): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z;
  if (init) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
    c40 = v128.load(c + 4 * ldc); c41 = v128.load(c + 4 * ldc, 16);
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const va = v128.load(ap);
    let a = lane0(va);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = lane1(va);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = lane2(va);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = lane3(va);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    a = v128.load32_splat(ap, 16);
    c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
    ap += 20;
    bp += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
  v128.store(c + 4 * ldc, c40); v128.store(c + 4 * ldc, c41, 16);
}

/**
 * The 6×8 tile: as gemm_5x8 with Ap of kc × 6 floats, every row by a splat load
 * (12 accumulators + 2 B vectors + 1 A splat = 15 of the 16 xmm registers).
 */
export function gemm_6x8(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, init: bool): void {
  const z = f32x4.splat(0);
  let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
  if (init) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
    c40 = v128.load(c + 4 * ldc); c41 = v128.load(c + 4 * ldc, 16);
    c50 = v128.load(c + 5 * ldc); c51 = v128.load(c + 5 * ldc, 16);
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00); c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10); c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20); c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30); c31 = madd(a, b1, c31);
    a = v128.load32_splat(ap, 16);
    c40 = madd(a, b0, c40); c41 = madd(a, b1, c41);
    a = v128.load32_splat(ap, 20);
    c50 = madd(a, b0, c50); c51 = madd(a, b1, c51);
    ap += 24;
    bp += 32;
  }
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
  v128.store(c + 4 * ldc, c40); v128.store(c + 4 * ldc, c41, 16);
  v128.store(c + 5 * ldc, c50); v128.store(c + 5 * ldc, c51, 16);
}

/** Tile rows as the ws header may hold them: 4, 5 or 6 (anything else means the default 5). */
@inline
export function tileRows(rows: i32): i32 {
  return rows == 4 || rows == 6 ? rows : MR;
}

/** THE tile dispatch: the tm×8 kernel (tm from tileRows) on full panels. */
@inline
export function micro(tm: i32, ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, init: bool): void {
  if (tm == 6) gemm_6x8(ap, bp, kc, c, ldc, init);
  else if (tm == 4) gemm_4x8(ap, bp, kc, c, ldc, init);
  else gemm_5x8(ap, bp, kc, c, ldc, init);
}
