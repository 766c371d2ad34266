// SPDX-License-Identifier: MIT
// Reductions: sum over axes (and sumTo, the gradient of broadcasting).
// NOTE: until assembly/reduce.ts lands, sums run on the GEMM kernels against a
// vector of ones (gemv rows: one fixed k order, so results are deterministic and
// position-independent); the ones vector is internal scratch outside memory().

import { engine } from '../engine/load.js';
import { fail, fmt, normAxis } from '../errors.js';
import { empty, type Tensor } from '../tensor.js';
import { broadcastInto } from './broadcast.js';
import { asTensor, defineOp, method } from './registry.js';

let onesPtr = 0;
let onesLen = 0;
function onesVec(n: number): number {
  if (n > onesLen) {
    const h = engine().heap;
    const len = Math.max(n, 2 * onesLen, 64);
    const p = h.alloc(len * 4, 'sum');
    if (onesPtr) h.release(onesPtr);
    onesPtr = p;
    onesLen = len;
    h.f32.fill(1, p >>> 2, (p >>> 2) + len);
  }
  return onesPtr;
}

/**
 * Σ of x over the axes where `reduce[i]`, into a fresh tensor of `outShape`
 * (its size is the product of the kept dims, in order).
 */
function sumAxes(x: Tensor, reduce: readonly boolean[], outShape: readonly number[], op: string): Tensor {
  // merge neighbouring dims with the same flag, dropping size-1 dims
  const dims: number[] = [];
  const red: boolean[] = [];
  x.shape.forEach((d, i) => {
    if (d === 1) return;
    if (red.length && red[red.length - 1] === reduce[i]) dims[dims.length - 1] *= d;
    else {
      dims.push(d);
      red.push(reduce[i]);
    }
  });
  const out = empty(outShape, op);
  if (out.size === 0) return out;
  if (x.size === 0) {
    engine().heap.f32.fill(0, out.ptr >>> 2, (out.ptr >>> 2) + out.size);
    return out;
  }
  const { k, gemmWs } = engine();
  let cur = x;
  // reduce groups from the innermost outwards; each pass is [P, R, Q] → [P, Q]
  for (let g = dims.length - 1; g >= 0; g--) {
    if (!red[g]) continue;
    let P = 1;
    for (let i = 0; i < g; i++) P *= dims[i];
    let Q = 1;
    for (let i = g + 1; i < dims.length; i++) if (!red[i]) Q *= dims[i];
    const R = dims[g];
    const last = !red.slice(0, g).includes(true);
    const dst = last ? out : empty([P * Q], op);
    const ones = onesVec(R);
    if (Q === 1) k.gemm_nn(cur.ptr, ones, dst.ptr, P, 1, R, 0, gemmWs);
    else for (let p = 0; p < P; p++) k.gemm_nn(ones, cur.ptr + 4 * p * R * Q, dst.ptr + 4 * p * Q, 1, Q, R, 0, gemmWs);
    if (cur !== x) cur.dispose();
    cur = dst;
  }
  if (cur === x) {
    // nothing to reduce (only size-1 axes): a copy
    const f = engine().heap.f32;
    f.copyWithin(out.ptr >>> 2, x.ptr >>> 2, (x.ptr >>> 2) + x.size);
  }
  return out;
}

/** dy summed over the axes `shape` was broadcast along (returns dy itself when nothing to sum). @internal */
export function sumTo(dy: Tensor, shape: readonly number[]): Tensor {
  if (fmt(dy.shape) === fmt(shape)) return dy;
  const nd = dy.shape.length;
  const reduce = dy.shape.map((d, i) => {
    const j = i - (nd - shape.length);
    return j < 0 || (shape[j] === 1 && d !== 1);
  });
  return sumAxes(dy, reduce, shape, 'sum');
}

export interface AxisAttrs {
  axes: boolean[];
  keepdims: boolean;
}

function axisAttrs(op: string, x: Tensor, axis: number | readonly number[] | undefined, keepdims = false): AxisAttrs {
  if (typeof keepdims !== 'boolean') fail(op, `keepdims must be a boolean, got ${String(keepdims)}`);
  const axes = new Array<boolean>(x.ndim).fill(axis === undefined || axis === null);
  if (axis !== undefined && axis !== null) {
    for (const a of typeof axis === 'number' ? [axis] : axis) {
      if (typeof a !== 'number') fail(op, `axis must be an integer, got ${String(a)}`);
      axes[normAxis(op, a, x.shape)] = true;
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
  forward: ([x], attrs) => sumAxes(x, attrs.axes, reducedShape(x, attrs), 'sum'),
  backward: (dy, { inputs: [x], attrs }) => [expandTo(dy, x.shape, attrs.axes)],
});

/** Σ over `axis` (all axes when omitted); keepdims keeps them as size 1. */
export function sum(x: Tensor, axis?: number | readonly number[], keepdims?: boolean): Tensor {
  return sumOp([x], axisAttrs('sum', asTensor('sum', x), axis, keepdims));
}

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
  forward: ([x], attrs) => divideBy(sumAxes(x, attrs.axes, reducedShape(x, attrs), 'mean'), count(x, attrs.axes)),
  backward: (dy, { inputs: [x], attrs }) => [divideBy(expandTo(dy, x.shape, attrs.axes), count(x, attrs.axes))],
});

/** The mean over `axis` (all axes when omitted); NaN for an empty reduction. */
export function mean(x: Tensor, axis?: number | readonly number[], keepdims?: boolean): Tensor {
  return meanOp([x], axisAttrs('mean', asTensor('mean', x), axis, keepdims));
}

export const reduceOps = { sum: sumOp, mean: meanOp };

declare module '../tensor.js' {
  interface Tensor {
    sum(axis?: number | readonly number[], keepdims?: boolean): Tensor;
    mean(axis?: number | readonly number[], keepdims?: boolean): Tensor;
  }
}
method('sum', sum);
method('mean', mean);
