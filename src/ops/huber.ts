// SPDX-License-Identifier: MIT
// PyTorch's Huber loss as ONE tape node: the per-element loss in one kernel
// (assembly/losses.ts huber_fwd) reduced by sum_fwd in a fixed order, and the
// gradient in one kernel (huber_bwd; ∂target = −∂pred).

import { engine } from '../engine/load.js';
import { describe, fail, fmt } from '../errors.js';
import { empty, Tensor } from '../tensor.js';
import { defineOp } from './registry.js';
import { type Reduction, reductionOf } from './xent.js';

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

/** The op row of src/ops/table.ts. */
export const huberOps = { huberLoss: huber };

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
