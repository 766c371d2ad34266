// SPDX-License-Identifier: MIT
// Activations forward and backward over contiguous f32 arrays of n elements.
// `Act` is THE activation numbering: act_fwd/act_bwd here, the fused Linear
// epilogue (act_rows, called by linear.ts) and the TypeScript table
// (src/ops/activation-table.ts) all use it. Backward of sigmoid/tanh/relu works
// from the saved OUTPUT y (tfjs outputsToSave); prelu's takes the input x and α.
// Never allocates; outputs may alias inputs (y === x, dx === dy). Tails load a
// full vector (16 bytes of slack) and store only the valid lanes (tail.ts).
//
// Adding an activation: a code in `Act`, its f32x4 forward in act4 and backward
// in grad4, `savesInput` if its backward reads x, and one case in each of the
// three dispatch switches below (act_fwd, act_bwd, act_rows).

import { exp_fdlibm, exp_rr2_p5, expm1_neg_rr2_p7 } from "./math";
import { storeLanes } from "./tail";

const SIGN: i32 = 0x80000000;

/**
 * relu(x) = max(x, 0).
 * NOTE: f32x4.max (not pmax) on purpose: NaN propagates (pmax(0,x) would turn it
 * into 0) and relu(−0) = +0 (pmax(x,0) would keep −0). relu(−inf) = +0.
 */
@inline
export function relu4(x: v128): v128 {
  return f32x4.max(x, f32x4.splat(0.0));
}

/**
 * prelu(x) = x > 0 ? x : α·x.
 * NOTE: the mask is x > 0, so NaN gives α·NaN = NaN, −0 gives α·(−0) and
 * −inf gives α·(−inf) (−inf for α > 0).
 */
@inline
export function prelu4(x: v128, alpha: v128): v128 {
  return v128.bitselect(x, f32x4.mul(alpha, x), f32x4.gt(x, f32x4.splat(0.0)));
}

/**
 * sigmoid(x) = 1/(1+e^−x), computed as f = e^−|x| / (1 + e^−|x|), and 1 − f for
 * x > 0. see: XNNPACK src/f32-vsigmoid (rr2-p5-div). sigmoid(−1000) = +0,
 * sigmoid(1000) = 1, sigmoid(±0) = 0.5, NaN → NaN. Measured (spec): <= 3 ULP
 * where y >= FLT_MIN.
 */
@inline
export function sigmoid4(x: v128): v128 {
  const z = v128.or(x, i32x4.splat(SIGN)); // −|x|; keeps NaN
  const e = exp_rr2_p5(z);
  const f = f32x4.div(e, f32x4.add(e, f32x4.splat(1.0)));
  return v128.bitselect(f32x4.sub(f32x4.splat(1.0), f), f, f32x4.gt(x, f32x4.splat(0.0)));
}

/**
 * tanh(x) = −expm1(−2|x|) / (2 + expm1(−2|x|)) with the sign of x put back.
 * NOTE: computed on |x| and the sign bit copied, so tanh is odd bit for bit;
 * the expm1 form has no cancellation near 0 (tanh(1e-8) = 1e-8, tanh(−0) = −0);
 * |x| is clamped to 10 (f32x4.min keeps NaN), where tanh rounds to 1 exactly.
 * see: XNNPACK src/f32-vtanh (expm1minus-…-div). Measured (spec): <= 3 ULP.
 */
@inline
export function tanh4(x: v128): v128 {
  const sign = v128.and(x, i32x4.splat(SIGN));
  const z = f32x4.min(v128.andnot(x, i32x4.splat(SIGN)), f32x4.splat(10.0));
  const em = expm1_neg_rr2_p7(f32x4.mul(z, f32x4.splat(-2.0)));
  // NOTE: abs, not neg: em may be +0 for z = 0 and the sign comes from x alone.
  const y = f32x4.abs(f32x4.div(em, f32x4.add(em, f32x4.splat(2.0))));
  return v128.or(y, sign);
}

/** Activation codes (the kernel ABI's `act` argument; mirrored by src/ops/activation-table.ts). */
export enum Act {
  NONE = 0,
  RELU = 1,
  SIGMOID = 2,
  TANH = 3,
  PRELU = 4,
  /** gelu, approximate 'none': x·Φ(x) */
  GELU = 5,
  /** gelu, approximate 'tanh': 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) */
  GELU_TANH = 6,
}

/** Whether the backward of `op` reads the pre-activation input (the fused Linear then saves Z). */
@inline
export function savesInput(op: i32): bool {
  return op == Act.PRELU || op == Act.GELU || op == Act.GELU_TANH;
}

