// SPDX-License-Identifier: MIT
// Shape ops: reshape, flatten, transpose/T, concat, slice, clone, detach (gather: gather.ts).
// NOTE: these only move data; they run as exact JS copies over the wasm heap
// (typed-array copyWithin / element loops), no arithmetic except gather's
// backward scatter-add (f32 sums rounded with Math.fround, in index order).
// `x.T` is a view without data (src/view.ts), so matmul(a, b.T) runs gemm_nt on
// b without any copy (matmul.ts).

import { fill } from '../buffers.js';
import { engine } from '../engine/load.js';
import { checkShape, describe, fail, fmt, normAxis } from '../errors.js';
import { tapeFor } from '../tape.js';
import { empty, Tensor, transposeInto } from '../tensor.js';
import { transposeView } from '../view.js';
import { asTensor, defineOp, method, setViewCopy, shapeOf, type TensorOrScalar } from './registry.js';

const heap = () => engine().heap.f32;

function copyTensor(x: Tensor, shape: readonly number[], op: string): Tensor {
  const y = empty(shape, op);
  const f = heap();
  f.copyWithin(y.ptr >>> 2, x.ptr >>> 2, (x.ptr >>> 2) + x.size);
  return y;
}

// ---- reshape / flatten / clone / detach ----

function resolveShape(x: { shape: readonly number[]; size: number }, shape: unknown): number[] {
  const op = 'reshape';
  if (!Array.isArray(shape)) fail(op, `shape must be an array, got ${describe(shape)}`);
  const dims = shape.slice() as number[];
  const free = dims.reduce((n: number, d, i) => (d === -1 ? (n === -1 ? i : -2) : n), -1);
  if (free === -2) fail(op, `only one dim can be -1, got ${fmt(dims)}`);
  if (free >= 0) {
    const known = checkShape(
      op,
      dims.filter((d) => d !== -1),
    );
    if (known === 0 || x.size % known !== 0) {
      fail(op, `cannot infer the -1 in ${fmt(dims)} for a tensor of shape ${fmt(x.shape)} (size ${x.size})`);
    }
    dims[free] = x.size / known;
  }
  const size = checkShape(op, dims);
  if (size !== x.size) {
    fail(op, `cannot reshape ${fmt(x.shape)} (size ${x.size}) into ${fmt(dims)} (size ${size})`);
  }
  return dims;
}

const reshapeOp = defineOp<{ shape: number[] }>({
  name: 'reshape',
  save: { inputs: [], output: false },
  forward: ([x], { shape }) => copyTensor(x, shape, 'reshape'),
  backward: (dy, { inputs: [x] }) => [copyTensor(dy, x.shape, 'reshape')],
});

/** The same data in a new shape (one dim may be -1). */
export function reshape(x: TensorOrScalar, shape: readonly number[]): Tensor {
  const s = shapeOf('reshape', x);
  return reshapeOp([x], { shape: resolveShape({ shape: s, size: s.reduce((a, b) => a * b, 1) }, shape) });
}

/**
 * Merges axes `startDim`…`endDim` (inclusive, negative counts from the end) into
 * one, as `torch.flatten`: `t.flatten()` is 1-D, `t.flatten(1)` keeps the first
 * axis (`[B, C, H] → [B, C·H]`); a 0-D tensor becomes `[1]`.
 * @example sg.zeros([2, 3, 4]).flatten(1).shape // [2, 12]
 */
export function flatten(x: TensorOrScalar, startDim = 0, endDim = -1): Tensor {
  const op = 'flatten';
  const s = shapeOf(op, x);
  const dims = s.length === 0 ? [1] : s;
  const a = normAxis(op, startDim, dims);
  const b = normAxis(op, endDim, dims);
  if (a > b) fail(op, `startDim ${startDim} comes after endDim ${endDim} for shape ${fmt(s)}`);
  const merged = dims.slice(a, b + 1).reduce((p, d) => p * d, 1);
  return reshapeOp([x], { shape: [...dims.slice(0, a), merged, ...dims.slice(b + 1)] });
}

const cloneOp = defineOp({
  name: 'clone',
  save: { inputs: [], output: false },
  forward: ([x]) => copyTensor(x, x.shape, 'clone'),
  backward: (dy) => [dy],
});

/** A copy that stays on the tape (gradients flow through). */
export function clone(x: TensorOrScalar): Tensor {
  return cloneOp([x], undefined);
}

const detachOp = defineOp({
  name: 'detach',
  save: { inputs: [], output: false },
  forward: ([x]) => copyTensor(x, x.shape, 'detach'),
  backward: null, // a constant: no gradient flows through detach
});

