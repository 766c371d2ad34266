// SPDX-License-Identifier: MIT
// Softmax, log-softmax and fused softmax–cross-entropy over the rows of a
// contiguous [rows, n] f32 matrix. Max-subtracted (x − max is exact for logits
// of ±1e4 in one row's range), one in-house exp (exp_rr2_p5) and log (log_musl).
// Row sums accumulate in 4 lanes in index order, then (l0+l1)+(l2+l3): a fixed
// order. Never allocates; y may alias x in the forward kernels, dx may alias dy.
// Tails are masked out of every max/sum and stored with partial-lane stores.
//
// Edge policy (docs/testing.md §3): a NaN in a row makes the whole row NaN; −inf
// entries give exactly 0 (log: −inf); an all −inf row is NaN (−inf − (−inf)),
// as PyTorch (#25110); a +inf entry makes the row NaN.

import { exp_rr2_p5, log_musl } from "./math";
import { hsum, laneMask, storeLanes } from "./tail";

/** max over one row; NaN propagates (f32x4.max); −inf for n = 0. */
@inline
function rowMax(px: usize, n: i32): f32 {
  const ninf = f32x4.splat(-Infinity);
  let acc = ninf;
  let j = 0;
  for (; j + 4 <= n; j += 4) acc = f32x4.max(acc, v128.load(px + ((<usize>j) << 2)));
  if (j < n) acc = f32x4.max(acc, v128.bitselect(v128.load(px + ((<usize>j) << 2)), ninf, laneMask(n - j)));
  const h = f32x4.max(acc, i32x4.shuffle(acc, acc, 1, 0, 3, 2));
  return f32x4.extract_lane(f32x4.max(h, i32x4.shuffle(h, h, 2, 3, 0, 1)), 0);
}

/** Σ exp(x − m) over one row; when `py` is not 0 also stores exp(x − m) there. */
@inline
function rowSumExp(px: usize, m: f32, n: i32, py: usize): f32 {
  const vm = f32x4.splat(m);
  let acc = f32x4.splat(0.0);
  for (let j = 0; j < n; j += 4) {
    const k = (<usize>j) << 2;
    const e = v128.and(exp_rr2_p5(f32x4.sub(v128.load(px + k), vm)), laneMask(n - j));
    acc = f32x4.add(acc, e);
    if (py != 0) storeLanes(py + k, e, n - j);
  }
  return hsum(acc);
}

/** Σ a·b over one row (a, b loaded in 4 lanes, tail masked). */
@inline
function rowDot(pa: usize, pb: usize, n: i32): f32 {
  let acc = f32x4.splat(0.0);
  for (let j = 0; j < n; j += 4) {
    const k = (<usize>j) << 2;
    acc = f32x4.add(acc, v128.and(f32x4.mul(v128.load(pa + k), v128.load(pb + k)), laneMask(n - j)));
  }
  return hsum(acc);
}

@inline
function logOf(s: f32): f32 {
  return f32x4.extract_lane(log_musl(f32x4.splat(s)), 0);
}

/** y = exp(x − max) / Σ exp(x − max) per row (division, not a reciprocal multiply). */
export function softmax_fwd(x: usize, y: usize, rows: i32, n: i32): void {
  const rb = (<usize>n) << 2;
  for (let r = 0; r < rows; r++) {
    const px = x + (<usize>r) * rb, py = y + (<usize>r) * rb;
    const s = f32x4.splat(rowSumExp(px, rowMax(px, n), n, py));
    for (let j = 0; j < n; j += 4) {
      const k = (<usize>j) << 2;
      storeLanes(py + k, f32x4.div(v128.load(py + k), s), n - j);
    }
  }
}

/** dx = y ⊙ (dy − ⟨dy, y⟩) per row, from the saved output. */
export function softmax_bwd(y: usize, dy: usize, dx: usize, rows: i32, n: i32): void {
  const rb = (<usize>n) << 2;
  for (let r = 0; r < rows; r++) {
    const py = y + (<usize>r) * rb, pd = dy + (<usize>r) * rb, po = dx + (<usize>r) * rb;
    const dot = f32x4.splat(rowDot(pd, py, n));
    for (let j = 0; j < n; j += 4) {
      const k = (<usize>j) << 2;
      storeLanes(po + k, f32x4.mul(v128.load(py + k), f32x4.sub(v128.load(pd + k), dot)), n - j);
    }
  }
}