// ---- gelu (PyTorch's two forms) ----
// NOTE: computed per lane in f64 and rounded to f32 once, so both forms are
// accurate to ≤ 1 ULP over the whole f32 line (measured by the spec's sweep),
// and the tails (exp underflow, the 1 + tanh cancellation for x < 0) need no
// special algorithm: 0.5·(1 + tanh(u)) is evaluated as σ(2u) = 1/(1 + e^(−2u)),
// and Φ(x) for x < 0 as erfc(|x|/√2)/2. Below x = −40 (where both round to −0
// in f32) the result is −0, which also keeps gelu(−inf) from being −inf·0.
// Scalar f64 per lane: slower than the f32x4 activations, deterministic (one
// in-house exp, exp_fdlibm, no FMA).

const SQRT1_2: f64 = 0.7071067811865476; // 1/√2
const FRAC_2_SQRTPI: f64 = 1.1283791670955126; // 2/√π
const FRAC_1_SQRTPI: f64 = 0.5641895835477563; // 1/√π
const FRAC_1_SQRT2PI: f64 = 0.3989422804014327; // 1/√(2π)
const SQRT_2_PI: f64 = 0.7978845608028654; // √(2/π)
const GELU_C: f64 = 0.044715;

/**
 * erfc(z) for z ≥ 0 (NaN → NaN, +inf → 0). z < 2.5: 1 − erf(z) with erf(z) =
 * (2/√π)·e^(−z²)·Σ z^(2n+1)·2ⁿ/(2n+1)!! (all terms positive, ≤ 37 of them);
 * z ≥ 2.5: the continued fraction e^(−z²)/√π / (z + ½/(z + 1/(z + 3/2/(z + …))))
 * evaluated bottom-up from depth 32. Relative error < 2e-12 (the cancellation in
 * 1 − erf costs at most 8 bits at z = 2.5), far below f32's 6e-8.
 */
function erfc64(z: f64): f64 {
  if (z < 2.5) {
    const z2 = z * z;
    let t = z;
    let s = z;
    for (let n = 0; n < 60; n++) {
      t *= (2.0 * z2) / <f64>(2 * n + 3);
      s += t;
      if (t <= 1e-17 * s) break;
    }
    return 1.0 - FRAC_2_SQRTPI * exp_fdlibm(-z2) * s;
  }
  let f = z;
  for (let k = 32; k >= 1; k--) f = z + (<f64>k * 0.5) / f;
  return (FRAC_1_SQRTPI * exp_fdlibm(-z * z)) / f;
}

/** Φ(x), the standard normal CDF, without cancellation on either side. */
function phi64(x: f64): f64 {
  return x >= 0 ? 1.0 - 0.5 * erfc64(x * SQRT1_2) : 0.5 * erfc64(-x * SQRT1_2);
}

/** gelu(x) in f64: x·Φ(x), or x·σ(2u) for the tanh form. */
function gelu64(x: f64, tanhForm: bool): f64 {
  if (x != x) return x;
  if (x < -40.0) return -0.0;
  if (!tanhForm) return x * phi64(x);
  const u = SQRT_2_PI * (x + GELU_C * x * x * x);
  return x / (1.0 + exp_fdlibm(-2.0 * u));
}

/** gelu′(x) in f64: Φ(x) + x·φ(x), or s + 2x·s·(1 − s)·u′ with s = σ(2u) (s·(1 − s) = e·s², e = e^(−2u)). */
function geluGrad64(x: f64, tanhForm: bool): f64 {
  if (x != x) return x;
  if (x > 40.0) return 1.0;
  if (x < -40.0) return 0.0;
  if (!tanhForm) return phi64(x) + x * FRAC_1_SQRT2PI * exp_fdlibm(-0.5 * x * x);
  const u = SQRT_2_PI * (x + GELU_C * x * x * x);
  const e = exp_fdlibm(-2.0 * u);
  const s = 1.0 / (1.0 + e);
  const du = SQRT_2_PI * (1.0 + 3.0 * GELU_C * x * x);
  return s + 2.0 * x * e * s * s * du;
}

/** gelu on each lane (f64 inside, one rounding). */
@inline
function gelu4(x: v128, tanhForm: bool): v128 {
  let y = f32x4.splat(0.0);
  y = f32x4.replace_lane(y, 0, <f32>gelu64(<f64>f32x4.extract_lane(x, 0), tanhForm));
  y = f32x4.replace_lane(y, 1, <f32>gelu64(<f64>f32x4.extract_lane(x, 1), tanhForm));
  y = f32x4.replace_lane(y, 2, <f32>gelu64(<f64>f32x4.extract_lane(x, 2), tanhForm));
  return f32x4.replace_lane(y, 3, <f32>gelu64(<f64>f32x4.extract_lane(x, 3), tanhForm));
}

