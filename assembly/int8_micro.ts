// SPDX-License-Identifier: MIT
// The int8 register tiles of linear_int8_fwd (int8.ts) on int16 inputs: one or
// two quantized input rows against 4 or 8 weight rows of the panel layout
// (int8_pack), exact int32 sums through dot_i16x8_s, then the epilogue:
// act4(f32(acc)·(sx·sw) + b). The simd128 build packs the weights as int16 (the
// `w` tiles: one plain load per 8 weights); the relaxed build packs them as int8
// for its relaxed dot (the `r` tiles, generic over the dot form of
// int8_relaxed.ts, on inputs in [0, 127]) and runs the `s` tiles, which
// sign-extend 8 weights per load, only for inputs with negative elements.
// Never allocate; read up to the padded Kp and round8(N), store only n < N.

import { Act, act4 } from "./activations";
import { Fused, Split } from "./int8_relaxed";
import { storeLanes } from "./tail";

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
 * mul then add (never fused, in both builds), then act4 with the activation code
 * (`Act`) of the fused f32 linear: the same vector helpers, the same bits.
 * NOTE: not inlined (once per 4 outputs, after a K-long loop): keeps the module small.
 */
function epilogue(acc: v128, sx: f32, sw: usize, b: usize, alpha: usize, alphaN: i32, act: i32,
  y: usize, n: i32, N: i32): void {
  const o = (<usize>n) << 2;
  let v = f32x4.mul(f32x4.convert_i32x4_s(acc), f32x4.mul(f32x4.splat(sx), v128.load(sw + o)));
  if (b != 0) v = f32x4.add(v, v128.load(b + o));
  const a = act == Act.PRELU ? (alphaN == 1 ? v128.load32_splat(alpha) : v128.load(alpha + o)) : v;
  storeLanes(y + o, act4(act, v, a), N - n);
}

/** Bytes per packed weight: int16 in the simd128 build, int8 in the relaxed build. */
export const WB: i32 = ASC_FEATURE_RELAXED_SIMD ? 1 : 2;

/**
 * Start of weight row n's first chunk in the panel layout of int8_pack (n ≡ 0 or
 * 4 mod 8): panels of 8 rows × Kp, chunks of 128 bytes (16 k as int8 or 8 k as
 * int16), row r of the panel at 16·r in each chunk.
 */
@inline
export function rowBase(wp: usize, Kp: i32, n: i32): usize {
  return wp + (<usize>(n >> 3)) * (<usize>Kp) * (<usize>(8 * WB)) + (<usize>(n & 4)) * 16;
}

// NOTE: the tiles write each row's two loads out with literal offsets: an
// @inline helper taking the offset as an argument left an i32.add per load in the
// wasm (binaryen did not fold it into the load's immediate offset).
/** Row i of Xq against the 8 int8 weight rows of one panel: two 4-column results through the epilogue. */
export function tile1x8s(xq: usize, wp: usize, Kp: i32, sx: f32, sw: usize, b: usize, alpha: usize, alphaN: i32,
  act: i32, y: usize, n: i32, N: i32): void {
  let w = rowBase(wp, Kp, n);
  let c0 = i32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  let px = xq;
  const end = xq + ((<usize>Kp) << 1);
  while (px < end) {
    const a0 = v128.load(px);
    const a1 = v128.load(px, 16);
    c0 = i32x4.add(c0, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load8x8_s(w, 0)), i32x4.dot_i16x8_s(a1, v128.load8x8_s(w, 8))));
    c1 = i32x4.add(c1, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load8x8_s(w, 16)), i32x4.dot_i16x8_s(a1, v128.load8x8_s(w, 24))));
    c2 = i32x4.add(c2, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load8x8_s(w, 32)), i32x4.dot_i16x8_s(a1, v128.load8x8_s(w, 40))));
    c3 = i32x4.add(c3, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load8x8_s(w, 48)), i32x4.dot_i16x8_s(a1, v128.load8x8_s(w, 56))));
    c4 = i32x4.add(c4, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load8x8_s(w, 64)), i32x4.dot_i16x8_s(a1, v128.load8x8_s(w, 72))));
    c5 = i32x4.add(c5, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load8x8_s(w, 80)), i32x4.dot_i16x8_s(a1, v128.load8x8_s(w, 88))));
    c6 = i32x4.add(c6, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load8x8_s(w, 96)), i32x4.dot_i16x8_s(a1, v128.load8x8_s(w, 104))));
    c7 = i32x4.add(c7, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load8x8_s(w, 112)), i32x4.dot_i16x8_s(a1, v128.load8x8_s(w, 120))));
    px += 32;
    w += 128;
  }
  epilogue(hsum4(c0, c1, c2, c3), sx, sw, b, alpha, alphaN, act, y, n, N);
  if (n + 4 < N) epilogue(hsum4(c4, c5, c6, c7), sx, sw, b, alpha, alphaN, act, y, n + 4, N);
}

