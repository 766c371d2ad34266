// SPDX-License-Identifier: MIT
// Broadcast binary ops (NumPy rules): add sub mul div maximum minimum pow, and
// their gradients summed back over the broadcast axes with sumTo (reduce.ts).
// Each collapses broadcasting to the kernels' [d0, d1, d2, n] form (broadcast.ts).

import { engine } from '../engine/load.js';
import { empty, type Tensor } from '../tensor.js';
import {
  type BinaryKernel,
  broadcastInto,
  broadcastShape,
  broadcastStrides,
  collapse,
  forEachBlock,
} from './broadcast.js';
import { sumTo } from './reduce.js';
import { defineOp, method, type TensorOrScalar } from './registry.js';

export type { TensorOrScalar } from './registry.js';

/** A fresh kernel(a, b) with the broadcast shape (validated before allocating). @internal */
export function binary(kernel: BinaryKernel, op: string, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShape(op, a.shape, b.shape);
  return broadcastInto(kernel, a, b, empty(shape, op));
}

/** sumTo that frees its (fresh, output-shaped) argument when it makes a new tensor. @internal */
export function reduceTo(g: Tensor, shape: readonly number[]): Tensor {
  const r = sumTo(g, shape);
  if (r !== g) g.dispose();
  return r;
}

/** −t into a fresh tensor. @internal */
export function negated(t: Tensor): Tensor {
  const y = empty(t.shape, 'neg');
  if (y.size) engine().k.neg_fwd(t.ptr, y.ptr, y.size);
  return y;
}

type MaskKernel = 'maximum_bwd' | 'minimum_bwd' | 'pow_bwd';

/** Runs a backward kernel writing output-shaped da, db (pow also reads the output y). */
function maskGrads(kernel: MaskKernel, a: Tensor, b: Tensor, dy: Tensor, y: Tensor | null): [Tensor, Tensor] {
  const da = empty(dy.shape, kernel);
  const db = empty(dy.shape, kernel);
  if (dy.size === 0) return [da, db];
  const k = engine().k;
  const c = collapse(dy.shape, [broadcastStrides(a.shape, dy.shape), broadcastStrides(b.shape, dy.shape)]);
  forEachBlock(c, ([oa, ob], oo, d, [sa, sb]) => {
    const pa = a.ptr + 4 * oa;
    const pb = b.ptr + 4 * ob;
    const o = 4 * oo;
    const dims = [d[0], d[1], d[2], d[3], sa[0], sa[1], sa[2], sa[3], sb[0], sb[1], sb[2], sb[3]] as const;
    if (kernel === 'pow_bwd') k.pow_bwd(pa, pb, y!.ptr + o, dy.ptr + o, da.ptr + o, db.ptr + o, ...dims);
    else k[kernel](pa, pb, dy.ptr + o, da.ptr + o, db.ptr + o, ...dims);
  });
  return [da, db];
}

function pick(needs: readonly boolean[], a: Tensor, b: Tensor, ga: Tensor, gb: Tensor): (Tensor | null)[] {
  if (!needs[0]) ga.dispose();
  if (!needs[1]) gb.dispose();
  return [needs[0] ? reduceTo(ga, a.shape) : null, needs[1] ? reduceTo(gb, b.shape) : null];
}

const addOp = defineOp({
  name: 'add',
  save: { inputs: [], output: false },
  forward: ([a, b]) => binary('add_fwd', 'add', a, b),
  backward: (dy, { inputs: [a, b], needs }) => [
    needs[0] ? sumTo(dy, a.shape) : null,
    needs[1] ? sumTo(dy, b.shape) : null,
  ],
});

const subOp = defineOp({
  name: 'sub',
  save: { inputs: [], output: false },
  forward: ([a, b]) => binary('sub_fwd', 'sub', a, b),
  backward: (dy, { inputs: [a, b], needs }) => [
    needs[0] ? sumTo(dy, a.shape) : null,
    needs[1] ? reduceTo(negated(dy), b.shape) : null,
  ],
});

const mulOp = defineOp({
  name: 'mul',
  save: { inputs: [0, 1], output: false },
  forward: ([a, b]) => binary('mul_fwd', 'mul', a, b),
  backward: (dy, { inputs: [a, b], needs }) => [
    needs[0] ? reduceTo(binary('mul_fwd', 'mul', dy, b), a.shape) : null,
    needs[1] ? reduceTo(binary('mul_fwd', 'mul', dy, a), b.shape) : null,
  ],
});

