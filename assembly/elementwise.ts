// SPDX-License-Identifier: MIT
// Elementwise kernels. Broadcast binary ops: the TypeScript side collapses NumPy
// broadcasting to at most four output dims [d0, d1, d2, n] with element strides
// per operand (sa*/sb*, 0 on a broadcast axis); the innermost strides sa3/sb3 are
// 0 or 1. Output is contiguous. Unary ops and the tape helpers (fill, copy,
// scale_add) work on contiguous arrays of n. Never allocates; `out` may alias an
// input. Tails load a full vector (16 bytes of slack) and store only the valid
// lanes, so an element's bits never depend on its index.

import { exp_rr2_p5, log_musl, pow_fdlibm } from "./math";
import { storeLanes } from "./tail";

export const OP_ADD: i32 = 0;
const OP_SUB: i32 = 1;
const OP_MUL: i32 = 2;
const OP_DIV: i32 = 3;
const OP_MAX: i32 = 4;
const OP_MIN: i32 = 5;

/**
 * x^y for one element: f64 pow_fdlibm (math.ts, C99 special cases) rounded once
 * to f32 — correctly rounded except within 2^-20 ULP of a tie.
 * NOTE: every element goes through this same scalar path (pow_fwd is a scalar
 * loop), so there is no body/tail split.
 */
@inline
function pow1(x: f32, y: f32): f32 {
  return <f32>pow_fdlibm(<f64>x, <f64>y);
}

/**
 * One vector of `op`. Constant-folded after inlining, so each kernel gets its own loop.
 * NOTE: maximum/minimum use f32x4.max/min: NaN propagates (torch.maximum) and
 * max(−0, +0) = +0, min(−0, +0) = −0.
 */
@inline
function binop(op: i32, x: v128, y: v128): v128 {
  if (op == OP_ADD) return f32x4.add(x, y);
  if (op == OP_SUB) return f32x4.sub(x, y);
  if (op == OP_MUL) return f32x4.mul(x, y);
  if (op == OP_DIV) return f32x4.div(x, y);
  if (op == OP_MAX) return f32x4.max(x, y);
  if (op == OP_MIN) return f32x4.min(x, y);
  return x;
}

/** One contiguous output row of length n. */
@inline
function binaryRow(op: i32, pa: usize, pb: usize, po: usize, n: i32, sa: i32, sb: i32): void {
  let j = 0;
  if (sa == 1 && sb == 1) {
    for (; j + 4 <= n; j += 4) {
      const k = (<usize>j) << 2;
      v128.store(po + k, binop(op, v128.load(pa + k), v128.load(pb + k)));
    }
    if (j < n) {
      const k = (<usize>j) << 2;
      storeLanes(po + k, binop(op, v128.load(pa + k), v128.load(pb + k)), n - j);
    }
  } else if (sa == 1) {
    const y = v128.load32_splat(pb);
    for (; j + 4 <= n; j += 4) {
      const k = (<usize>j) << 2;
      v128.store(po + k, binop(op, v128.load(pa + k), y));
    }
    if (j < n) {
      const k = (<usize>j) << 2;
      storeLanes(po + k, binop(op, v128.load(pa + k), y), n - j);
    }
  } else if (sb == 1) {
    const x = v128.load32_splat(pa);
    for (; j + 4 <= n; j += 4) {
      const k = (<usize>j) << 2;
      v128.store(po + k, binop(op, x, v128.load(pb + k)));
    }
    if (j < n) {
      const k = (<usize>j) << 2;
      storeLanes(po + k, binop(op, x, v128.load(pb + k)), n - j);
    }
  } else {
    const v = binop(op, v128.load32_splat(pa), v128.load32_splat(pb));
    for (; j + 4 <= n; j += 4) v128.store(po + ((<usize>j) << 2), v);
    if (j < n) storeLanes(po + ((<usize>j) << 2), v, n - j);
  }
}

@inline
function broadcastBinary(
  op: i32, a: usize, b: usize, out: usize,
  d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32,
  sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  let po = out;
  const rowBytes = (<usize>n) << 2;
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        const pa = a + ((<usize>(i0 * sa0 + i1 * sa1 + i2 * sa2)) << 2);
        const pb = b + ((<usize>(i0 * sb0 + i1 * sb1 + i2 * sb2)) << 2);
        binaryRow(op, pa, pb, po, n, sa3, sb3);
        po += rowBytes;
      }
    }
  }
}

