// SPDX-License-Identifier: MIT
// Int8 inference: Y[M,N] = act(sx[i]·sw[n]·(Xq[i,:]·Wq[n,:]) + b[n]) with exact
// integer dot products. W is quantized once (int8_quantize_rows), X per row on
// the fly (inside linear_int8_fwd), both by ONE rule, symmetric per row:
//   amax = max|x[r, :]|, scale s = amax / 127, q = clamp(nearest(x · (127 / amax)), ±127)
// (f32 arithmetic; nearest = f32.nearest, ties to even; amax = 0 gives s = 0,
// q = 0). Xq is int16 (int8 values) in rows of Kp = K rounded up to 16, zero-
// padded; Wq is packed in panels of 8 rows (int8_pack: rows padded to Kp, N to 8,
// with zeros; int16 elements in the simd128 build, so its dot product needs no
// sign extension, int8 in the relaxed build), so the micro-kernels have no K or N tail. Products go through
// i32x4.dot_i16x8_s into i32 lanes: exact, so the sum order is free and batch 1
// and batch M give the same bits. Never allocates; scratch: int8_scratch_bytes.
// Relaxed build: when no element of X is negative (the input of every layer after
// a ReLU or sigmoid, and images), Xq is stored as int8 in [0, 127] and the sums
// use the relaxed int8 dot (16 products per instruction; int8_relaxed.ts: the
// fused dot-add form once checked exact on this engine). Its only implementation-defined cases are a second operand with the
// top bit set (signed or unsigned) and, on some CPUs, a saturating 16-bit pair
// sum; with the second operand in [0, 127] neither can happen (|pair| ≤ 2·128·127
// < 2¹⁵), so every CPU returns the exact sum, the same integers as the simd128
// path: both builds give the same bits (the runtime tests compare them bit for bit).

import { tile1x4r, tile1x4s, tile1x4w, tile1x8r, tile1x8s, tile1x8w, tile2x4r, tile2x4s, tile2x4w, WB } from "./int8_micro";
import { Fused, fusedDotExact, Split } from "./int8_relaxed";
import { laneMask } from "./tail";


/**
 * The relaxed build's dot form for [0, 127] inputs: 0 not yet chosen (the first
 * call checks the fused form: fusedDotExact), 1 split, 2 fused. Speed only:
 * both give the same exact sums.
 */
let dotMode: i32 = 0;

/**
 * Reads (mode < 0) or sets the dot form: 0 chooses again on the next call, 1
 * split, 2 fused (tests force each; 2 only where fusedDotExact holds). Returns
 * the form in use (always 1 in the simd128 build, which has one form).
 */
export function int8_dot_mode(mode: i32): i32 {
  if (!ASC_FEATURE_RELAXED_SIMD) return 1;
  if (mode >= 0) dotMode = mode;
  if (dotMode == 0) dotMode = fusedDotExact() ? 2 : 1;
  return dotMode;
}

/** K rounded up to 16: one relaxed dot step (16 int8), two dot_i16x8_s steps. */
@inline
function padK(K: i32): i32 {
  return (K + 15) & ~15;
}

/**
 * max |x[0..K)| (NaN if any element is NaN); the tail's slack lanes are masked
 * out. On the bits: with the sign cleared, f32 order is i32 order (NaN above
 * +inf above every finite), so one integer max per 4 lanes (an f32 max costs V8
 * several instructions for its NaN rules).
 */
@inline
function absMax(x: usize, K: i32): f32 {
  const abs = i32x4.splat(0x7fffffff);
  let m = i32x4.splat(0), m1 = m;
  let j = 0;
  for (; j + 8 <= K; j += 8) {
    const p = x + ((<usize>j) << 2);
    m = i32x4.max_s(m, v128.and(v128.load(p), abs));
    m1 = i32x4.max_s(m1, v128.and(v128.load(p, 16), abs));
  }
  m = i32x4.max_s(m, m1);
  for (; j < K; j += 4) {
    let v = v128.and(v128.load(x + ((<usize>j) << 2)), abs);
    if (K - j < 4) v = v128.and(v, laneMask(K - j));
    m = i32x4.max_s(m, v);
  }
  return reinterpret<f32>(max(max(i32x4.extract_lane(m, 0), i32x4.extract_lane(m, 1)),
    max(i32x4.extract_lane(m, 2), i32x4.extract_lane(m, 3))));
}

