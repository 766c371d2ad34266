// SPDX-License-Identifier: MIT
// Reductions: sum, mean, max, min (axis, keepdims) with gradients, argmax and
// argmin (no gradient), and sumTo, the gradient of broadcasting. Kernels work
// on one axis of a collapsed [outer, axisLen, inner] view (assembly/reduce.ts);
// several axes reduce group by group from the innermost. max/min route the
// gradient to the FIRST extreme index along each reduced group (torch.max(dim)
// semantics), via argmax/argmin indices saved by the forward.

import { fill } from '../buffers.js';
import { engine } from '../engine/load.js';
import { fail, fmt, normAxis } from '../errors.js';
import { empty, type Tensor } from '../tensor.js';
import { broadcastInto, broadcastStrides, collapse } from './broadcast.js';
import { defineOp, method, shapeOf, type TensorOrScalar } from './registry.js';

/** One pass of a reduction: input viewed as [P, R, Q], output [P, Q]. */
interface Pass {
  P: number;
  R: number;
  Q: number;
}

/** Merges neighbouring dims with the same flag (size-1 dims dropped) and lists the passes, innermost first. */
function passes(shape: readonly number[], reduce: readonly boolean[]): Pass[] {
  const dims: number[] = [];
  const red: boolean[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    if (red.length && red[red.length - 1] === reduce[i]) dims[dims.length - 1] *= d;
    else {
      dims.push(d);
      red.push(reduce[i]);
    }
  });
  const out: Pass[] = [];
  for (let g = dims.length - 1; g >= 0; g--) {
    if (!red[g]) continue;
    let P = 1;
    for (let i = 0; i < g; i++) P *= dims[i];
    let Q = 1;
    for (let i = g + 1; i < dims.length; i++) if (!red[i]) Q *= dims[i];
    out.push({ P, R: dims[g], Q });
  }
  return out;
}

/**
 * kernel over the axes where `reduce[i]`, into a fresh tensor of `outShape`.
 * `onPass(input, pass)` sees each intermediate input before it is reduced (max/min save argmax there).
 */
function reduceAxes(
  kernel: 'sum_fwd' | 'max_fwd' | 'min_fwd',
  x: Tensor,
  reduce: readonly boolean[],
  outShape: readonly number[],
  op: string,
  onPass?: (input: Tensor, p: Pass) => void,
): Tensor {
  const out = empty(outShape, op);
  if (out.size === 0) return out;
  if (x.size === 0) {
    fill(out, kernel === 'sum_fwd' ? 0 : kernel === 'max_fwd' ? -Infinity : Infinity);
    return out;
  }
  const k = engine().k[kernel];
  const ps = passes(x.shape, reduce);
  let cur = x;
  ps.forEach((p, i) => {
    onPass?.(cur, p);
    const dst = i === ps.length - 1 ? out : empty([p.P * p.Q], op);
    k(cur.ptr, dst.ptr, p.P, p.R, p.Q);
    if (cur !== x) cur.dispose();
    cur = dst;
  });
  if (ps.length === 0) engine().k.copy_f32(x.ptr, out.ptr, x.size); // only size-1 axes
  return out;
}

/** dy summed over the axes `shape` was broadcast along (dy itself when there are none). @internal */
export function sumTo(dy: Tensor, shape: readonly number[]): Tensor {
  if (fmt(dy.shape) === fmt(shape)) return dy;
  const out = empty(shape, 'sum');
  if (out.size === 0) return out;
  if (dy.size === 0) {
    fill(out, 0);
    return out;
  }
  const c = collapse(dy.shape, [broadcastStrides(shape, dy.shape)]);
  if (c.dims.length > 4) {
    // more than four non-mergeable dims: reduce axis by axis instead
    out.dispose();
    const nd = dy.ndim;
    const reduce = dy.shape.map((d, i) => {
      const j = i - (nd - shape.length);
      return j < 0 || (shape[j] === 1 && d !== 1);
    });
    return reduceAxes('sum_fwd', dy, reduce, shape, 'sum');
  }
  const pad = 4 - c.dims.length;
  const d = [...Array<number>(pad).fill(1), ...c.dims];
  const s = [...Array<number>(pad).fill(0), ...c.strides[0]];
  engine().k.sum_to(dy.ptr, out.ptr, d[0], d[1], d[2], d[3], s[0], s[1], s[2], s[3], out.size);
  return out;
}

