// SPDX-License-Identifier: MIT
// Reductions over one axis of a collapsed view x [outer, axisLen, inner] into
// y [outer, inner], and sum_to, the broadcast-gradient reduction paired with
// add_fwd's strides. Summation order is fixed by the shapes alone (no threads,
// no data-dependent order), so every runtime gives the same bits. Never
// allocates; y must not alias x. Tail loads past the end are masked out of
// every sum/max (laneMask) and tail stores write only the valid lanes.
//
// inner > 1: lanes run along `inner`; each output sums k = 0, 1, … in order
//            (starting from +0: y = ((0 + x0) + x1) + …).
// inner = 1: lanes run along the axis in 4 vectors of 4 partial sums (k mod 16),
//            combined ((a0+a1)+(a2+a3)) then (l0+l1)+(l2+l3).
// Empty axis (axisLen = 0): sum 0, max −inf, min +inf, argmax/argmin −1.

import { hsum, laneMask, storeLanes } from "./tail";

const SUM: i32 = 0;
const MAX: i32 = 1;
const MIN: i32 = 2;

@inline
function identity(op: i32): v128 {
  if (op == SUM) return f32x4.splat(0.0);
  if (op == MAX) return f32x4.splat(-Infinity);
  return f32x4.splat(Infinity);
}

/** NOTE: f32x4.max/min propagate NaN, so a NaN anywhere on the axis gives NaN. */
@inline
function comb(op: i32, a: v128, b: v128): v128 {
  if (op == SUM) return f32x4.add(a, b);
  if (op == MAX) return f32x4.max(a, b);
  return f32x4.min(a, b);
}

/** Combines the 4 lanes: (l0 ∘ l1) ∘ (l2 ∘ l3). */
@inline
function lanes(op: i32, v: v128): f32 {
  if (op == SUM) return hsum(v);
  const h = comb(op, v, i32x4.shuffle(v, v, 1, 0, 3, 2));
  return f32x4.extract_lane(comb(op, h, i32x4.shuffle(h, h, 2, 3, 0, 1)), 0);
}

@inline
function reduceAxis(op: i32, x: usize, y: usize, outer: i32, axisLen: i32, inner: i32): void {
  const id = identity(op);
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const px = x + ((<usize>(o * axisLen)) << 2);
      let a0 = id, a1 = id, a2 = id, a3 = id;
      let k = 0;
      for (; k + 16 <= axisLen; k += 16) {
        const p = px + ((<usize>k) << 2);
        a0 = comb(op, a0, v128.load(p));
        a1 = comb(op, a1, v128.load(p, 16));
        a2 = comb(op, a2, v128.load(p, 32));
        a3 = comb(op, a3, v128.load(p, 48));
      }
      for (; k + 4 <= axisLen; k += 4) a0 = comb(op, a0, v128.load(px + ((<usize>k) << 2)));
      if (k < axisLen) {
        const v = v128.load(px + ((<usize>k) << 2));
        a0 = comb(op, a0, v128.bitselect(v, id, laneMask(axisLen - k)));
      }
      const acc = comb(op, comb(op, a0, a1), comb(op, a2, a3));
      store<f32>(y + ((<usize>o) << 2), lanes(op, acc));
    }
    return;
  }
  // NOTE: streams x row by row, accumulating into a block of y (≤ 1024 floats,
  // L1-resident): the same per-element order k = 0, 1, … as a column walk,
  // without its 1-row stride. y is only ever written inside [0, outer·inner).
  const rowBytes = (<usize>inner) << 2;
  for (let o = 0; o < outer; o++) {
    const px = x + (<usize>(o * axisLen)) * rowBytes;
    const py = y + (<usize>o) * rowBytes;
    for (let i0 = 0; i0 < inner; i0 += REDUCE_BLOCK) {
      const i1 = min(inner, i0 + REDUCE_BLOCK);
      for (let i = i0; i < i1; i += 4) storeLanes(py + ((<usize>i) << 2), id, i1 - i);
      let p = px;
      for (let k = 0; k < axisLen; k++) {
        for (let i = i0; i < i1; i += 4) {
          const q = py + ((<usize>i) << 2);
          storeLanes(q, comb(op, v128.load(q), v128.load(p + ((<usize>i) << 2))), i1 - i);
        }
        p += rowBytes;
      }
    }
  }
}

