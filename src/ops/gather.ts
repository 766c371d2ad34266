// SPDX-License-Identifier: MIT
// gather: entries picked along an axis by integer indices. An exact JS copy over
// the wasm heap; its backward scatter-adds in index order (f32 sums rounded with
// Math.fround), so repeated indices accumulate deterministically.

import { fill } from '../buffers.js';
import { engine } from '../engine/load.js';
import { describe, fail, fmt, normAxis } from '../errors.js';
import { empty, Tensor } from '../tensor.js';
import { asTensor, defineOp, method } from './registry.js';

const heap = () => engine().heap.f32;

export interface GatherAttrs {
  idx: Int32Array;
  idxShape: number[];
  axis: number;
}

function gatherAttrs(x: Tensor, indices: unknown, axis: number): GatherAttrs {
  const op = 'gather';
  const ax = normAxis(op, axis, x.shape);
  let vals: ArrayLike<number>;
  let shape: number[];
  if (indices instanceof Tensor) {
    vals = indices.check(op).data();
    shape = indices.shape.slice();
  } else if (Array.isArray(indices) || indices instanceof Int32Array || indices instanceof Float32Array) {
    vals = indices as ArrayLike<number>;
    shape = [vals.length];
  } else {
    fail(op, `indices must be a tensor, an Int32Array or an array of integers, got ${describe(indices)}`);
  }
  const idx = new Int32Array(vals.length);
  const n = x.shape[ax];
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      fail(op, `index ${String(v)} at position ${i} is not an integer (indices along axis ${ax} of ${fmt(x.shape)})`);
    }
    if (v < 0 || v >= n) {
      fail(op, `index ${String(v)} at position ${i} is out of range for axis ${ax} of ${fmt(x.shape)} (size ${n})`);
    }
    idx[i] = v;
  }
  return { idx, idxShape: shape, axis: ax };
}

function gatherGeom(x: readonly number[], { axis }: GatherAttrs) {
  const outer = x.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.slice(axis + 1).reduce((a, b) => a * b, 1);
  return { outer, inner, n: x[axis] };
}

export const gatherOp = defineOp<GatherAttrs>({
  name: 'gather',
  save: { inputs: [], output: false },
  forward: ([x], a) => {
    const shape = [...x.shape.slice(0, a.axis), ...a.idxShape, ...x.shape.slice(a.axis + 1)];
    const y = empty(shape, 'gather');
    const { outer, inner, n } = gatherGeom(x.shape, a);
    const f = heap();
    const xs = x.ptr >>> 2;
    let d = y.ptr >>> 2;
    if (y.size === 0) return y;
    for (let o = 0; o < outer; o++) {
      for (const i of a.idx) {
        const s = xs + (o * n + i) * inner;
        f.copyWithin(d, s, s + inner);
        d += inner;
      }
    }
    return y;
  },
  backward: (dy, { inputs: [x], attrs: a }) => {
    const dx = empty(x.shape, 'gather');
    const { outer, inner, n } = gatherGeom(x.shape, a);
    const f = heap();
    const xs = dx.ptr >>> 2;
    fill(dx, 0);
    let d = dy.ptr >>> 2;
    if (dy.size === 0) return [dx];
    for (let o = 0; o < outer; o++) {
      for (const i of a.idx) {
        const s = xs + (o * n + i) * inner;
        for (let k = 0; k < inner; k++) f[s + k] = Math.fround(f[s + k] + f[d + k]);
        d += inner;
      }
    }
    return [dx];
  },
});

/** Picks entries along `axis` (output shape: x's with that axis replaced by the indices' shape). */
export function gather(x: Tensor, indices: Tensor | Int32Array | readonly number[], axis = 0): Tensor {
  return gatherOp([x], gatherAttrs(asTensor('gather', x), indices, axis));
}

declare module '../tensor.js' {
  interface Tensor {
    /** The entries at `indices` along `axis` (default 0); see {@link gather}. */
    gather(indices: Tensor | Int32Array | readonly number[], axis?: number): Tensor;
  }
}
method('gather', gather);