export interface AxisAttrs {
  axes: boolean[];
  keepdims: boolean;
}

function axisAttrs(
  op: string,
  shape: readonly number[],
  axis: number | readonly number[] | undefined,
  keepdims = false,
): AxisAttrs {
  if (typeof keepdims !== 'boolean') fail(op, `keepdims must be a boolean, got ${String(keepdims)}`);
  const axes = new Array<boolean>(shape.length).fill(axis === undefined || axis === null);
  if (axis !== undefined && axis !== null) {
    for (const a of typeof axis === 'number' ? [axis] : axis) {
      if (typeof a !== 'number') fail(op, `axis must be an integer, got ${String(a)}`);
      axes[normAxis(op, a, shape)] = true;
    }
  }
  return { axes, keepdims };
}

function reducedShape(x: Tensor, { axes, keepdims }: AxisAttrs): number[] {
  return keepdims ? x.shape.map((d, i) => (axes[i] ? 1 : d)) : x.shape.filter((_, i) => !axes[i]);
}

/** Repeats g (reduced shape) back over the reduced axes of `shape`: out = 0 + g broadcast. @internal */
export function expandTo(g: Tensor, shape: readonly number[], axes: readonly boolean[]): Tensor {
  const out = empty(shape, 'sum');
  if (out.size === 0) return out;
  const zero = empty([], 'sum');
  engine().heap.f32[zero.ptr >>> 2] = 0;
  broadcastInto('add_fwd', zero, { ptr: g.ptr, shape: shape.map((d, i) => (axes[i] ? 1 : d)) }, out);
  zero.dispose();
  return out;
}

const sumOp = defineOp<AxisAttrs>({
  name: 'sum',
  save: { inputs: [], output: false },
  forward: ([x], attrs) => reduceAxes('sum_fwd', x, attrs.axes, reducedShape(x, attrs), 'sum'),
  backward: (dy, { inputs: [x], attrs }) => [expandTo(dy, x.shape, attrs.axes)],
});

/** t /= n in place (correctly rounded division by the count). */
function divideBy(t: Tensor, n: number): Tensor {
  const c = empty([], 'mean');
  engine().heap.f32[c.ptr >>> 2] = n;
  broadcastInto('div_fwd', t, c, t);
  c.dispose();
  return t;
}

function count(x: Tensor, axes: readonly boolean[]): number {
  return x.shape.reduce((n, d, i) => (axes[i] ? n * d : n), 1);
}

const meanOp = defineOp<AxisAttrs>({
  name: 'mean',
  save: { inputs: [], output: false },
  forward: ([x], a) => divideBy(reduceAxes('sum_fwd', x, a.axes, reducedShape(x, a), 'mean'), count(x, a.axes)),
  backward: (dy, { inputs: [x], attrs }) => [divideBy(expandTo(dy, x.shape, attrs.axes), count(x, attrs.axes))],
});

/** max/min: the forward saves, per pass, the argmax/argmin indices (as f32) for the backward scatter. */
function extremeOp(name: 'max' | 'min') {
  const kernel = `${name}_fwd` as const;
  const argKernel = `arg${name}_fwd` as const;
  return defineOp<AxisAttrs>({
    name,
    save: { inputs: [], output: false },
    forward: ([x], attrs, ctx) => {
      if (x.size === 0) fail(name, `cannot reduce an empty tensor ${fmt(x.shape)}`);
      return reduceAxes(kernel, x, attrs.axes, reducedShape(x, attrs), name, (input, p) => {
        if (!ctx.recording) return;
        const idx = empty([p.P, p.Q], name);
        engine().k[argKernel](input.ptr, idx.ptr, p.P, p.R, p.Q);
        ctx.save(idx);
      });
    },
    backward: (dy, { inputs: [x], attrs, extra }) => {
      const ps = passes(x.shape, attrs.axes);
      let g = dy;
      // undo the passes outermost-first: scatter g [P, Q] into [P, R, Q] at the saved indices
      for (let i = ps.length - 1; i >= 0; i--) {
        const { P, R, Q } = ps[i];
        const idx = extra[i].ptr >>> 2;
        const next = i === 0 ? empty(x.shape, name) : empty([P * R * Q], name);
        const o = next.ptr >>> 2;
        const s = g.ptr >>> 2;
        fill(next, 0);
        const f = engine().heap.f32; // after the allocation (a grow detaches older views)
        for (let p = 0; p < P; p++) {
          for (let q = 0; q < Q; q++) f[o + (p * R + f[idx + p * Q + q]) * Q + q] = f[s + p * Q + q];
        }
        if (g !== dy) g.dispose();
        g = next;
      }
      if (g === dy) return [expandTo(dy, x.shape, attrs.axes)]; // only size-1 axes reduced
      return [g];
    },
  });
}