/** A copy off the tape (a constant for autograd). */
export function detach(x: TensorOrScalar): Tensor {
  return detachOp([x], undefined);
}

// ---- transpose (2-D): a view (src/view.ts); the op is the copy behind it ----

/** The recorded transposed copy: what an op that is not matmul gets for a view input. */
const transposeOp = defineOp({
  name: 'transpose',
  save: { inputs: [], output: false },
  forward: ([x]) => {
    if (x.ndim !== 2) fail('transpose', `expected a 2-D tensor, got shape ${fmt(x.shape)}`);
    const y = empty([x.shape[1], x.shape[0]], 'transpose');
    transposeInto(x, y);
    return y;
  },
  backward: (dy) => {
    const dx = empty([dy.shape[1], dy.shape[0]], 'transpose');
    transposeInto(dy, dx);
    return [dx];
  },
});

setViewCopy(transposeOp);

/**
 * The transpose of a 2-D tensor (also `x.T`): a view that takes no memory
 * (src/view.ts); the transpose of a view is a copy of its base.
 */
export function transpose(x: TensorOrScalar): Tensor {
  const t = asTensor('transpose', x);
  if (t.ndim !== 2) fail('transpose', `expected a 2-D tensor, got shape ${fmt(t.shape)}`);
  const base = t.base;
  return base ? clone(base) : transposeView(t, tapeFor() !== null);
}

// ---- concat ----

/** Copies `rows` blocks of `len` elements from a (stride sa) to b (stride sb). */
function blockCopy(src: number, sa: number, dst: number, sb: number, rows: number, len: number): void {
  const f = heap();
  let s = src >>> 2;
  let d = dst >>> 2;
  for (let r = 0; r < rows; r++, s += sa, d += sb) f.copyWithin(d, s, s + len);
}

const concatOp = defineOp<{ axis: number }>({
  name: 'concat',
  save: { inputs: [], output: false },
  forward: (xs, { axis }) => {
    const first = xs[0].shape;
    for (const t of xs) {
      if (t.ndim !== first.length || t.shape.some((d, i) => i !== axis && d !== first[i])) {
        fail('concat', `shapes ${xs.map((x) => fmt(x.shape)).join(', ')} differ outside axis ${axis}`);
      }
    }
    const shape = first.slice();
    shape[axis] = xs.reduce((s, t) => s + t.shape[axis], 0);
    const y = empty(shape, 'concat');
    const outer = first.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = first.slice(axis + 1).reduce((a, b) => a * b, 1);
    let off = 0;
    for (const t of xs) {
      const len = t.shape[axis] * inner;
      if (len && outer) blockCopy(t.ptr, len, y.ptr + 4 * off, shape[axis] * inner, outer, len);
      off += len;
    }
    return y;
  },
  backward: (dy, { inputs, attrs: { axis }, needs }) => {
    const inner = dy.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const outer = dy.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    let off = 0;
    return inputs.map((t, i) => {
      const len = t.shape[axis] * inner;
      let g: Tensor | null = null;
      if (needs[i]) {
        g = empty(t.shape, 'concat');
        if (len && outer) blockCopy(dy.ptr + 4 * off, dy.shape[axis] * inner, g.ptr, len, outer, len);
      }
      off += len;
      return g;
    });
  },
});

/** Joins tensors of equal shape outside `axis`. */
export function concat(list: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(list) || list.length === 0) fail('concat', 'expected a non-empty array of tensors');
  const first = asTensor('concat', list[0]);
  for (const t of list) asTensor('concat', t);
  return concatOp(list, { axis: normAxis('concat', axis, first.shape) });
}

// ---- slice ----

export interface SliceAttrs {
  begin: number[];
  size: number[];
}

function sliceAttrs(x: { shape: readonly number[]; ndim: number }, begin: unknown, size: unknown): SliceAttrs {
  const op = 'slice';
  const arr = (v: unknown, name: string): number[] => {
    if (!Array.isArray(v) || v.length !== x.ndim || v.some((d) => !Number.isInteger(d))) {
      fail(op, `${name} must be an array of ${x.ndim} integers (one per axis of ${fmt(x.shape)}), got ${describe(v)}`);
    }
    return v as number[];
  };
  const b = arr(begin, 'begin');
  const s = arr(size, 'size').map((d, i) => (d === -1 ? x.shape[i] - b[i] : d));
  for (let i = 0; i < x.ndim; i++) {
    if (b[i] < 0 || s[i] < 0 || b[i] + s[i] > x.shape[i]) {
      fail(op, `begin ${fmt(b)} with size ${fmt(s)} is out of bounds for shape ${fmt(x.shape)} (axis ${i})`);
    }
  }
  return { begin: b, size: s };
}

