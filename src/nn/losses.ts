// SPDX-License-Identifier: MIT
// Losses. softmaxCrossEntropy is ONE fused node (one kernel each way): loss_i =
// logsumexp(z_i) − z_i[label_i] computed from the row max (stable for any
// logits, never through log(softmax)), backward (softmax − onehot)·g. mseLoss
// is mean((pred − target)²) from generic ops, as PyTorch's.

import { autograd } from '../autograd.js';
import { engine } from '../engine/load.js';
import { describe, fail, fmt } from '../errors.js';
import { defineOp } from '../ops/registry.js';
import { empty, Tensor } from '../tensor.js';

export type Reduction = 'mean' | 'sum' | 'none';
const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

function reductionOf(op: string, opts: { reduction?: Reduction } | undefined): Reduction {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) fail(op, 'options must be an object');
  const r = opts?.reduction ?? 'mean';
  if (!REDUCTIONS.includes(r)) fail(op, `reduction must be 'mean', 'sum' or 'none', got ${describe(r)}`);
  return r;
}

/** Labels as an i32 block inside a [B] tensor (the tape frees it with the node). */
function labelTensor(op: string, labels: unknown, B: number, C: number): Tensor {
  let vals: ArrayLike<number>;
  if (labels instanceof Tensor) vals = labels.check(op).view();
  else if (labels instanceof Int32Array || Array.isArray(labels)) vals = labels as ArrayLike<number>;
  else fail(op, `labels must be an Int32Array, a number[] or a Tensor of class indices, got ${describe(labels)}`);
  const len = vals.length;
  if (len !== B || (labels instanceof Tensor && labels.ndim !== 1)) {
    const what = labels instanceof Tensor ? `shape ${fmt(labels.shape)}` : `${len} labels`;
    fail(op, `expected ${B} labels (one per row of the [${B},${C}] logits), got ${what}`);
  }
  for (let i = 0; i < len; i++) {
    const v = vals[i];
    if (typeof v !== 'number' || !Number.isInteger(v))
      fail(op, `label at index ${i} is ${describe(v)}, not an integer class index`);
    if (v < 0 || v >= C) fail(op, `label ${v} at index ${i} is out of range for ${C} classes (expected 0…${C - 1})`);
  }
  const t = empty([B], op);
  if (B) engine().heap.i32.set(vals, t.ptr >>> 2);
  return t;
}

export interface XentAttrs {
  reduction: Reduction;
  /** The i32 labels; forward hands them to the tape (ctx.save), which frees them. */
  labels: Tensor;
}

/** inputs [logits]; the labels are an extra; backward recomputes softmax from the logits. */
const xent = defineOp<XentAttrs>({
  name: 'softmaxCrossEntropy',
  save: { inputs: [0], output: false },
  forward: ([z], { reduction, labels }, ctx) => {
    ctx.save(labels);
    const [B, C] = z.shape;
    const op = 'softmaxCrossEntropy';
    const rows = empty([B], op);
    let out = rows;
    if (reduction !== 'none') {
      try {
        out = empty([], op);
      } catch (e) {
        rows.dispose();
        throw e;
      }
    }
    const e = engine();
    if (B) e.k.softmax_xent_fwd(z.ptr, labels.ptr, rows.ptr, B, C);
    if (reduction !== 'none') {
      e.k.sum_fwd(rows.ptr, out.ptr, 1, B, 1);
      // mean = sum / B: one correctly rounded f32 division (an empty batch gives NaN, as PyTorch)
      const f = e.heap.f32;
      if (reduction === 'mean') f[out.ptr >>> 2] = B ? f[out.ptr >>> 2] / B : Number.NaN;
      else if (!B) f[out.ptr >>> 2] = 0;
      rows.dispose();
    }
    return out;
  },
  backward: (dy, s) => {
    const [z] = s.inputs;
    const [labels] = s.extra;
    const [B, C] = z.shape;
    const dz = empty(z.shape, 'softmaxCrossEntropy');
    if (!B) return [dz];
    const e = engine();
    if (s.attrs.reduction !== 'mean') {
      e.k.softmax_xent_bwd(z.ptr, labels.ptr, dy.ptr, dz.ptr, B, C, s.attrs.reduction === 'none' ? 1 : 0);
      return [dz];
    }
    let g: Tensor;
    try {
      g = empty([], 'softmaxCrossEntropy');
    } catch (err) {
      dz.dispose();
      throw err;
    }
    e.heap.f32[g.ptr >>> 2] = e.heap.f32[dy.ptr >>> 2] / B; // d mean / d row = dy / B, one f32 rounding
    e.k.softmax_xent_bwd(z.ptr, labels.ptr, g.ptr, dz.ptr, B, C, 0);
    g.dispose();
    return [dz];
  },
});

export interface HuberAttrs {
  delta: number;
  reduction: Reduction;
}

