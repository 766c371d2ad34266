// SPDX-License-Identifier: MIT
// Int8 inference: Y[M,N] = act(sx[i]·sw[n]·(Xq[i,:]·Wq[n,:]) + b[n]) with exact
// integer dot products. W is quantized once (int8_quantize_rows), X per row on
// the fly (inside linear_int8_fwd), both by ONE rule, symmetric per row:
//   amax = max|x[r, :]|, scale s = amax / 127, q = clamp(nearest(x · (127 / amax)), ±127)
// (f32 arithmetic; nearest = f32.nearest, ties to even; amax = 0 gives s = 0,
// q = 0). Xq is int16 (int8 values) in rows of Kp = K rounded up to 16, zero-
// padded; Wq is int8 in panels of 8 rows (int8_pack: rows padded to Kp, N to 8,
// with zeros), so the micro-kernels have no K or N tail. Products go through
// i32x4.dot_i16x8_s into i32 lanes: exact, so the sum order is free and batch 1
// and batch M give the same bits. Never allocates; scratch: int8_scratch_bytes.
// Relaxed build: when no element of X is negative (the input of every layer after
// a ReLU or sigmoid, and images), Xq is stored as int8 in [0, 127] and the sums
// use i16x8.relaxed_dot_i8x16_i7x16_s (16 products, pairs summed, per instruction;
// see dot16). Its only implementation-defined cases are a second operand with the
// top bit set (signed or unsigned) and, on some CPUs, a saturating 16-bit pair
// sum; with the second operand in [0, 127] neither can happen (|pair| ≤ 2·128·127
// < 2¹⁵), so every CPU returns the exact sum, the same integers as the simd128
// path: both builds give the same bits (the runtime tests compare them bit for bit).

import { prelu4, relu4, sigmoid4, tanh4 } from "./activations";
import { laneMask, storeLanes } from "./tail";

// The activation codes of the fused linear (linear_gemv_fwd): 0 none, 1 relu,
// 2 sigmoid, 3 tanh, 4 prelu.
const RELU: i32 = 1;
const SIGMOID: i32 = 2;
const TANH: i32 = 3;
const PRELU: i32 = 4;

/** K rounded up to 16: one relaxed dot step (16 int8), two dot_i16x8_s steps. */
@inline
function padK(K: i32): i32 {
  return (K + 15) & ~15;
}

/** max |x[0..K)| (NaN if any element is NaN); the tail's slack lanes are masked out. */
@inline
function absMax(x: usize, K: i32): f32 {
  let m = f32x4.splat(0.0);
  for (let j = 0; j < K; j += 4) {
    let v = f32x4.abs(v128.load(x + ((<usize>j) << 2)));
    if (K - j < 4) v = v128.and(v, laneMask(K - j));
    m = f32x4.max(m, v);
  }
  return max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
}

/** 127 / amax (0 for amax = 0 or +inf, NaN for NaN): the multiplier of the rule above. */
@inline
function invScale(amax: f32): f32 {
  return amax == 0 ? 0 : <f32>127.0 / amax;
}

/**
 * Four lanes of the rule: i32 q in [−127, 127]. NOTE: trunc_sat maps NaN to 0;
 * the row's scale is then NaN (or +inf), so the row's outputs are NaN, never a
 * silent wrong number.
 */
@inline
function quant4(v: v128, inv: v128): v128 {
  const q = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v, inv)));
  return i32x4.max_s(i32x4.min_s(q, i32x4.splat(127)), i32x4.splat(-127));
}

/** One activation row x[K] → q[Kp] int16 (zeros past K); returns its scale amax / 127. */
@inline
function quantizeRow16(x: usize, q: usize, K: i32): f32 {
  const amax = absMax(x, K);
  const inv = f32x4.splat(invScale(amax));
  const Kp = padK(K);
  for (let j = 0; j < Kp; j += 8) {
    const p = x + ((<usize>j) << 2);
    // NOTE: lanes past K are zeroed BEFORE the multiply (the slack may hold inf or
    // NaN), and the second half is not even loaded past the end of x.
    let a = v128.load(p);
    if (K - j < 4) a = v128.and(a, laneMask(K - j));
    let b = f32x4.splat(0.0);
    if (K - j > 4) {
      b = v128.load(p, 16);
      if (K - j < 8) b = v128.and(b, laneMask(K - j - 4));
    }
    v128.store(q + ((<usize>j) << 1), i16x8.narrow_i32x4_s(quant4(a, inv), quant4(b, inv)));
  }
  return amax / 127;
}

