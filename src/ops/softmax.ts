// SPDX-License-Identifier: MIT
// softmax and logSoftmax along an axis (default −1) on the row kernels of
// assembly/softmax.ts (max-subtracted; logSoftmax never goes through
// log(softmax)). Backward reads the saved output. Another axis than the last is
// moved to the end and back by an exact JS permutation copy (data movement only).

import { engine } from '../engine/load.js';
import { normAxis } from '../errors.js';
import { empty, type Tensor } from '../tensor.js';
import { defineOp, method, shapeOf, type TensorOrScalar } from './registry.js';

/** Copies x with `axis` moved to the end (back = false) or the last axis moved to `axis` (back = true). */
function moveAxis(x: Tensor, axis: number, back: boolean, op: string): Tensor {
  const nd = x.ndim;
  const perm = [...Array(nd).keys()];
  perm.splice(axis, 1);
  if (back) perm.splice(axis, 0, nd - 1);
  else perm.push(axis);
  const srcShape = x.shape;
  const shape = back
    ? perm.map((_, i) => (i === axis ? srcShape[nd - 1] : srcShape[i < axis ? i : i - 1]))
    : perm.map((p) => srcShape[p]);
  const y = empty(shape, op);
  const strides = new Array<number>(nd);
  for (let i = nd - 1, s = 1; i >= 0; s *= srcShape[i], i--) strides[i] = s;
  const src = back
    ? perm.map((_, i) => (i === axis ? strides[nd - 1] : strides[i < axis ? i : i - 1]))
    : perm.map((p) => strides[p]);
  const f = engine().heap.f32;
  const xs = x.ptr >>> 2;
  const ys = y.ptr >>> 2;
  const idx = new Array<number>(nd).fill(0);
  for (let o = 0; o < y.size; o++) {
    let off = 0;
    for (let i = 0; i < nd; i++) off += idx[i] * src[i];
    f[ys + o] = f[xs + off];
    for (let i = nd - 1; i >= 0 && ++idx[i] === shape[i]; i--) idx[i] = 0;
  }
  return y;
}

function rowOp(
  name: 'softmax' | 'logSoftmax',
  fwd: 'softmax_fwd' | 'log_softmax_fwd',
  bwd: 'softmax_bwd' | 'log_softmax_bwd',
) {
  /** Runs a row kernel on x along `axis`, moving the axis to the end and back when needed. */
  const rows = (x: Tensor, axis: number, run: (src: Tensor, dst: Tensor, r: number, n: number) => void) => {
    const last = axis === x.ndim - 1 || x.ndim === 0;
    const src = last ? x : moveAxis(x, axis, false, name);
    const dst = empty(src.shape, name);
    const n = x.ndim === 0 ? 1 : x.shape[axis];
    if (dst.size) run(src, dst, dst.size / n, n);
    if (src !== x) src.dispose();
    if (last) return dst;
    const out = moveAxis(dst, axis, true, name);
    dst.dispose();
    return out;
  };
  return defineOp<{ axis: number }>({
    name,
    save: { inputs: [], output: true },
    forward: ([x], { axis }) => rows(x, axis, (s, d, r, n) => engine().k[fwd](s.ptr, d.ptr, r, n)),
    backward: (dy, { output: y, attrs: { axis } }) => {
      const last = axis === y.ndim - 1 || y.ndim === 0;
      const ys = last ? y : moveAxis(y, axis, false, name);
      const dx = rows(dy, axis, (s, d, r, n) => engine().k[bwd](ys.ptr, s.ptr, d.ptr, r, n));
      if (ys !== y) ys.dispose();
      return [dx];
    },
  });
}

const softmaxOp = rowOp('softmax', 'softmax_fwd', 'softmax_bwd');
const logSoftmaxOp = rowOp('logSoftmax', 'log_softmax_fwd', 'log_softmax_bwd');

function axisOf(op: string, x: TensorOrScalar, axis: number): number {
  const shape = shapeOf(op, x);
  return shape.length === 0 && (axis === 0 || axis === -1) ? 0 : normAxis(op, axis, shape);
}

/** exp(x − max) / Σ exp(x − max) along `axis` (default −1). */
export function softmax(x: TensorOrScalar, axis = -1): Tensor {
  return softmaxOp([x], { axis: axisOf('softmax', x, axis) });
}
/** x − max − ln Σ exp(x − max) along `axis` (default −1), stable for any logits. */
export function logSoftmax(x: TensorOrScalar, axis = -1): Tensor {
  return logSoftmaxOp([x], { axis: axisOf('logSoftmax', x, axis) });
}

export const softmaxOps = { softmax: softmaxOp, logSoftmax: logSoftmaxOp };

declare module '../tensor.js' {
  interface Tensor {
    /** Softmax over `axis` (default −1); see {@link softmax}. */
    softmax(axis?: number): Tensor;
    /** log(softmax) over `axis` (default −1), computed stably; see {@link logSoftmax}. */
    logSoftmax(axis?: number): Tensor;
  }
}
method('softmax', softmax);
method('logSoftmax', logSoftmax);