/** out = a + b, broadcast as described above. */
export function add_fwd(
  a: usize, b: usize, out: usize,
  d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32,
  sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  broadcastBinary(OP_ADD, a, b, out, d0, d1, d2, n, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3);
}
// Backward of the broadcast binary ops: add/sub/mul/div are compositions on the
// TS side (dA = sum_to(dOut·…), see reduce.ts sum_to); maximum, minimum and pow
// need masks or logs, so they have kernels below. Each writes OUTPUT-shaped
// (d0·d1·d2·n, contiguous) gradients da and db; the TS side then sums them onto
// a broadcast operand with sum_to. da or db may alias dy.

/** out = a − b (broadcast as add_fwd). */
export function sub_fwd(
  a: usize, b: usize, out: usize, d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  broadcastBinary(OP_SUB, a, b, out, d0, d1, d2, n, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3);
}

/** out = a·b (broadcast as add_fwd). */
export function mul_fwd(
  a: usize, b: usize, out: usize, d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  broadcastBinary(OP_MUL, a, b, out, d0, d1, d2, n, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3);
}

/** out = a / b, IEEE (x/0 = ±inf, 0/0 = NaN) (broadcast as add_fwd). */
export function div_fwd(
  a: usize, b: usize, out: usize, d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  broadcastBinary(OP_DIV, a, b, out, d0, d1, d2, n, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3);
}

/** out = max(a, b); NaN propagates, max(−0, +0) = +0 (broadcast as add_fwd). */
export function maximum_fwd(
  a: usize, b: usize, out: usize, d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  broadcastBinary(OP_MAX, a, b, out, d0, d1, d2, n, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3);
}

/** out = min(a, b); NaN propagates, min(−0, +0) = −0 (broadcast as add_fwd). */
export function minimum_fwd(
  a: usize, b: usize, out: usize, d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  broadcastBinary(OP_MIN, a, b, out, d0, d1, d2, n, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3);
}

/** out = a^b, f64 pow rounded once (see pow1) (broadcast as add_fwd); one scalar path for every element. */
export function pow_fwd(
  a: usize, b: usize, out: usize, d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  let po = out;
  for (let i0 = 0; i0 < d0; i0++) for (let i1 = 0; i1 < d1; i1++) for (let i2 = 0; i2 < d2; i2++) {
    const pa = a + ((<usize>(i0 * sa0 + i1 * sa1 + i2 * sa2)) << 2);
    const pb = b + ((<usize>(i0 * sb0 + i1 * sb1 + i2 * sb2)) << 2);
    for (let j = 0; j < n; j++) {
      const k = (<usize>j) << 2;
      store<f32>(po + k, pow1(load<f32>(pa + (sa3 == 1 ? k : 0)), load<f32>(pb + (sb3 == 1 ? k : 0))));
    }
    po += (<usize>n) << 2;
  }
}

const BWD_MAX: i32 = 0;
const BWD_MIN: i32 = 1;

/**
 * Gradient split of maximum (minimum with a, b swapped in the comparisons),
 * PyTorch's rule: da = dy where a > b, dy/2 where a == b, 0 where a < b; db the
 * mirror image. NaN in a or b gives neither comparison, so both get dy.
 */
@inline
function maxMask(op: i32, a: v128, b: v128, dy: v128, first: bool): v128 {
  const half = f32x4.mul(dy, f32x4.splat(0.5));
  const loses = op == BWD_MAX
    ? (first ? f32x4.lt(a, b) : f32x4.gt(a, b))
    : (first ? f32x4.gt(a, b) : f32x4.lt(a, b));
  return v128.andnot(v128.bitselect(half, dy, f32x4.eq(a, b)), loses);
}

@inline
function ldb(p: usize, k: usize, s: i32): v128 {
  return s == 1 ? v128.load(p + k) : v128.load32_splat(p);
}