/** One NON-NEGATIVE activation row x[K] → q[Kp] int8 in [0, 127] (zeros past K); returns its scale. */
@inline
function quantizeRow8(x: usize, q: usize, K: i32): f32 {
  const amax = absMax(x, K);
  const inv = f32x4.splat(invScale(amax));
  const Kp = padK(K);
  for (let j = 0; j < Kp; j += 8) {
    const p = x + ((<usize>j) << 2);
    let a = v128.load(p);
    if (K - j < 4) a = v128.and(a, laneMask(K - j));
    let b = f32x4.splat(0.0);
    if (K - j > 4) {
      b = v128.load(p, 16);
      if (K - j < 8) b = v128.and(b, laneMask(K - j - 4));
    }
    const h = i16x8.narrow_i32x4_s(quant4(a, inv), quant4(b, inv));
    v128.store64_lane(q + <usize>j, i8x16.narrow_i16x8_s(h, h), 0);
  }
  return amax / 127;
}

/** Whether any of x[0..n) is negative (−0 and NaN are not; the tail's slack is masked out). */
function anyNegative(x: usize, n: i32): bool {
  let m = i32x4.splat(0);
  for (let j = 0; j < n; j += 4) {
    let v = v128.load(x + ((<usize>j) << 2));
    if (n - j < 4) v = v128.and(v, laneMask(n - j));
    m = v128.or(m, f32x4.lt(v, f32x4.splat(0.0)));
  }
  return v128.any_true(m);
}

/** Bytes of the int8 weight buffer for W [N, K]: round8(N) rows of round16(K) int8. */
export function int8_pack_bytes(N: i32, K: i32): i32 {
  if (N <= 0 || K <= 0) return 0;
  return ((N + 7) & ~7) * padK(K);
}

/**
 * Quantizes the rows of W [N, K] f32: q [N, K] int8 (row-major, unpadded) and
 * scale [N] f32, by the rule above (the scalar form of quant4: same f32 ops, so
 * the same bits as the activations would get).
 */
export function int8_quantize_rows(w: usize, q: usize, scale: usize, N: i32, K: i32): void {
  for (let n = 0; n < N; n++) {
    const row = w + (<usize>n) * (<usize>K) * 4;
    const amax = absMax(row, K);
    const inv = invScale(amax);
    for (let k = 0; k < K; k++) {
      // NOTE: clamped in f32 before the conversion; NaN gives 0, as trunc_sat in quant4.
      const f = nearest(load<f32>(row + ((<usize>k) << 2)) * inv);
      store<i8>(q + (<usize>n) * (<usize>K) + <usize>k, f != f ? 0 : <i8>(<i32>min(max(f, <f32>-127), <f32>127)));
    }
    store<f32>(scale + ((<usize>n) << 2), amax / 127);
  }
}

/**
 * Packs q [N, K] int8 (row-major) into wp (int8_pack_bytes(N, K) bytes): panels
 * of 8 rows; in a panel, chunk c (k in [16c, 16c + 16)) holds 16 bytes of each
 * of its 8 rows in turn (row r at 16·r), so a tile reads its rows at constant
 * offsets from one pointer. Past K and past N: zeros (they add nothing).
 */
export function int8_pack(q: usize, wp: usize, N: i32, K: i32): void {
  if (N <= 0 || K <= 0) return;
  const Kp = padK(K);
  memory.fill(wp, 0, <usize>int8_pack_bytes(N, K));
  for (let n = 0; n < N; n++) {
    const dst = wp + (<usize>(n >> 3)) * (<usize>Kp) * 8 + (<usize>(n & 7)) * 16;
    const src = q + (<usize>n) * (<usize>K);
    for (let k = 0; k < K; k += 16) memory.copy(dst + (<usize>k) * 8, src + <usize>k, <usize>min(16, K - k));
  }
}