/** Row i of Xq against 4 weight rows (n ≡ 0 or 4 mod 8). */
export function tile1x4s(xq: usize, wp: usize, Kp: i32, sx: f32, sw: usize, b: usize, alpha: usize, alphaN: i32,
  act: i32, y: usize, n: i32, N: i32): void {
  let w = rowBase(wp, Kp, n);
  let c0 = i32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  let px = xq;
  const end = xq + ((<usize>Kp) << 1);
  while (px < end) {
    const a0 = v128.load(px);
    const a1 = v128.load(px, 16);
    c0 = i32x4.add(c0, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load8x8_s(w, 0)), i32x4.dot_i16x8_s(a1, v128.load8x8_s(w, 8))));
    c1 = i32x4.add(c1, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load8x8_s(w, 16)), i32x4.dot_i16x8_s(a1, v128.load8x8_s(w, 24))));
    c2 = i32x4.add(c2, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load8x8_s(w, 32)), i32x4.dot_i16x8_s(a1, v128.load8x8_s(w, 40))));
    c3 = i32x4.add(c3, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load8x8_s(w, 48)), i32x4.dot_i16x8_s(a1, v128.load8x8_s(w, 56))));
    px += 32;
    w += 128;
  }
  epilogue(hsum4(c0, c1, c2, c3), sx, sw, b, alpha, alphaN, act, y, n, N);
}

/** Rows i, i+1 of Xq against 4 weight rows (8 accumulators, each weight load used twice). */
export function tile2x4s(xq: usize, wp: usize, Kp: i32, sx0: f32, sx1: f32, sw: usize, b: usize, alpha: usize,
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

/** Row i of Xq against the 8 int16 weight rows of one panel (simd128 build): two 4-column results. */
export function tile1x8w(xq: usize, wp: usize, Kp: i32, sx: f32, sw: usize, b: usize, alpha: usize, alphaN: i32,
  act: i32, y: usize, n: i32, N: i32): void {
  let w = rowBase(wp, Kp, n);
  let c0 = i32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  let px = xq;
  const end = xq + ((<usize>Kp) << 1);
  while (px < end) {
    const a0 = v128.load(px);
    const a1 = v128.load(px, 16);
    c0 = i32x4.add(c0, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load(w, 0)), i32x4.dot_i16x8_s(a1, v128.load(w, 128))));
    c1 = i32x4.add(c1, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load(w, 16)), i32x4.dot_i16x8_s(a1, v128.load(w, 144))));
    c2 = i32x4.add(c2, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load(w, 32)), i32x4.dot_i16x8_s(a1, v128.load(w, 160))));
    c3 = i32x4.add(c3, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load(w, 48)), i32x4.dot_i16x8_s(a1, v128.load(w, 176))));
    c4 = i32x4.add(c4, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load(w, 64)), i32x4.dot_i16x8_s(a1, v128.load(w, 192))));
    c5 = i32x4.add(c5, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load(w, 80)), i32x4.dot_i16x8_s(a1, v128.load(w, 208))));
    c6 = i32x4.add(c6, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load(w, 96)), i32x4.dot_i16x8_s(a1, v128.load(w, 224))));
    c7 = i32x4.add(c7, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load(w, 112)), i32x4.dot_i16x8_s(a1, v128.load(w, 240))));
    px += 32;
    w += 256;
  }
  epilogue(hsum4(c0, c1, c2, c3), sx, sw, b, alpha, alphaN, act, y, n, N);
  if (n + 4 < N) epilogue(hsum4(c4, c5, c6, c7), sx, sw, b, alpha, alphaN, act, y, n + 4, N);
}