/** dy·gelu′(x) on each lane (the product in f64, one rounding). */
@inline
function geluGrad4(x: v128, dy: v128, tanhForm: bool): v128 {
  let g = f32x4.splat(0.0);
  g = f32x4.replace_lane(g, 0, <f32>(<f64>f32x4.extract_lane(dy, 0) * geluGrad64(<f64>f32x4.extract_lane(x, 0), tanhForm)));
  g = f32x4.replace_lane(g, 1, <f32>(<f64>f32x4.extract_lane(dy, 1) * geluGrad64(<f64>f32x4.extract_lane(x, 1), tanhForm)));
  g = f32x4.replace_lane(g, 2, <f32>(<f64>f32x4.extract_lane(dy, 2) * geluGrad64(<f64>f32x4.extract_lane(x, 2), tanhForm)));
  return f32x4.replace_lane(g, 3, <f32>(<f64>f32x4.extract_lane(dy, 3) * geluGrad64(<f64>f32x4.extract_lane(x, 3), tanhForm)));
}

/** act(x) on one vector; `a` is α (prelu only). @inline with a constant op, it folds to one branch. */
@inline
export function act4(op: i32, x: v128, a: v128): v128 {
  if (op == Act.RELU) return relu4(x);
  if (op == Act.SIGMOID) return sigmoid4(x);
  if (op == Act.TANH) return tanh4(x);
  if (op == Act.PRELU) return prelu4(x, a);
  if (op == Act.GELU) return gelu4(x, false);
  if (op == Act.GELU_TANH) return gelu4(x, true);
  return x;
}

/** dx from the input x, the output y and dy (each activation reads what it needs). */
@inline
function grad4(op: i32, x: v128, y: v128, dy: v128): v128 {
  if (op == Act.RELU) return v128.and(dy, f32x4.gt(y, f32x4.splat(0.0)));
  const one = f32x4.splat(1.0);
  if (op == Act.SIGMOID) return f32x4.mul(dy, f32x4.mul(y, f32x4.sub(one, y)));
  if (op == Act.TANH) return f32x4.mul(dy, f32x4.sub(one, f32x4.mul(y, y)));
  if (op == Act.GELU) return geluGrad4(x, dy, false);
  if (op == Act.GELU_TANH) return geluGrad4(x, dy, true);
  return dy;
}

// A unary map over n elements: full vectors, then one masked-store tail.
// @inline with a constant `op` folds to one loop per activation.
@inline
function unary(op: i32, x: usize, y: usize, n: i32): void {
  const none = f32x4.splat(0.0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = (<usize>i) << 2;
    v128.store(y + k, act4(op, v128.load(x + k), none));
  }
  if (i < n) {
    const k = (<usize>i) << 2;
    storeLanes(y + k, act4(op, v128.load(x + k), none), n - i);
  }
}

@inline
function unaryBwd(op: i32, x: usize, y: usize, dy: usize, dx: usize, n: i32): void {
  // NOTE: x (or y) may be 0 when the activation does not read it; the loads are
  // then skipped at compile time (savesInput / the constant op), never executed.
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const k = (<usize>i) << 2;
    const xv = savesInput(op) ? v128.load(x + k) : f32x4.splat(0.0);
    const yv = savesInput(op) ? f32x4.splat(0.0) : v128.load(y + k);
    v128.store(dx + k, grad4(op, xv, yv, v128.load(dy + k)));
  }
  if (i < n) {
    const k = (<usize>i) << 2;
    const xv = savesInput(op) ? v128.load(x + k) : f32x4.splat(0.0);
    const yv = savesInput(op) ? f32x4.splat(0.0) : v128.load(y + k);
    storeLanes(dx + k, grad4(op, xv, yv, v128.load(dy + k)), n - i);
  }
}

/**
 * y = act(x) over n elements for an elementwise activation code (relu,
 * sigmoid, tanh, gelu; prelu has its own layout: prelu_fwd). NONE copies.
 */
export function act_fwd(x: usize, y: usize, n: i32, op: i32): void {
  switch (op) {
    case Act.RELU: unary(Act.RELU, x, y, n); break;
    case Act.SIGMOID: unary(Act.SIGMOID, x, y, n); break;
    case Act.TANH: unary(Act.TANH, x, y, n); break;
    case Act.GELU: unary(Act.GELU, x, y, n); break;
    case Act.GELU_TANH: unary(Act.GELU_TANH, x, y, n); break;
    default: unary(Act.NONE, x, y, n);
  }
}

/**
 * dx = act′·dy over n elements from the saved input x (activations with
 * savesInput) or the saved output y (the others; the unread one may be 0).
 * dx may alias dy. NONE copies dy.
 */
