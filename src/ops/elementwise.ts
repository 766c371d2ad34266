// SPDX-License-Identifier: MIT
// Broadcast binary ops (NumPy rules) and their gradients, summed back over the
// broadcast axes with sumTo (reduce.ts). Each collapses broadcasting to the
// kernels' [d0, d1, d2, n] form (broadcast.ts) and calls its kernel per block.

import { empty, type Tensor } from '../tensor.js';
import { type BinaryKernel, broadcastInto, broadcastShape } from './broadcast.js';
import { sumTo } from './reduce.js';
import { defineOp, method, type TensorOrScalar } from './registry.js';

export type { TensorOrScalar } from './registry.js';

/** A fresh kernel(a, b) with the broadcast shape (validated before allocating). @internal */
export function binary(kernel: BinaryKernel, op: string, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShape(op, a.shape, b.shape);
  return broadcastInto(kernel, a, b, empty(shape, op));
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

/** a + b with NumPy broadcasting. */
export function add(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  return addOp([a, b], undefined);
}

export const elementwiseOps = { add: addOp };

declare module '../tensor.js' {
  interface Tensor {
    add(other: TensorOrScalar): Tensor;
  }
}
method('add', add);