const maxOp = extremeOp('max');
const minOp = extremeOp('min');

function argOp(name: 'argmax' | 'argmin') {
  const kernel = `${name}_fwd` as const;
  return defineOp<{ axis: number | null }>({
    name,
    save: { inputs: [], output: false },
    forward: ([x], { axis }) => {
      if (x.size === 0) fail(name, `cannot take ${name} of an empty tensor ${fmt(x.shape)}`);
      if (axis === null) {
        const y = empty([], name);
        engine().k[kernel](x.ptr, y.ptr, 1, x.size, 1);
        return y;
      }
      const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
      const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const y = empty(
        x.shape.filter((_, i) => i !== axis),
        name,
      );
      if (y.size) engine().k[kernel](x.ptr, y.ptr, outer, x.shape[axis], inner);
      return y;
    },
    backward: null, // integer-valued: no gradient
  });
}

const argmaxOp = argOp('argmax');
const argminOp = argOp('argmin');

type Axis = number | readonly number[];

/** Σ over `axis` (all axes when omitted); keepdims keeps them as size 1. */
export function sum(x: TensorOrScalar, axis?: Axis, keepdims?: boolean): Tensor {
  return sumOp([x], axisAttrs('sum', shapeOf('sum', x), axis, keepdims));
}
/** The mean over `axis` (all axes when omitted); NaN for an empty reduction. */
export function mean(x: TensorOrScalar, axis?: Axis, keepdims?: boolean): Tensor {
  return meanOp([x], axisAttrs('mean', shapeOf('mean', x), axis, keepdims));
}
/** The maximum over `axis` (NaN propagates); the gradient goes to the first maximal entry. */
export function max(x: TensorOrScalar, axis?: Axis, keepdims?: boolean): Tensor {
  return maxOp([x], axisAttrs('max', shapeOf('max', x), axis, keepdims));
}
/** The minimum over `axis` (NaN propagates); the gradient goes to the first minimal entry. */
export function min(x: TensorOrScalar, axis?: Axis, keepdims?: boolean): Tensor {
  return minOp([x], axisAttrs('min', shapeOf('min', x), axis, keepdims));
}
/** Index of the maximum along `axis` (of the flattened tensor when omitted), as an int-valued float tensor. */
export function argmax(x: TensorOrScalar, axis?: number): Tensor {
  return argmaxOp([x], { axis: axis === undefined ? null : normAxis('argmax', axis, shapeOf('argmax', x)) });
}
/** Index of the minimum along `axis` (of the flattened tensor when omitted). */
export function argmin(x: TensorOrScalar, axis?: number): Tensor {
  return argminOp([x], { axis: axis === undefined ? null : normAxis('argmin', axis, shapeOf('argmin', x)) });
}

export const reduceOps = { sum: sumOp, mean: meanOp, max: maxOp, min: minOp, argmax: argmaxOp, argmin: argminOp };

declare module '../tensor.js' {
  interface Tensor {
    /**
     * The sum over `axis` (a number or a list; all axes when omitted); see {@link sum}.
     * @example sg.tensor([[1, 2], [3, 4]]).sum(0).toArray() // [4, 6]
     */
    sum(axis?: Axis, keepdims?: boolean): Tensor;
    /** The mean over `axis` (all axes when omitted); see {@link mean}. */
    mean(axis?: Axis, keepdims?: boolean): Tensor;
    /** The maximum over `axis` (all axes when omitted); see {@link max}. */
    max(axis?: Axis, keepdims?: boolean): Tensor;
    /** The minimum over `axis` (all axes when omitted); see {@link min}. */
    min(axis?: Axis, keepdims?: boolean): Tensor;
    /**
     * Indices of the maxima along `axis` (of the flattened tensor when omitted), as an int-valued float tensor; no gradient.
     */
    argmax(axis?: number): Tensor;
    /** Indices of the minima along `axis` (of the flattened tensor when omitted); no gradient. */
    argmin(axis?: number): Tensor;
  }
}
method('sum', sum);
method('mean', mean);
method('max', max);
method('min', min);
method('argmax', argmax);
method('argmin', argmin);