/** 127 / amax (0 for amax = 0 or +inf, NaN for NaN): the multiplier of the rule above. */
@inline
function invScale(amax: f32): f32 {
  return amax == 0 ? 0 : <f32>127.0 / amax;
}

/** 1.5·2²³: t + MAGIC rounds t (|t| ≤ 2²²) to an integer, ties to even, in the low mantissa bits. */
const MAGIC: f32 = 12582912.0;
const MAGIC_BITS: i32 = 0x4b400000;

/**
 * Four lanes of the rule: i32 q in [−127, 127]. Clamped first (the bounds are
 * integers, so clamp-then-round = round-then-clamp), then rounded by adding
 * MAGIC (its ulp is 1 and it is even: f32.nearest's ties to even) and taking the
 * integer back from the bits; pmin/pmax and the add are one instruction each
 * where nearest + trunc_sat cost V8 about ten. NOTE: a NaN lane gives q = 0 (the
 * mask); the row's scale is then NaN (or +inf), so the row's outputs are NaN,
 * never a silent wrong number.
 */
@inline
function quant4(v: v128, inv: v128): v128 {
  const t = f32x4.mul(v, inv);
  const c = f32x4.pmax(f32x4.pmin(t, f32x4.splat(127)), f32x4.splat(-127));
  const q = i32x4.sub(f32x4.add(c, f32x4.splat(MAGIC)), i32x4.splat(MAGIC_BITS));
  return v128.and(q, f32x4.eq(t, t));
}

/**
 * A group of 8 values at p past the row's full groups (rem < 8 of them real; a
 * padding group, rem ≤ 0, gives zeros) as i16x8 quantized values, zeros past rem. NOTE: lanes past rem are zeroed BEFORE
 * the multiply (the slack may hold inf or NaN), and the second half is not even
 * loaded past the end of the row.
 */
@inline
function quantTail(p: usize, rem: i32, inv: v128): v128 {
  let a = v128.load(p);
  if (rem < 4) a = v128.and(a, laneMask(rem));
  let b = f32x4.splat(0.0);
  if (rem > 4) {
    b = v128.load(p, 16);
    if (rem < 8) b = v128.and(b, laneMask(rem - 4));
  }
  return i16x8.narrow_i32x4_s(quant4(a, inv), quant4(b, inv));
}

/** One activation row x[K] → q[Kp] int16 (zeros past K); returns its scale amax / 127. */
@inline
function quantizeRow16(x: usize, q: usize, K: i32): f32 {
  const amax = absMax(x, K);
  const inv = f32x4.splat(invScale(amax));
  const Kp = padK(K);
  let j = 0;
  for (; j + 8 <= K; j += 8) {
    const p = x + ((<usize>j) << 2);
    v128.store(q + ((<usize>j) << 1), i16x8.narrow_i32x4_s(quant4(v128.load(p), inv), quant4(v128.load(p, 16), inv)));
  }
  for (; j < Kp; j += 8) v128.store(q + ((<usize>j) << 1), quantTail(x + ((<usize>j) << 2), K - j, inv));
  return amax / 127;
}

/** One NON-NEGATIVE activation row x[K] → q[Kp] int8 in [0, 127] (zeros past K); returns its scale. */
@inline
function quantizeRow8(x: usize, q: usize, K: i32): f32 {
  const amax = absMax(x, K);
  const inv = f32x4.splat(invScale(amax));
  const Kp = padK(K);
  let j = 0;
  for (; j + 8 <= K; j += 8) {
    const p = x + ((<usize>j) << 2);
    const h = i16x8.narrow_i32x4_s(quant4(v128.load(p), inv), quant4(v128.load(p, 16), inv));
    v128.store64_lane(q + <usize>j, i8x16.narrow_i16x8_s(h, h), 0);
  }
  for (; j < Kp; j += 8) {
    const h = quantTail(x + ((<usize>j) << 2), K - j, inv);
    v128.store64_lane(q + <usize>j, i8x16.narrow_i16x8_s(h, h), 0);
  }
  return amax / 127;
}