/** Row i of Xq against 4 int16 weight rows (n ≡ 0 or 4 mod 8; simd128 build). */
export function tile1x4w(xq: usize, wp: usize, Kp: i32, sx: f32, sw: usize, b: usize, alpha: usize, alphaN: i32,
  act: i32, y: usize, n: i32, N: i32): void {
  let w = rowBase(wp, Kp, n);
  let c0 = i32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  let px = xq;
  const end = xq + ((<usize>Kp) << 1);
  while (px < end) {
    const a0 = v128.load(px);
    const a1 = v128.load(px, 16);
    c0 = i32x4.add(c0, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load(w, 0)), i32x4.dot_i16x8_s(a1, v128.load(w, 128))));
    c1 = i32x4.add(c1, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load(w, 16)), i32x4.dot_i16x8_s(a1, v128.load(w, 144))));
    c2 = i32x4.add(c2, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load(w, 32)), i32x4.dot_i16x8_s(a1, v128.load(w, 160))));
    c3 = i32x4.add(c3, i32x4.add(i32x4.dot_i16x8_s(a0, v128.load(w, 48)), i32x4.dot_i16x8_s(a1, v128.load(w, 176))));
    px += 32;
    w += 256;
  }
  epilogue(hsum4(c0, c1, c2, c3), sx, sw, b, alpha, alphaN, act, y, n, N);
}

/** Rows i, i+1 of Xq against 4 int16 weight rows (simd128 build; each weight load used twice). */
export function tile2x4w(xq: usize, wp: usize, Kp: i32, sx0: f32, sx1: f32, sw: usize, b: usize, alpha: usize,
  alphaN: i32, act: i32, y: usize, n: i32, N: i32): void {
  const lx = (<usize>Kp) << 1;
  let w = rowBase(wp, Kp, n);
  let c00 = i32x4.splat(0), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
  let px = xq;
  const end = xq + lx;
  while (px < end) {
    const a0 = v128.load(px);
    const a1 = v128.load(px + lx);
    const b0 = v128.load(w);
    c00 = i32x4.add(c00, i32x4.dot_i16x8_s(a0, b0));
    c10 = i32x4.add(c10, i32x4.dot_i16x8_s(a1, b0));
    const b1 = v128.load(w, 16);
    c01 = i32x4.add(c01, i32x4.dot_i16x8_s(a0, b1));
    c11 = i32x4.add(c11, i32x4.dot_i16x8_s(a1, b1));
    const b2 = v128.load(w, 32);
    c02 = i32x4.add(c02, i32x4.dot_i16x8_s(a0, b2));
    c12 = i32x4.add(c12, i32x4.dot_i16x8_s(a1, b2));
    const b3 = v128.load(w, 48);
    c03 = i32x4.add(c03, i32x4.dot_i16x8_s(a0, b3));
    c13 = i32x4.add(c13, i32x4.dot_i16x8_s(a1, b3));
    px += 16;
    w += 128;
  }
  epilogue(hsum4(c00, c01, c02, c03), sx0, sw, b, alpha, alphaN, act, y, n, N);
  epilogue(hsum4(c10, c11, c12, c13), sx1, sw, b, alpha, alphaN, act, y + ((<usize>N) << 2), n, N);
}