/** Visits every innermost row of the box `size` at `begin` in a tensor of `shape`: (srcElemOffset, dstElemOffset, len). */
function forEachRow(
  shape: readonly number[],
  { begin, size }: SliceAttrs,
  f: (s: number, d: number, n: number) => void,
) {
  const nd = shape.length;
  const total = size.reduce((a, b) => a * b, 1);
  if (total === 0) return;
  if (nd === 0) return f(0, 0, 1);
  const strides = new Array<number>(nd);
  for (let i = nd - 1, s = 1; i >= 0; s *= shape[i], i--) strides[i] = s;
  const len = size[nd - 1];
  const idx = new Array<number>(nd - 1).fill(0);
  for (let d = 0; d < total; d += len) {
    let s = begin[nd - 1];
    for (let i = 0; i < nd - 1; i++) s += (begin[i] + idx[i]) * strides[i];
    f(s, d, len);
    for (let i = nd - 2; i >= 0 && ++idx[i] === size[i]; i--) idx[i] = 0;
  }
}

const sliceOp = defineOp<SliceAttrs>({
  name: 'slice',
  save: { inputs: [], output: false },
  forward: ([x], attrs) => {
    const y = empty(attrs.size, 'slice');
    const f = heap();
    const xs = x.ptr >>> 2;
    const ys = y.ptr >>> 2;
    forEachRow(x.shape, attrs, (s, d, n) => f.copyWithin(ys + d, xs + s, xs + s + n));
    return y;
  },
  backward: (dy, { inputs: [x], attrs }) => {
    const dx = empty(x.shape, 'slice');
    const f = heap();
    const xs = dx.ptr >>> 2;
    const ys = dy.ptr >>> 2;
    fill(dx, 0);
    forEachRow(x.shape, attrs, (s, d, n) => f.copyWithin(xs + s, ys + d, ys + d + n));
    return [dx];
  },
});

/** The box of `size` starting at `begin` (one entry per axis; a size of -1 runs to the end). */
export function slice(x: TensorOrScalar, begin: readonly number[], size: readonly number[]): Tensor {
  const s = shapeOf('slice', x);
  return sliceOp([x], sliceAttrs({ shape: s, ndim: s.length }, begin, size));
}

export const shapeOps = {
  reshape: reshapeOp,
  clone: cloneOp,
  detach: detachOp,
  transpose: transposeOp,
  concat: concatOp,
  slice: sliceOp,
};

declare module '../tensor.js' {
  interface Tensor {
    /**
     * The same values in a new shape (one dim may be −1); see {@link reshape}.
     * @example sg.arange(6).reshape([2, -1]).shape // [2, 3]
     */
    reshape(shape: readonly number[]): Tensor;
    /** {@link flatten}: merges axes startDim…endDim (default: all, giving a 1-D tensor). */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** A copy that stays on the tape (gradients flow through). */
    clone(): Tensor;
    /** A copy off the tape: no gradient flows back through it. */
    detach(): Tensor;
    /** The transpose of a 2-D tensor (also `x.T`). */
    transpose(): Tensor;
    /** The transpose (2-D): a view taking no memory, so matmul(a, b.T) runs gemm_nt without a copy. */
    readonly T: Tensor;
    /**
     * The block starting at `begin` of extent `size` (one entry per axis; a size of −1 runs to the end); see {@link slice}.
     * @example sg.arange(10).slice([2], [3]).toArray() // [2, 3, 4]
     */
    slice(begin: readonly number[], size: readonly number[]): Tensor;
    /**
     * {@link concat} with this tensor first: `a.concat([b, c], axis)` ≡ `sg.concat([a, b, c], axis)`
     * (a single tensor may be passed instead of the array).
     */
    concat(others: Tensor | readonly Tensor[], axis?: number): Tensor;
  }
}
method('reshape', reshape);
method('flatten', flatten);
method('clone', clone);
method('detach', detach);
method('transpose', transpose);
method('slice', slice);
method('concat', (x: Tensor, others: Tensor | readonly Tensor[], axis?: number) => {
  if (others instanceof Tensor) return concat([x, others], axis);
  if (!Array.isArray(others)) fail('concat', `expected a tensor or an array of tensors, got ${describe(others)}`);
  return concat([x, ...others], axis);
});
Object.defineProperty(Tensor.prototype, 'T', {
  get(this: Tensor) {
    return transpose(this);
  },
  configurable: true,
});