/** da, db (output-shaped) for maximum (op 0) or minimum (op 1). */
@inline
function minmaxBwd(
  op: i32, a: usize, b: usize, dy: usize, da: usize, db: usize,
  d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  let po: usize = 0;
  for (let i0 = 0; i0 < d0; i0++) for (let i1 = 0; i1 < d1; i1++) for (let i2 = 0; i2 < d2; i2++) {
    const pa = a + ((<usize>(i0 * sa0 + i1 * sa1 + i2 * sa2)) << 2);
    const pb = b + ((<usize>(i0 * sb0 + i1 * sb1 + i2 * sb2)) << 2);
    for (let j = 0; j < n; j += 4) {
      const k = (<usize>j) << 2;
      const av = ldb(pa, k, sa3), bv = ldb(pb, k, sb3), g = v128.load(dy + po + k);
      storeLanes(da + po + k, maxMask(op, av, bv, g, true), n - j);
      storeLanes(db + po + k, maxMask(op, av, bv, g, false), n - j);
    }
    po += (<usize>n) << 2;
  }
}

/** Output-shaped gradients of maximum_fwd: see maxMask (ties split dy/2, dy/2). */
export function maximum_bwd(
  a: usize, b: usize, dy: usize, da: usize, db: usize, d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  minmaxBwd(BWD_MAX, a, b, dy, da, db, d0, d1, d2, n, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3);
}

/** Output-shaped gradients of minimum_fwd: da = dy where a < b, dy/2 on ties, else 0. */
export function minimum_bwd(
  a: usize, b: usize, dy: usize, da: usize, db: usize, d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  minmaxBwd(BWD_MIN, a, b, dy, da, db, d0, d1, d2, n, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3);
}

/**
 * Output-shaped gradients of pow_fwd from the inputs and the saved output y,
 * in f64 per element (pow_fdlibm; ln from log_musl), PyTorch's masks:
 * da = dy·b·a^(b−1), and 0 where b == 0; db = dy·y·ln(a), and 0 where a == 0 and b >= 0.
 */
export function pow_bwd(
  a: usize, b: usize, y: usize, dy: usize, da: usize, db: usize, d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  let po: usize = 0;
  for (let i0 = 0; i0 < d0; i0++) for (let i1 = 0; i1 < d1; i1++) for (let i2 = 0; i2 < d2; i2++) {
    const pa = a + ((<usize>(i0 * sa0 + i1 * sa1 + i2 * sa2)) << 2);
    const pb = b + ((<usize>(i0 * sb0 + i1 * sb1 + i2 * sb2)) << 2);
    for (let j = 0; j < n; j++) {
      const k = (<usize>j) << 2;
      const av = <f64>load<f32>(pa + (sa3 == 1 ? k : 0)), bv = <f64>load<f32>(pb + (sb3 == 1 ? k : 0));
      const g = <f64>load<f32>(dy + po + k), yv = <f64>load<f32>(y + po + k);
      const ga = bv == 0 ? 0.0 : g * bv * pow_fdlibm(av, bv - 1.0);
      // NOTE: ln(a) from the f32 log_musl (<= 1 ULP), as when this kernel first landed (golden digest).
      const gb = av == 0 && bv >= 0 ? 0.0 : g * yv * <f64>f32x4.extract_lane(log_musl(f32x4.splat(<f32>av)), 0);
      store<f32>(da + po + k, <f32>ga);
      store<f32>(db + po + k, <f32>gb);
    }
    po += (<usize>n) << 2;
  }
}

// Unary maps over contiguous arrays of n (y may alias x).
const U_EXP: i32 = 0;
const U_LOG: i32 = 1;
const U_SQRT: i32 = 2;
const U_SQUARE: i32 = 3;
const U_ABS: i32 = 4;
const U_NEG: i32 = 5;

@inline
function un(op: i32, x: v128): v128 {
  if (op == U_EXP) return exp_rr2_p5(x);
  if (op == U_LOG) return log_musl(x);
  if (op == U_SQRT) return f32x4.sqrt(x);
  if (op == U_SQUARE) return f32x4.mul(x, x);
  if (op == U_ABS) return f32x4.abs(x);
  return f32x4.neg(x);
}

@inline
function map1(op: i32, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = (<usize>i) << 2;
    storeLanes(y + k, un(op, v128.load(x + k)), n - i);
  }
}