export function act_bwd(x: usize, y: usize, dy: usize, dx: usize, n: i32, op: i32): void {
  switch (op) {
    case Act.RELU: unaryBwd(Act.RELU, x, y, dy, dx, n); break;
    case Act.SIGMOID: unaryBwd(Act.SIGMOID, x, y, dy, dx, n); break;
    case Act.TANH: unaryBwd(Act.TANH, x, y, dy, dx, n); break;
    case Act.GELU: unaryBwd(Act.GELU, x, y, dy, dx, n); break;
    case Act.GELU_TANH: unaryBwd(Act.GELU_TANH, x, y, dy, dx, n); break;
    default: unaryBwd(Act.NONE, x, y, dy, dx, n);
  }
}

/** y = max(x, 0) (NaN → NaN, −0 → +0; see relu4). */
export function relu_fwd(x: usize, y: usize, n: i32): void {
  unary(Act.RELU, x, y, n);
}

/** dx = y > 0 ? dy : +0, from the saved output (relu′(0) = 0; a NaN y gives 0). */
export function relu_bwd(y: usize, dy: usize, dx: usize, n: i32): void {
  unaryBwd(Act.RELU, 0, y, dy, dx, n);
}

/** y = sigmoid(x) (see sigmoid4). */
export function sigmoid_fwd(x: usize, y: usize, n: i32): void {
  unary(Act.SIGMOID, x, y, n);
}

/** dx = dy·(y·(1 − y)), from the saved output. */
export function sigmoid_bwd(y: usize, dy: usize, dx: usize, n: i32): void {
  unaryBwd(Act.SIGMOID, 0, y, dy, dx, n);
}

/** y = tanh(x) (see tanh4). */
export function tanh_fwd(x: usize, y: usize, n: i32): void {
  unary(Act.TANH, x, y, n);
}

/** dx = dy·(1 − y·y), from the saved output. */
export function tanh_bwd(y: usize, dy: usize, dx: usize, n: i32): void {
  unaryBwd(Act.TANH, 0, y, dy, dx, n);
}

// ---- the fused Linear epilogue ----

/**
 * One finished block of a fused Linear: rows × cols at c (row stride ld
 * elements), output columns j0…: v = c + b[j] (b = 0: no bias); z (when the
 * activation savesInput; same stride, already at this block) receives v; then
 * c = act(v) with α[j] (alphaN > 1) or α[0]. Runs on the block while it is hot
 * in cache, with the same vector helpers as act_fwd, so fused == gemm_nt +
 * add_fwd + act_fwd bit for bit.
 */
export function act_rows(op: i32, c: usize, ld: i32, rows: i32, cols: i32, j0: i32, bias: usize,
  alpha: usize, alphaN: i32, z: usize): void {
  switch (op) {
    case Act.RELU: actRows(Act.RELU, c, ld, rows, cols, j0, bias, alpha, alphaN, z); break;
    case Act.SIGMOID: actRows(Act.SIGMOID, c, ld, rows, cols, j0, bias, alpha, alphaN, z); break;
    case Act.TANH: actRows(Act.TANH, c, ld, rows, cols, j0, bias, alpha, alphaN, z); break;
    case Act.PRELU: actRows(Act.PRELU, c, ld, rows, cols, j0, bias, alpha, alphaN, z); break;
    case Act.GELU: actRows(Act.GELU, c, ld, rows, cols, j0, bias, alpha, alphaN, z); break;
    case Act.GELU_TANH: actRows(Act.GELU_TANH, c, ld, rows, cols, j0, bias, alpha, alphaN, z); break;
    default: if (bias != 0) actRows(Act.NONE, c, ld, rows, cols, j0, bias, alpha, alphaN, z);
  }
}

@inline
function actRows(op: i32, c: usize, ldc: i32, rows: i32, cols: i32, j0: i32, bias: usize,
  alpha: usize, alphaN: i32, z: usize): void {
  const ld = (<usize>ldc) << 2;
  const a1 = op == Act.PRELU ? v128.load32_splat(alpha) : f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const row = c + (<usize>r) * ld;
    const zrow = z + (<usize>r) * ld;
    for (let j = 0; j < cols; j += 4) {
      // NOTE: a tail vector may load past the row (slack); only valid lanes are stored.
      const o = (<usize>j) << 2;
      const jb = (<usize>(j0 + j)) << 2;
      let v = v128.load(row + o);
      if (bias != 0) v = f32x4.add(v, v128.load(bias + jb));
      if (savesInput(op)) storeLanes(zrow + o, v, cols - j);
      const a = op == Act.PRELU ? (alphaN == 1 ? a1 : v128.load(alpha + jb)) : a1;
      storeLanes(row + o, act4(op, v, a), cols - j);
    }
  }
}