const divOp = defineOp({
  name: 'div',
  save: { inputs: [1], output: true },
  // da = dy / b; db = −(dy / b)·y with y = a / b the saved output
  forward: ([a, b]) => binary('div_fwd', 'div', a, b),
  backward: (dy, { inputs: [a, b], output: y, needs }) => {
    const t = binary('div_fwd', 'div', dy, b);
    let db: Tensor | null = null;
    if (needs[1]) {
      const u = binary('mul_fwd', 'div', t, y);
      engine().k.neg_fwd(u.ptr, u.ptr, u.size);
      db = reduceTo(u, b.shape);
    }
    if (!needs[0]) t.dispose();
    return [needs[0] ? reduceTo(t, a.shape) : null, db];
  },
});

const maximumOp = defineOp({
  name: 'maximum',
  save: { inputs: [0, 1], output: false },
  forward: ([a, b]) => binary('maximum_fwd', 'maximum', a, b),
  backward: (dy, { inputs: [a, b], needs }) => pick(needs, a, b, ...maskGrads('maximum_bwd', a, b, dy, null)),
});

const minimumOp = defineOp({
  name: 'minimum',
  save: { inputs: [0, 1], output: false },
  forward: ([a, b]) => binary('minimum_fwd', 'minimum', a, b),
  backward: (dy, { inputs: [a, b], needs }) => pick(needs, a, b, ...maskGrads('minimum_bwd', a, b, dy, null)),
});

const powOp = defineOp({
  name: 'pow',
  save: { inputs: [0, 1], output: true },
  forward: ([a, b]) => binary('pow_fwd', 'pow', a, b),
  backward: (dy, { inputs: [a, b], output: y, needs }) => pick(needs, a, b, ...maskGrads('pow_bwd', a, b, dy, y)),
});

/** a + b with NumPy broadcasting. */
export function add(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return addOp([a, b], undefined);
}
/** a − b with NumPy broadcasting. */
export function sub(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return subOp([a, b], undefined);
}
/** a · b (elementwise) with NumPy broadcasting. */
export function mul(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return mulOp([a, b], undefined);
}
/** a / b with NumPy broadcasting (IEEE: x/0 = ±inf). */
export function div(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return divOp([a, b], undefined);
}
/** max(a, b) elementwise; NaN propagates; ties split the gradient in halves (PyTorch). */
export function maximum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return maximumOp([a, b], undefined);
}
/** min(a, b) elementwise; NaN propagates; ties split the gradient in halves. */
export function minimum(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return minimumOp([a, b], undefined);
}
/** a^b elementwise (C99 special cases); ∂b is 0 where a = 0 and b ≥ 0 (PyTorch). */
export function pow(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return powOp([a, b], undefined);
}

export const elementwiseOps = {
  add: addOp,
  sub: subOp,
  mul: mulOp,
  div: divOp,
  maximum: maximumOp,
  minimum: minimumOp,
  pow: powOp,
};

declare module '../tensor.js' {
  interface Tensor {
    /** `this + other`, with broadcasting; see {@link add}. */
    add(other: TensorOrScalar): Tensor;
    /** `this − other`, with broadcasting; see {@link sub}. */
    sub(other: TensorOrScalar): Tensor;
    /** `this · other` elementwise, with broadcasting; see {@link mul}. */
    mul(other: TensorOrScalar): Tensor;
    /** `this / other`, with broadcasting; see {@link div}. */
    div(other: TensorOrScalar): Tensor;
    /** The larger of `this` and `other`, elementwise; see {@link maximum}. */
    maximum(other: TensorOrScalar): Tensor;
    /** The smaller of `this` and `other`, elementwise; see {@link minimum}. */
    minimum(other: TensorOrScalar): Tensor;
    /** `this` to the power `other`, elementwise; see {@link pow}. */
    pow(other: TensorOrScalar): Tensor;
  }
}
method('add', add);
method('sub', sub);
method('mul', mul);
method('div', div);
method('maximum', maximum);
method('minimum', minimum);
method('pow', pow);