/** Whether any of x[0..n) is negative (−0 and NaN are not; the tail's slack is masked out). */
function anyNegative(x: usize, n: i32): bool {
  let m = i32x4.splat(0);
  let j = 0;
  for (; j + 8 <= n; j += 8) {
    const p = x + ((<usize>j) << 2);
    m = v128.or(m, v128.or(f32x4.lt(v128.load(p), f32x4.splat(0.0)), f32x4.lt(v128.load(p, 16), f32x4.splat(0.0))));
  }
  for (; j < n; j += 4) {
    let v = v128.load(x + ((<usize>j) << 2));
    if (n - j < 4) v = v128.and(v, laneMask(n - j));
    m = v128.or(m, f32x4.lt(v, f32x4.splat(0.0)));
  }
  return v128.any_true(m);
}

/** Bytes of the packed weight buffer for W [N, K]: round8(N) rows of round16(K) int16 (simd128) or int8 (relaxed). */
export function int8_pack_bytes(N: i32, K: i32): i32 {
  if (N <= 0 || K <= 0) return 0;
  return ((N + 7) & ~7) * padK(K) * WB;
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
 * of 8 rows; in a panel, chunk c (128 bytes: k in [16c, 16c + 16) as int8, or in
 * [8c, 8c + 8) as int16 in the simd128 build) holds 16 bytes of each of its 8
 * rows in turn (row r at 16·r), so a tile reads its rows at constant offsets
 * from one pointer. Past K and past N: zeros (they add nothing).
 */
export function int8_pack(q: usize, wp: usize, N: i32, K: i32): void {
  if (N <= 0 || K <= 0) return;
  const Kp = padK(K);
  memory.fill(wp, 0, <usize>int8_pack_bytes(N, K));
  if (WB == 2) {
    for (let n = 0; n < N; n++) {
      const dst = wp + (<usize>(n >> 3)) * (<usize>Kp) * 16 + (<usize>(n & 7)) * 16;
      const src = q + (<usize>n) * (<usize>K);
      for (let k = 0; k < K; k++) {
        store<i16>(dst + (<usize>(k >> 3)) * 128 + (<usize>(k & 7)) * 2, <i16>load<i8>(src + <usize>k));
      }
    }
    return;
  }
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

/**
 * Y[M,N] = act(X·Wᵀ + b) with W as int8 (wp from int8_pack, scales sw [N]):
 * quantizes the rows of X [M, K] into scratch (int8_scratch_bytes(M, K)), then
 * one row at a time against 8 weight rows (M < 2: batch-1 inference), or two
 * rows against 4 (the GEMM). act: an `Act` code, as linear_fwd takes; alpha and
 * alphaN as there (prelu; else 0, 1); b = 0: no bias. The int32 sums are exact while
 * K·127·128 < 2³¹ (K < 132,000); f32(acc) rounds once above 2²⁴.
 */
export function linear_int8_fwd(x: usize, wp: usize, sw: usize, b: usize, alpha: usize, y: usize,
  M: i32, N: i32, K: i32, act: i32, alphaN: i32, scratch: usize): void {
  if (M <= 0 || N <= 0) return;
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (!anyNegative(x, M * K)) {
      if (dotMode == 0) dotMode = fusedDotExact() ? 2 : 1;
      if (dotMode == 2) forwardU7<Fused>(x, wp, sw, b, alpha, y, M, N, K, act, alphaN, scratch);
      else forwardU7<Split>(x, wp, sw, b, alpha, y, M, N, K, act, alphaN, scratch);
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
    if (WB == 2) {
      for (; n + 4 < N; n += 8) tile1x8w(scratch, wp, Kp, s0, sw, b, alpha, alphaN, act, y, n, N);
      if (n < N) tile1x4w(scratch, wp, Kp, s0, sw, b, alpha, alphaN, act, y, n, N);
    } else {
      for (; n + 4 < N; n += 8) tile1x8s(scratch, wp, Kp, s0, sw, b, alpha, alphaN, act, y, n, N);
      if (n < N) tile1x4s(scratch, wp, Kp, s0, sw, b, alpha, alphaN, act, y, n, N);
    }
    return;
  }
  for (let n = 0; n < N; n += 4) {
    let i = 0;
    for (; i + 1 < M; i += 2) {
      if (WB == 2) {
        tile2x4w(scratch + (<usize>i) * lx, wp, Kp, load<f32>(sx + ((<usize>i) << 2)), load<f32>(sx + ((<usize>i) << 2), 4),
          sw, b, alpha, alphaN, act, y + (<usize>i) * ly, n, N);
      } else {
        tile2x4s(scratch + (<usize>i) * lx, wp, Kp, load<f32>(sx + ((<usize>i) << 2)), load<f32>(sx + ((<usize>i) << 2), 4),
          sw, b, alpha, alphaN, act, y + (<usize>i) * ly, n, N);
      }
    }
    if (i < M) {
      const s = load<f32>(sx + ((<usize>i) << 2));
      if (WB == 2) tile1x4w(scratch + (<usize>i) * lx, wp, Kp, s, sw, b, alpha, alphaN, act, y + (<usize>i) * ly, n, N);
      else tile1x4s(scratch + (<usize>i) * lx, wp, Kp, s, sw, b, alpha, alphaN, act, y + (<usize>i) * ly, n, N);
    }
  }
}

/** linear_int8_fwd for an X without negative elements, on the relaxed dot (relaxed build). */
function forwardU7<D>(x: usize, wp: usize, sw: usize, b: usize, alpha: usize, y: usize,
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
    for (; n + 4 < N; n += 8) tile1x8r<D>(scratch, wp, Kp, s0, sw, b, alpha, alphaN, act, y, n, N);
    if (n < N) tile1x4r<D>(scratch, wp, Kp, s0, sw, b, alpha, alphaN, act, y, n, N);
    return;
  }
  for (let n = 0; n < N; n += 4) {
    let i = 0;
    for (; i + 1 < M; i += 2) {
      tile2x4r<D>(scratch + (<usize>i) * lx, wp, Kp, load<f32>(sx + ((<usize>i) << 2)), load<f32>(sx + ((<usize>i) << 2), 4),
        sw, b, alpha, alphaN, act, y + (<usize>i) * ly, n, N);
    }
    if (i < M) {
      tile1x4r<D>(scratch + (<usize>i) * lx, wp, Kp, load<f32>(sx + ((<usize>i) << 2)), sw, b, alpha, alphaN, act,
        y + (<usize>i) * ly, n, N);
    }
  }
}

/** Fields of one step of a linear_int8_chain plan (i32 each). */
const STEP: i32 = 8;

/** Scratch bytes of linear_int8_chain for M rows: the quantized rows of the widest input and two hidden buffers. */
export function int8_chain_scratch_bytes(plan: usize, steps: i32, M: i32): i32 {
  let maxK = 1, maxN = 0;
  for (let s = 0; s < steps; s++) {
    const p = plan + (<usize>(s * STEP)) * 4;
    maxK = max(maxK, load<i32>(p, 20));
    if (s + 1 < steps) maxN = max(maxN, load<i32>(p, 16));
  }
  return int8_scratch_bytes(M, maxK) + 2 * ((M * maxN * 4 + 31) & ~15);
}

/**
 * Runs `steps` linear_int8_fwd in a row, each one's output the next one's input,
 * X [M, K0] → Y [M, N_last], the hidden rows in scratch (int8_chain_scratch_bytes):
 * a quantized MLP in one call. plan: `steps` entries of 8 i32 (wp, sw, b, alpha, N,
 * K, act, alphaN) as linear_int8_fwd takes them; each K must be the previous N.
 */
export function linear_int8_chain(plan: usize, steps: i32, x: usize, y: usize, M: i32, scratch: usize): void {
  if (M <= 0 || steps <= 0) return;
  let maxK = 1, maxN = 0;
  for (let s = 0; s < steps; s++) {
    const p = plan + (<usize>(s * STEP)) * 4;
    maxK = max(maxK, load<i32>(p, 20));
    if (s + 1 < steps) maxN = max(maxN, load<i32>(p, 16));
  }
  const h0 = scratch + <usize>int8_scratch_bytes(M, maxK);
  const h1 = h0 + <usize>((M * maxN * 4 + 31) & ~15);
  let src = x;
  for (let s = 0; s < steps; s++) {
    const p = plan + (<usize>(s * STEP)) * 4;
    const dst = s + 1 == steps ? y : (s & 1) == 0 ? h0 : h1;
    linear_int8_fwd(src, <usize>load<i32>(p), <usize>load<i32>(p, 4), <usize>load<i32>(p, 8), <usize>load<i32>(p, 12),
      dst, M, load<i32>(p, 16), load<i32>(p, 20), load<i32>(p, 24), load<i32>(p, 28), scratch);
    src = dst;
  }
}
