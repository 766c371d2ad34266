// SPDX-License-Identifier: MIT
// Broadcast binary ops: each collapses NumPy broadcasting to the kernels'
// [d0, d1, d2, n] form (see broadcast.ts) and calls its kernel once per block.

import { tensor } from '../creation.js';
import { engine } from '../engine/load.js';
import { empty, Tensor } from '../tensor.js';
import { broadcastShape, broadcastStrides, collapse, forEachBlock } from './broadcast.js';

type BinaryKernel = 'add_fwd';
export type TensorOrScalar = Tensor | number;

/** Runs `fn` with both operands as tensors; a scalar becomes a temporary 0-D tensor, freed afterwards. */
export function withTensors<T>(op: string, x: TensorOrScalar, y: TensorOrScalar, fn: (a: Tensor, b: Tensor) => T): T {
  const a = x instanceof Tensor ? x.check(op) : tensor(x);
  let b: Tensor | undefined;
  try {
    b = y instanceof Tensor ? y.check(op) : tensor(y);
    return fn(a, b);
  } finally {
    if (a !== x) a.dispose();
    if (b !== undefined && b !== y) b.dispose();
  }
}

/** out = kernel(a, b) with NumPy broadcasting. */
export function binary(kernel: BinaryKernel, op: string, x: TensorOrScalar, y: TensorOrScalar): Tensor {
  return withTensors(op, x, y, (a, b) => {
    const shape = broadcastShape(op, a.shape, b.shape);
    const out = empty(shape, op);
    if (out.size === 0) return out;
    const k = engine().k[kernel];
    const c = collapse(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
    forEachBlock(c, ([oa, ob], oo, d, [sa, sb]) => {
      k(
        a.ptr + 4 * oa,
        b.ptr + 4 * ob,
        out.ptr + 4 * oo,
        d[0],
        d[1],
        d[2],
        d[3],
        sa[0],
        sa[1],
        sa[2],
        sa[3],
        sb[0],
        sb[1],
        sb[2],
        sb[3],
      );
    });
    return out;
  });
}

/** a + b with NumPy broadcasting. */
export function add(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return binary('add_fwd', 'add', a, b);
}

declare module '../tensor.js' {
  interface Tensor {
    add(other: TensorOrScalar): Tensor;
  }
}
Tensor.prototype.add = function (this: Tensor, other: TensorOrScalar) {
  return add(this, other);
};
