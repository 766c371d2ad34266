// SPDX-License-Identifier: MIT
// Fused softmax cross-entropy: ONE tape node (one kernel each way): loss_i =
// logsumexp(z_i) − z_i[label_i] computed from the row max (stable for any
// logits, never through log(softmax)), backward (softmax − onehot)·g.

import { engine } from '../engine/load.js';
import { describe, fail, fmt } from '../errors.js';
import { empty, Tensor } from '../tensor.js';
import { defineOp } from './registry.js';

/** How a loss reduces over the batch: `'mean'` (default), `'sum'`, or `'none'` (one value per row). */
export type Reduction = 'mean' | 'sum' | 'none';
const REDUCTIONS: readonly Reduction[] = ['mean', 'sum', 'none'];

export function reductionOf(op: string, opts: { reduction?: Reduction } | undefined): Reduction {
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

/** The fused loss for the op table (src/ops/table.ts). */
export const lossOps = { softmaxCrossEntropy: xent };

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