const REDUCE_BLOCK: i32 = 1024;

/** y[o, i] = Σ_k x[o, k, i] in the fixed order described above. */
export function sum_fwd(x: usize, y: usize, outer: i32, axisLen: i32, inner: i32): void {
  reduceAxis(SUM, x, y, outer, axisLen, inner);
}

/** y[o, i] = max_k x[o, k, i]; NaN anywhere gives NaN; max(−0, +0) = +0. */
export function max_fwd(x: usize, y: usize, outer: i32, axisLen: i32, inner: i32): void {
  reduceAxis(MAX, x, y, outer, axisLen, inner);
}

/** y[o, i] = min_k x[o, k, i]; NaN anywhere gives NaN; min(−0, +0) = −0. */
export function min_fwd(x: usize, y: usize, outer: i32, axisLen: i32, inner: i32): void {
  reduceAxis(MIN, x, y, outer, axisLen, inner);
}

/**
 * Lanes where candidate (v, vi) beats the current (b, bi) for argmax (argmin when
 * !isMax): strictly better value, or NaN where the current is not NaN (NaN
 * counts as the extreme, as NumPy/PyTorch), or equal/both-NaN with a smaller
 * index (first index on ties; −0 and +0 are equal).
 */
@inline
function beats(isMax: bool, v: v128, vi: v128, b: v128, bi: v128): v128 {
  const better = isMax ? f32x4.gt(v, b) : f32x4.lt(v, b);
  const vNaN = f32x4.ne(v, v), bNaN = f32x4.ne(b, b);
  const tie = v128.or(f32x4.eq(v, b), v128.and(vNaN, bNaN));
  return v128.or(v128.or(better, v128.andnot(vNaN, bNaN)), v128.and(tie, i32x4.lt_s(vi, bi)));
}

@inline
function argReduce(isMax: bool, x: usize, y: usize, outer: i32, axisLen: i32, inner: i32): void {
  if (axisLen <= 0) {
    const v = f32x4.splat(-1.0);
    for (let i = 0; i < outer * inner; i += 4) storeLanes(y + ((<usize>i) << 2), v, outer * inner - i);
    return;
  }
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const px = x + ((<usize>(o * axisLen)) << 2);
      // lane j tracks k ≡ j (mod 4); a masked tail lane keeps its current best
      let best = v128.load(px);
      let bi = i32x4(0, 1, 2, 3);
      const valid0 = laneMask(axisLen);
      best = v128.bitselect(best, v128.load32_splat(px), valid0); // invalid lanes copy element 0
      bi = v128.bitselect(bi, i32x4.splat(0), valid0);
      let ki = i32x4(4, 5, 6, 7);
      for (let k = 4; k < axisLen; k += 4) {
        const v = v128.load(px + ((<usize>k) << 2));
        const take = v128.and(beats(isMax, v, ki, best, bi), laneMask(axisLen - k));
        best = v128.bitselect(v, best, take);
        bi = v128.bitselect(ki, bi, take);
        ki = i32x4.add(ki, i32x4.splat(4));
      }
      // combine lanes 1..3 into lane 0 in order, with the same rule
      for (let j = 1; j < 4; j++) {
        const sh = j == 1 ? i32x4.shuffle(best, best, 1, 1, 1, 1)
          : j == 2 ? i32x4.shuffle(best, best, 2, 2, 2, 2) : i32x4.shuffle(best, best, 3, 3, 3, 3);
        const shi = j == 1 ? i32x4.shuffle(bi, bi, 1, 1, 1, 1)
          : j == 2 ? i32x4.shuffle(bi, bi, 2, 2, 2, 2) : i32x4.shuffle(bi, bi, 3, 3, 3, 3);
        const take = beats(isMax, sh, shi, best, bi);
        best = v128.bitselect(sh, best, take);
        bi = v128.bitselect(shi, bi, take);
      }
      store<f32>(y + ((<usize>o) << 2), <f32>i32x4.extract_lane(bi, 0));
    }
    return;
  }
  const rowBytes = (<usize>inner) << 2;
  for (let o = 0; o < outer; o++) {
    const px = x + (<usize>(o * axisLen)) * rowBytes;
    const py = y + (<usize>o) * rowBytes;
    for (let i = 0; i < inner; i += 4) {
      let p = px + ((<usize>i) << 2);
      let best = v128.load(p);
      let bi = i32x4.splat(0);
      for (let k = 1; k < axisLen; k++) {
        p += rowBytes;
        const v = v128.load(p), ki = i32x4.splat(k);
        const take = beats(isMax, v, ki, best, bi);
        best = v128.bitselect(v, best, take);
        bi = v128.bitselect(ki, bi, take);
      }
      storeLanes(py + ((<usize>i) << 2), f32x4.convert_i32x4_s(bi), inner - i);
    }
  }
}