/** Scratch bytes of linear_int8_fwd for M rows of K: Xq [M, Kp] int16, then sx [M] f32. */
export function int8_scratch_bytes(M: i32, K: i32): i32 {
  return M * padK(K) * 2 + M * 4 + 16;
}

/** [Σa, Σb, Σc, Σd]: the four horizontal sums as one vector (exact: integers). */
@inline
function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = i32x4.add(i8x16.shuffle(a, b, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27),
    i8x16.shuffle(a, b, 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31));
  const cd = i32x4.add(i8x16.shuffle(c, d, 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27),
    i8x16.shuffle(c, d, 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31));
  return i32x4.add(i8x16.shuffle(ab, cd, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
    i8x16.shuffle(ab, cd, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
}

/**
 * The epilogue of 4 columns [n, n+4) of row i: y = act(f32(acc)·(sx·sw) + b),
 * mul then add (never fused, in both builds), the activations of the f32 path.
 * NOTE: not inlined (once per 4 outputs, after a K-long loop): keeps the module small.
 */
function epilogue(acc: v128, sx: f32, sw: usize, b: usize, alpha: usize, alphaN: i32, act: i32,
  y: usize, n: i32, N: i32): void {
  const o = (<usize>n) << 2;
  let v = f32x4.mul(f32x4.convert_i32x4_s(acc), f32x4.mul(f32x4.splat(sx), v128.load(sw + o)));
  if (b != 0) v = f32x4.add(v, v128.load(b + o));
  if (act == RELU) v = relu4(v);
  else if (act == SIGMOID) v = sigmoid4(v);
  else if (act == TANH) v = tanh4(v);
  else if (act == PRELU) v = prelu4(v, alphaN == 1 ? v128.load32_splat(alpha) : v128.load(alpha + o));
  storeLanes(y + o, v, N - n);
}

/** Start of weight row n's first chunk in the panel layout of int8_pack (n ≡ 0 or 4 mod 8). */
@inline
function rowBase(wp: usize, Kp: i32, n: i32): usize {
  return wp + (<usize>(n >> 3)) * (<usize>Kp) * 8 + (<usize>(n & 4)) * 16;
}

/** c + the 16 products of one 16-k chunk (x as two int16 vectors) with the weight row at w + off. */
@inline
function dot16x2(a0: v128, a1: v128, w: usize, off: usize, c: v128): v128 {
  // NOTE: off is a constant after inlining: immediate load offsets, one pointer for all rows.
  const lo = i32x4.dot_i16x8_s(a0, v128.load8x8_s(w + off));
  return i32x4.add(i32x4.add(c, lo), i32x4.dot_i16x8_s(a1, v128.load8x8_s(w + off + 8)));
}

/** Row i of Xq against the 8 weight rows of one panel: two 4-column results through the epilogue. */
function tile1x8(xq: usize, wp: usize, Kp: i32, sx: f32, sw: usize, b: usize, alpha: usize, alphaN: i32,
  act: i32, y: usize, n: i32, N: i32): void {
  let w = rowBase(wp, Kp, n);
  let c0 = i32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  let px = xq;
  const end = xq + ((<usize>Kp) << 1);
  while (px < end) {
    const a0 = v128.load(px);
    const a1 = v128.load(px, 16);
    c0 = dot16x2(a0, a1, w, 0, c0);
    c1 = dot16x2(a0, a1, w, 16, c1);
    c2 = dot16x2(a0, a1, w, 32, c2);
    c3 = dot16x2(a0, a1, w, 48, c3);
    c4 = dot16x2(a0, a1, w, 64, c4);
    c5 = dot16x2(a0, a1, w, 80, c5);
    c6 = dot16x2(a0, a1, w, 96, c6);
    c7 = dot16x2(a0, a1, w, 112, c7);
    px += 32;
    w += 128;
  }
  epilogue(hsum4(c0, c1, c2, c3), sx, sw, b, alpha, alphaN, act, y, n, N);
  if (n + 4 < N) epilogue(hsum4(c4, c5, c6, c7), sx, sw, b, alpha, alphaN, act, y, n + 4, N);
}

/** Row i of Xq against 4 weight rows (n ≡ 0 or 4 mod 8). */
function tile1x4(xq: usize, wp: usize, Kp: i32, sx: f32, sw: usize, b: usize, alpha: usize, alphaN: i32,
  act: i32, y: usize, n: i32, N: i32): void {
  let w = rowBase(wp, Kp, n);
  let c0 = i32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  let px = xq;
  const end = xq + ((<usize>Kp) << 1);
  while (px < end) {
    const a0 = v128.load(px);
    const a1 = v128.load(px, 16);
    c0 = dot16x2(a0, a1, w, 0, c0);
    c1 = dot16x2(a0, a1, w, 16, c1);
    c2 = dot16x2(a0, a1, w, 32, c2);
    c3 = dot16x2(a0, a1, w, 48, c3);
    px += 32;
    w += 128;
  }
  epilogue(hsum4(c0, c1, c2, c3), sx, sw, b, alpha, alphaN, act, y, n, N);
}

/** Rows i, i+1 of Xq against 4 weight rows (8 accumulators, each weight load used twice). */
function tile2x4(xq: usize, wp: usize, Kp: i32, sx0: f32, sx1: f32, sw: usize, b: usize, alpha: usize,
  alphaN: i32, act: i32, y: usize, n: i32, N: i32): void {
  const lx = (<usize>Kp) << 1;
  let w = rowBase(wp, Kp, n);
  let c00 = i32x4.splat(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
  let px = xq;
  const end = xq + lx;
  while (px < end) {
    let a0 = v128.load(px);
    let a1 = v128.load(px + lx);
    let b0 = v128.load8x8_s(w);
    c00 = i32x4.add(c00, i32x4.dot_i16x8_s(a0, b0));
    c10 = i32x4.add(c10, i32x4.dot_i16x8_s(a1, b0));
    let b1 = v128.load8x8_s(w, 16);
    c01 = i32x4.add(c01, i32x4.dot_i16x8_s(a0, b1));
    c11 = i32x4.add(c11, i32x4.dot_i16x8_s(a1, b1));
    let b2 = v128.load8x8_s(w, 32);
    c02 = i32x4.add(c02, i32x4.dot_i16x8_s(a0, b2));
    c12 = i32x4.add(c12, i32x4.dot_i16x8_s(a1, b2));
    let b3 = v128.load8x8_s(w, 48);
    c03 = i32x4.add(c03, i32x4.dot_i16x8_s(a0, b3));
    c13 = i32x4.add(c13, i32x4.dot_i16x8_s(a1, b3));
    a0 = v128.load(px, 16);
    a1 = v128.load(px + lx, 16);
    b0 = v128.load8x8_s(w, 8);
    c00 = i32x4.add(c00, i32x4.dot_i16x8_s(a0, b0));
    c10 = i32x4.add(c10, i32x4.dot_i16x8_s(a1, b0));
    b1 = v128.load8x8_s(w, 24);
    c01 = i32x4.add(c01, i32x4.dot_i16x8_s(a0, b1));
    c11 = i32x4.add(c11, i32x4.dot_i16x8_s(a1, b1));
    b2 = v128.load8x8_s(w, 40);
    c02 = i32x4.add(c02, i32x4.dot_i16x8_s(a0, b2));
    c12 = i32x4.add(c12, i32x4.dot_i16x8_s(a1, b2));
    b3 = v128.load8x8_s(w, 56);
    c03 = i32x4.add(c03, i32x4.dot_i16x8_s(a0, b3));
    c13 = i32x4.add(c13, i32x4.dot_i16x8_s(a1, b3));
    px += 32;
    w += 128;
  }
  epilogue(hsum4(c00, c01, c02, c03), sx0, sw, b, alpha, alphaN, act, y, n, N);
  epilogue(hsum4(c10, c11, c12, c13), sx1, sw, b, alpha, alphaN, act, y + ((<usize>N) << 2), n, N);
}

/**
 * c + Σ of each 4 consecutive products w[i]·a[i] (a in [0, 127]): exact.
 * NOTE: not i32x4.relaxed_dot_i8x16_i7x16_add_s, which computes the same thing in
 * one instruction: Node 20's V8 (11.3) returns twice the sum for it on x64
 * (relaxed_dot_add([−128,0…], [127,0…], 0) = −32512; Node 24 and Deno: −16256).
 */
@inline
function dot16(w: v128, a: v128, c: v128): v128 {
  return i32x4.add(c, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(w, a)));
}

/** tile1x8 with Xq as int8 in [0, 127] and the relaxed dot (relaxed build only). */
function tile1x8r(xq: usize, wp: usize, Kp: i32, sx: f32, sw: usize, b: usize, alpha: usize, alphaN: i32,
  act: i32, y: usize, n: i32, N: i32): void {
  let w = rowBase(wp, Kp, n);
  let c0 = i32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  let px = xq;
  const end = xq + <usize>Kp;
  while (px < end) {
    const a = v128.load(px);
    c0 = dot16(v128.load(w), a, c0);
    c1 = dot16(v128.load(w, 16), a, c1);
    c2 = dot16(v128.load(w, 32), a, c2);
    c3 = dot16(v128.load(w, 48), a, c3);
    c4 = dot16(v128.load(w, 64), a, c4);
    c5 = dot16(v128.load(w, 80), a, c5);
    c6 = dot16(v128.load(w, 96), a, c6);
    c7 = dot16(v128.load(w, 112), a, c7);
    px += 16;
    w += 128;
  }
  epilogue(hsum4(c0, c1, c2, c3), sx, sw, b, alpha, alphaN, act, y, n, N);
  if (n + 4 < N) epilogue(hsum4(c4, c5, c6, c7), sx, sw, b, alpha, alphaN, act, y, n + 4, N);
}

/** tile1x4 with Xq as int8 in [0, 127] and the relaxed dot. */
function tile1x4r(xq: usize, wp: usize, Kp: i32, sx: f32, sw: usize, b: usize, alpha: usize, alphaN: i32,
  act: i32, y: usize, n: i32, N: i32): void {
  let w = rowBase(wp, Kp, n);
  let c0 = i32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  let px = xq;
  const end = xq + <usize>Kp;
  while (px < end) {
    const a = v128.load(px);
    c0 = dot16(v128.load(w), a, c0);
    c1 = dot16(v128.load(w, 16), a, c1);
    c2 = dot16(v128.load(w, 32), a, c2);
    c3 = dot16(v128.load(w, 48), a, c3);
    px += 16;
    w += 128;
  }
  epilogue(hsum4(c0, c1, c2, c3), sx, sw, b, alpha, alphaN, act, y, n, N);
}

/** tile2x4 with Xq as int8 in [0, 127] and the relaxed dot. */
function tile2x4r(xq: usize, wp: usize, Kp: i32, sx0: f32, sx1: f32, sw: usize, b: usize, alpha: usize,
  alphaN: i32, act: i32, y: usize, n: i32, N: i32): void {
  const lx = <usize>Kp;
  let w = rowBase(wp, Kp, n);
  let c00 = i32x4.splat(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
  let px = xq;
  const end = xq + lx;
  while (px < end) {
    const a0 = v128.load(px);
    const a1 = v128.load(px + lx);
    const b0 = v128.load(w);
    c00 = dot16(b0, a0, c00);
    c10 = dot16(b0, a1, c10);
    const b1 = v128.load(w, 16);
    c01 = dot16(b1, a0, c01);
    c11 = dot16(b1, a1, c11);
    const b2 = v128.load(w, 32);
    c02 = dot16(b2, a0, c02);
    c12 = dot16(b2, a1, c12);
    const b3 = v128.load(w, 48);
    c03 = dot16(b3, a0, c03);
    c13 = dot16(b3, a1, c13);
    px += 16;
    w += 128;
  }
  epilogue(hsum4(c00, c01, c02, c03), sx0, sw, b, alpha, alphaN, act, y, n, N);
  epilogue(hsum4(c10, c11, c12, c13), sx1, sw, b, alpha, alphaN, act, y + ((<usize>N) << 2), n, N);
}

/**
 * Y[M,N] = act(X·Wᵀ + b) with W as int8 (wp from int8_pack, scales sw [N]):
 * quantizes the rows of X [M, K] into scratch (int8_scratch_bytes(M, K)), then
 * one row at a time against 8 weight rows (M < 2: batch-1 inference), or two
 * rows against 4 (the GEMM). act: the fused linear's codes; alpha/alphaN as
 * linear_prelu_fwd (else 0, 1); b = 0: no bias. The int32 sums are exact while
 * K·127·128 < 2³¹ (K < 132,000); f32(acc) rounds once above 2²⁴.
 */
export function linear_int8_fwd(x: usize, wp: usize, sw: usize, b: usize, alpha: usize, y: usize,
  M: i32, N: i32, K: i32, act: i32, alphaN: i32, scratch: usize): void {
  if (M <= 0 || N <= 0) return;
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (!anyNegative(x, M * K)) {
      forwardU7(x, wp, sw, b, alpha, y, M, N, K, act, alphaN, scratch);
      return;
    }
  }
  const Kp = padK(K);
  const lx = (<usize>Kp) << 1;
  const sx = scratch + (<usize>M) * lx;
  for (let i = 0; i < M; i++) {
    store<f32>(sx + ((<usize>i) << 2), quantizeRow16(x + (<usize>i) * (<usize>K) * 4, scratch + (<usize>i) * lx, K));
  }
  const ly = (<usize>N) << 2;
  if (M < 2) {
    const s0 = load<f32>(sx);
    let n = 0;
    for (; n + 4 < N; n += 8) tile1x8(scratch, wp, Kp, s0, sw, b, alpha, alphaN, act, y, n, N);
    if (n < N) tile1x4(scratch, wp, Kp, s0, sw, b, alpha, alphaN, act, y, n, N);
    return;
  }
  for (let n = 0; n < N; n += 4) {
    let i = 0;
    for (; i + 1 < M; i += 2) {
      tile2x4(scratch + (<usize>i) * lx, wp, Kp, load<f32>(sx + ((<usize>i) << 2)), load<f32>(sx + ((<usize>i) << 2), 4),
        sw, b, alpha, alphaN, act, y + (<usize>i) * ly, n, N);
    }
    if (i < M) {
      tile1x4(scratch + (<usize>i) * lx, wp, Kp, load<f32>(sx + ((<usize>i) << 2)), sw, b, alpha, alphaN, act,
        y + (<usize>i) * ly, n, N);
    }
  }
}

/** linear_int8_fwd for an X without negative elements, on the relaxed dot (relaxed build). */
function forwardU7(x: usize, wp: usize, sw: usize, b: usize, alpha: usize, y: usize,
  M: i32, N: i32, K: i32, act: i32, alphaN: i32, scratch: usize): void {
  const Kp = padK(K);
  const lx = <usize>Kp;
  const sx = scratch + (<usize>M) * lx;
  for (let i = 0; i < M; i++) {
    store<f32>(sx + ((<usize>i) << 2), quantizeRow8(x + (<usize>i) * (<usize>K) * 4, scratch + (<usize>i) * lx, K));
  }
  const ly = (<usize>N) << 2;
  if (M < 2) {
    const s0 = load<f32>(sx);
    let n = 0;
    for (; n + 4 < N; n += 8) tile1x8r(scratch, wp, Kp, s0, sw, b, alpha, alphaN, act, y, n, N);
    if (n < N) tile1x4r(scratch, wp, Kp, s0, sw, b, alpha, alphaN, act, y, n, N);
    return;
  }
  for (let n = 0; n < N; n += 4) {
    let i = 0;
    for (; i + 1 < M; i += 2) {
      tile2x4r(scratch + (<usize>i) * lx, wp, Kp, load<f32>(sx + ((<usize>i) << 2)), load<f32>(sx + ((<usize>i) << 2), 4),
        sw, b, alpha, alphaN, act, y + (<usize>i) * ly, n, N);
    }
    if (i < M) {
      tile1x4r(scratch + (<usize>i) * lx, wp, Kp, load<f32>(sx + ((<usize>i) << 2)), sw, b, alpha, alphaN, act,
        y + (<usize>i) * ly, n, N);
    }
  }
}