/** y = e^x (exp_rr2_p5: <= 2 ULP, +inf above 88.72, +0 below −103.98). */
export function exp_fwd(x: usize, y: usize, n: i32): void { map1(U_EXP, x, y, n); }
/** y = ln x (log_musl: <= 1 ULP; ln 0 = −inf, ln(x < 0) = NaN). */
export function log_fwd(x: usize, y: usize, n: i32): void { map1(U_LOG, x, y, n); }
/** y = √x, correctly rounded (√−0 = −0, √(x < 0) = NaN). */
export function sqrt_fwd(x: usize, y: usize, n: i32): void { map1(U_SQRT, x, y, n); }
/** y = x·x. */
export function square_fwd(x: usize, y: usize, n: i32): void { map1(U_SQUARE, x, y, n); }
/** y = |x| (clears the sign bit: |−0| = +0, NaN stays NaN). */
export function abs_fwd(x: usize, y: usize, n: i32): void { map1(U_ABS, x, y, n); }
/** y = −x (flips the sign bit). */
export function neg_fwd(x: usize, y: usize, n: i32): void { map1(U_NEG, x, y, n); }

// Fused unary backward helpers, one rounding each; `s` is the saved tensor
// named in each doc comment (output y or input x). dx may alias dy.
const B_EXP: i32 = 0;
const B_LOG: i32 = 1;
const B_SQRT: i32 = 2;
const B_SQUARE: i32 = 3;
const B_ABS: i32 = 4;

@inline
function ub(op: i32, s: v128, g: v128): v128 {
  if (op == B_EXP) return f32x4.mul(g, s);
  if (op == B_LOG) return f32x4.div(g, s);
  if (op == B_SQRT) return f32x4.div(g, f32x4.add(s, s));
  if (op == B_SQUARE) return f32x4.mul(g, f32x4.add(s, s));
  // sign(x)·dy with sign(±0) = 0 and NaN kept: x·0 is ±0 or NaN
  const zero = f32x4.splat(0.0);
  const sg = v128.bitselect(f32x4.splat(1.0),
    v128.bitselect(f32x4.splat(-1.0), f32x4.mul(s, zero), f32x4.lt(s, zero)), f32x4.gt(s, zero));
  return f32x4.mul(g, sg);
}

@inline
function mapBwd(op: i32, s: usize, dy: usize, dx: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = (<usize>i) << 2;
    storeLanes(dx + k, ub(op, v128.load(s + k), v128.load(dy + k)), n - i);
  }
}

/** dx = dy·y from the saved output. */
export function exp_bwd(y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(B_EXP, y, dy, dx, n); }
/** dx = dy / x from the saved input. */
export function log_bwd(x: usize, dy: usize, dx: usize, n: i32): void { mapBwd(B_LOG, x, dy, dx, n); }
/** dx = dy / (2y) from the saved output (+inf·sign(dy) at y = 0, as PyTorch). */
export function sqrt_bwd(y: usize, dy: usize, dx: usize, n: i32): void { mapBwd(B_SQRT, y, dy, dx, n); }
/** dx = dy·2x from the saved input. */
export function square_bwd(x: usize, dy: usize, dx: usize, n: i32): void { mapBwd(B_SQUARE, x, dy, dx, n); }
/** dx = dy·sign(x), sign(±0) = 0 (PyTorch), NaN x gives NaN. */
export function abs_bwd(x: usize, dy: usize, dx: usize, n: i32): void { mapBwd(B_ABS, x, dy, dx, n); }

// Tape helpers.

/** out[0..n) = value. */
export function fill_f32(out: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  for (let i = 0; i < n; i += 4) storeLanes(out + ((<usize>i) << 2), v, n - i);
}

/** dst[0..n) = src[0..n); src === dst is fine, a partial overlap is not. */
export function copy_f32(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i += 4) {
    const k = (<usize>i) << 2;
    storeLanes(dst + k, v128.load(src + k), n - i);
  }
}

/** out = alpha·x + beta·y (two products, one add: alpha = beta = 1 is exactly x + y). out may alias x or y. */
export function scale_add(x: usize, y: usize, out: usize, n: i32, alpha: f32, beta: f32): void {
  const va = f32x4.splat(alpha), vb = f32x4.splat(beta);
  for (let i = 0; i < n; i += 4) {
    const k = (<usize>i) << 2;
    storeLanes(out + k, f32x4.add(f32x4.mul(va, v128.load(x + k)), f32x4.mul(vb, v128.load(y + k))), n - i);
  }
}