/** Per-element Huber loss in one kernel (assembly/losses.ts), then sum_fwd for 'sum'/'mean'. */
const huber = defineOp<HuberAttrs>({
  name: 'huberLoss',
  save: { inputs: [0, 1], output: false },
  forward: ([a, b], { delta, reduction }) => {
    const op = 'huberLoss';
    const n = a.size;
    const rows = empty(a.shape, op);
    const e = engine();
    if (n) e.k.huber_fwd(a.ptr, b.ptr, rows.ptr, n, delta);
    if (reduction === 'none') return rows;
    try {
      const out = empty([], op);
      e.k.sum_fwd(rows.ptr, out.ptr, 1, n, 1);
      const f = e.heap.f32;
      if (reduction === 'mean') f[out.ptr >>> 2] = n ? f[out.ptr >>> 2] / n : Number.NaN;
      else if (!n) f[out.ptr >>> 2] = 0;
      return out;
    } finally {
      rows.dispose();
    }
  },
  backward: (dy, { inputs: [a, b], attrs: { delta, reduction }, needs }) => {
    const op = 'huberLoss';
    const n = a.size;
    const e = engine();
    const da = empty(a.shape, op);
    let g: Tensor | null = null;
    try {
      if (reduction === 'mean') {
        g = empty([], op);
        e.heap.f32[g.ptr >>> 2] = e.heap.f32[dy.ptr >>> 2] / n; // d mean / d element, one f32 rounding
      }
      if (n) e.k.huber_bwd(a.ptr, b.ptr, (g ?? dy).ptr, reduction === 'none' ? 1 : 0, da.ptr, n, delta);
      let db: Tensor | null = null;
      if (needs[1]) {
        db = empty(b.shape, op);
        if (n) e.k.neg_fwd(da.ptr, db.ptr, n);
      }
      if (!needs[0]) da.dispose();
      return [needs[0] ? da : null, db];
    } catch (err) {
      da.dispose();
      throw err;
    } finally {
      g?.dispose();
    }
  },
});

/** The fused losses for the op table (src/ops/table.ts). */
export const lossOps = { softmaxCrossEntropy: xent, huberLoss: huber };

/**
 * PyTorch's HuberLoss: per element, with d = pred − target, 0.5·d² where
 * |d| < delta and delta·(|d| − 0.5·delta) elsewhere; reduction 'mean' (default),
 * 'sum' or 'none'. pred and target have one shape; delta > 0.
 */
export function huberLoss(pred: Tensor, target: Tensor, options?: { delta?: number; reduction?: Reduction }): Tensor {
  const op = 'huberLoss';
  if (!(pred instanceof Tensor) || !(target instanceof Tensor)) fail(op, 'pred and target must be Tensors');
  pred.check(op);
  target.check(op);
  const reduction = reductionOf(op, options);
  const delta = options?.delta ?? 1;
  if (typeof delta !== 'number' || !(delta > 0) || delta === Number.POSITIVE_INFINITY) {
    fail(op, `delta must be a positive finite number, got ${describe(delta)}`);
  }
  if (fmt(pred.shape) !== fmt(target.shape)) {
    fail(op, `pred ${fmt(pred.shape)} and target ${fmt(target.shape)} must have the same shape`);
  }
  return huber([pred, target], { delta, reduction });
}

/**
 * Cross-entropy of softmax(logits) against class indices, fused and stable for
 * any logits. logits [B, C]; labels: Int32Array | number[] | Tensor of B
 * integers in [0, C). reduction 'mean' (default) | 'sum' | 'none' ([B] losses).
 */
export function softmaxCrossEntropy(
  logits: Tensor,
  labels: Int32Array | readonly number[] | Tensor,
  options?: { reduction?: Reduction },
): Tensor {
  const op = 'softmaxCrossEntropy';
  if (!(logits instanceof Tensor)) fail(op, `logits must be a Tensor, got ${describe(logits)}`);
  logits.check(op);
  const reduction = reductionOf(op, options);
  if (logits.ndim !== 2) fail(op, `logits must be 2-D [batch, classes], got ${fmt(logits.shape)}`);
  const [B, C] = logits.shape;
  if (C === 0) fail(op, `logits ${fmt(logits.shape)} have no classes`);
  const lab = labelTensor(op, labels, B, C);
  try {
    return xent([logits], { reduction, labels: lab });
  } catch (e) {
    lab.dispose(); // a no-op when the op already freed it
    throw e;
  }
}

/** mean((pred − target)²) (or 'sum' / 'none'), pred and target of one shape, as PyTorch's MSELoss. */
export function mseLoss(pred: Tensor, target: Tensor, options?: { reduction?: Reduction }): Tensor {
  const op = 'mseLoss';
  if (!(pred instanceof Tensor) || !(target instanceof Tensor)) fail(op, 'pred and target must be Tensors');
  pred.check(op);
  target.check(op);
  const reduction = reductionOf(op, options);
  if (fmt(pred.shape) !== fmt(target.shape)) {
    fail(op, `pred ${fmt(pred.shape)} and target ${fmt(target.shape)} must have the same shape`);
  }
  const d = pred.sub(target);
  const sq = d.square();
  // intermediates the tape does not hold are freed now (taped ones go with tidy)
  if (!autograd.isRecording()) d.dispose();
  if (reduction === 'none') return sq;
  const out = reduction === 'sum' ? sq.sum() : sq.mean();
  if (!autograd.isRecording()) sq.dispose();
  return out;
}