/** c + Σ of each 4 consecutive products w[i]·a[i] (a in [0, 127]): exact in both forms. */
@inline
function dot16<D>(w: v128, a: v128, c: v128): v128 {
  if (sizeof<D>() == 2) return i32x4.relaxed_dot_i8x16_i7x16_add_s(w, a, c);
  return i32x4.add(c, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(w, a)));
}

/** Row i of Xq (int8 in [0, 127]) against the 8 weight rows of one panel. */
export function tile1x8r<D>(xq: usize, wp: usize, Kp: i32, sx: f32, sw: usize, b: usize, alpha: usize, alphaN: i32,
  act: i32, y: usize, n: i32, N: i32): void {
  let w = rowBase(wp, Kp, n);
  let c0 = i32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
  let px = xq;
  const end = xq + <usize>Kp;
  while (px < end) {
    const a = v128.load(px);
    c0 = dot16<D>(v128.load(w), a, c0);
    c1 = dot16<D>(v128.load(w, 16), a, c1);
    c2 = dot16<D>(v128.load(w, 32), a, c2);
    c3 = dot16<D>(v128.load(w, 48), a, c3);
    c4 = dot16<D>(v128.load(w, 64), a, c4);
    c5 = dot16<D>(v128.load(w, 80), a, c5);
    c6 = dot16<D>(v128.load(w, 96), a, c6);
    c7 = dot16<D>(v128.load(w, 112), a, c7);
    px += 16;
    w += 128;
  }
  epilogue(hsum4(c0, c1, c2, c3), sx, sw, b, alpha, alphaN, act, y, n, N);
  if (n + 4 < N) epilogue(hsum4(c4, c5, c6, c7), sx, sw, b, alpha, alphaN, act, y, n + 4, N);
}

/** Row i of Xq (int8 in [0, 127]) against 4 weight rows (n ≡ 0 or 4 mod 8). */
export function tile1x4r<D>(xq: usize, wp: usize, Kp: i32, sx: f32, sw: usize, b: usize, alpha: usize, alphaN: i32,
  act: i32, y: usize, n: i32, N: i32): void {
  let w = rowBase(wp, Kp, n);
  let c0 = i32x4.splat(0), c1 = c0, c2 = c0, c3 = c0;
  let px = xq;
  const end = xq + <usize>Kp;
  while (px < end) {
    const a = v128.load(px);
    c0 = dot16<D>(v128.load(w), a, c0);
    c1 = dot16<D>(v128.load(w, 16), a, c1);
    c2 = dot16<D>(v128.load(w, 32), a, c2);
    c3 = dot16<D>(v128.load(w, 48), a, c3);
    px += 16;
    w += 128;
  }
  epilogue(hsum4(c0, c1, c2, c3), sx, sw, b, alpha, alphaN, act, y, n, N);
}

/** Rows i, i+1 of Xq (int8 in [0, 127]) against 4 weight rows (each weight load used twice). */
export function tile2x4r<D>(xq: usize, wp: usize, Kp: i32, sx0: f32, sx1: f32, sw: usize, b: usize, alpha: usize,
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
    c00 = dot16<D>(b0, a0, c00);
    c10 = dot16<D>(b0, a1, c10);
    const b1 = v128.load(w, 16);
    c01 = dot16<D>(b1, a0, c01);
    c11 = dot16<D>(b1, a1, c11);
    const b2 = v128.load(w, 32);
    c02 = dot16<D>(b2, a0, c02);
    c12 = dot16<D>(b2, a1, c12);
    const b3 = v128.load(w, 48);
    c03 = dot16<D>(b3, a0, c03);
    c13 = dot16<D>(b3, a1, c13);
    px += 16;
    w += 128;
  }
  epilogue(hsum4(c00, c01, c02, c03), sx0, sw, b, alpha, alphaN, act, y, n, N);
  epilogue(hsum4(c10, c11, c12, c13), sx1, sw, b, alpha, alphaN, act, y + ((<usize>N) << 2), n, N);
}