/** y = (x − max) − ln Σ exp(x − max) per row; never through log(softmax). */
export function log_softmax_fwd(x: usize, y: usize, rows: i32, n: i32): void {
  const rb = (<usize>n) << 2;
  for (let r = 0; r < rows; r++) {
    const px = x + (<usize>r) * rb, py = y + (<usize>r) * rb;
    const m = rowMax(px, n);
    const vm = f32x4.splat(m), lse = f32x4.splat(logOf(rowSumExp(px, m, n, 0)));
    for (let j = 0; j < n; j += 4) {
      const k = (<usize>j) << 2;
      storeLanes(py + k, f32x4.sub(f32x4.sub(v128.load(px + k), vm), lse), n - j);
    }
  }
}

/**
 * dx = dy − exp(y)·Σ dy per row, recomputing softmax = exp(y) from the saved
 * log-softmax output (a −inf entry gives exp = 0, so dx = dy there: finite).
 */
export function log_softmax_bwd(y: usize, dy: usize, dx: usize, rows: i32, n: i32): void {
  const rb = (<usize>n) << 2;
  for (let r = 0; r < rows; r++) {
    const py = y + (<usize>r) * rb, pd = dy + (<usize>r) * rb, po = dx + (<usize>r) * rb;
    let acc = f32x4.splat(0.0);
    for (let j = 0; j < n; j += 4) acc = f32x4.add(acc, v128.and(v128.load(pd + ((<usize>j) << 2)), laneMask(n - j)));
    const s = f32x4.splat(hsum(acc));
    for (let j = 0; j < n; j += 4) {
      const k = (<usize>j) << 2;
      storeLanes(po + k, f32x4.sub(v128.load(pd + k), f32x4.mul(exp_rr2_p5(v128.load(py + k)), s)), n - j);
    }
  }
}

/**
 * loss[r] = logsumexp(x[r]) − x[r, label[r]], computed as
 * ln Σ exp(x − max) − (x[label] − max), so logits [0, 1000] with label 0 give
 * exactly 1000. labels are i32 class indices; one out of [0, n) gives NaN
 * (the TS side validates first). A label logit of −inf gives +inf.
 */
export function softmax_xent_fwd(logits: usize, labels: usize, loss: usize, rows: i32, n: i32): void {
  const rb = (<usize>n) << 2;
  for (let r = 0; r < rows; r++) {
    const px = logits + (<usize>r) * rb;
    const label = load<i32>(labels + ((<usize>r) << 2));
    let v: f32 = NaN;
    if (label >= 0 && label < n) {
      const m = rowMax(px, n);
      const lse = logOf(rowSumExp(px, m, n, 0));
      v = lse - (load<f32>(px + ((<usize>label) << 2)) - m);
    }
    store<f32>(loss + ((<usize>r) << 2), v);
  }
}

/**
 * dx[r] = (softmax(x[r]) − onehot(label[r])) · g_r with g_r = dloss[r·dlossStride]:
 * dlossStride = 1 takes a per-row upstream gradient (reduction 'none'),
 * dlossStride = 0 one scalar for every row (reduction 'sum': g; 'mean': g/rows).
 * Softmax is recomputed from the logits (nothing is saved by the forward).
 * A row with an out-of-range label is all NaN.
 */
export function softmax_xent_bwd(
  logits: usize, labels: usize, dloss: usize, dx: usize, rows: i32, n: i32, dlossStride: i32,
): void {
  const rb = (<usize>n) << 2;
  for (let r = 0; r < rows; r++) {
    const px = logits + (<usize>r) * rb, po = dx + (<usize>r) * rb;
    const label = load<i32>(labels + ((<usize>r) << 2));
    const g = f32x4.splat(load<f32>(dloss + ((<usize>(r * dlossStride)) << 2)));
    const m = rowMax(px, n);
    const s = f32x4.splat(label >= 0 && label < n ? rowSumExp(px, m, n, 0) : NaN);
    const vm = f32x4.splat(m), vl = i32x4.splat(label);
    let idx = i32x4(0, 1, 2, 3);
    for (let j = 0; j < n; j += 4) {
      const k = (<usize>j) << 2;
      const p = f32x4.div(exp_rr2_p5(f32x4.sub(v128.load(px + k), vm)), s);
      const hot = v128.and(i32x4.eq(idx, vl), f32x4.splat(1.0));
      storeLanes(po + k, f32x4.mul(f32x4.sub(p, hot), g), n - j);
      idx = i32x4.add(idx, i32x4.splat(4));
    }
  }
}