/**
 * y[o, i] = the index k of max_k x[o, k, i], as an f32 (exact below 2^24):
 * the first index on ties; the first NaN if any (NaN counts as the maximum).
 */
export function argmax_fwd(x: usize, y: usize, outer: i32, axisLen: i32, inner: i32): void {
  argReduce(true, x, y, outer, axisLen, inner);
}

/** As argmax_fwd for the minimum (NaN counts as the minimum: the first NaN wins). */
export function argmin_fwd(x: usize, y: usize, outer: i32, axisLen: i32, inner: i32): void {
  argReduce(false, x, y, outer, axisLen, inner);
}

/**
 * Broadcast-gradient reduction, the adjoint of add_fwd's read of one operand:
 * dOut is contiguous [d0, d1, d2, n]; the operand (m elements, y) was read at
 * element offset i0·s0 + i1·s1 + i2·s2 + j·s3 (0 strides on broadcast axes,
 * s3 in {0, 1}). y is zeroed, then y[offset] += dOut[i0, i1, i2, j] in output
 * order: rows with s3 = 1 are added lane-wise, rows with s3 = 0 are first
 * summed (4 lanes then (l0+l1)+(l2+l3)). Fixed order; y must not alias dOut.
 */
export function sum_to(
  dOut: usize, y: usize, d0: i32, d1: i32, d2: i32, n: i32,
  s0: i32, s1: i32, s2: i32, s3: i32, m: i32,
): void {
  const zero = f32x4.splat(0.0);
  for (let i = 0; i < m; i += 4) storeLanes(y + ((<usize>i) << 2), zero, m - i);
  let pd = dOut;
  const rowBytes = (<usize>n) << 2;
  for (let i0 = 0; i0 < d0; i0++) for (let i1 = 0; i1 < d1; i1++) for (let i2 = 0; i2 < d2; i2++) {
    const py = y + ((<usize>(i0 * s0 + i1 * s1 + i2 * s2)) << 2);
    if (s3 == 1) {
      for (let j = 0; j < n; j += 4) {
        const k = (<usize>j) << 2;
        storeLanes(py + k, f32x4.add(v128.load(py + k), v128.load(pd + k)), n - j);
      }
    } else if (n > 0) {
      let acc = zero;
      let j = 0;
      for (; j + 4 <= n; j += 4) acc = f32x4.add(acc, v128.load(pd + ((<usize>j) << 2)));
      if (j < n) acc = f32x4.add(acc, v128.and(v128.load(pd + ((<usize>j) << 2)), laneMask(n - j)));
      store<f32>(py, load<f32>(py) + hsum(acc));
    }
    pd += rowBytes;
  }
}
