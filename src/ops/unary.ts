// SPDX-License-Identifier: MIT
// Unary maps: neg exp log sqrt square abs, each with its fused backward kernel
// (assembly/elementwise.ts) reading the saved output (exp, sqrt) or input
// (log, square, abs). abs′(±0) = 0 (PyTorch's sign).

import { engine } from '../engine/load.js';
import { empty, type Tensor } from '../tensor.js';
import { negated } from './elementwise.js';
import { defineOp, method, type TensorOrScalar } from './registry.js';

type Fused = 'exp' | 'log' | 'sqrt' | 'square' | 'abs';

/** An op y = f(x) whose backward kernel reads the output (`fromOutput`) or the input. */
function unaryOp(name: Fused, fromOutput: boolean) {
  const fwd = `${name}_fwd` as const;
  const bwd = `${name}_bwd` as const;
  return defineOp({
    name,
    save: { inputs: fromOutput ? [] : [0], output: fromOutput },
    forward: ([x]) => {
      const y = empty(x.shape, name);
      if (y.size) engine().k[fwd](x.ptr, y.ptr, y.size);
      return y;
    },
    backward: (dy, { inputs: [x], output: y }) => {
      const dx = empty(dy.shape, name);
      if (dx.size) engine().k[bwd]((fromOutput ? y : x).ptr, dy.ptr, dx.ptr, dx.size);
      return [dx];
    },
  });
}

const expOp = unaryOp('exp', true);
const logOp = unaryOp('log', false);
const sqrtOp = unaryOp('sqrt', true);
const squareOp = unaryOp('square', false);
const absOp = unaryOp('abs', false);
const negOp = defineOp({
  name: 'neg',
  save: { inputs: [], output: false },
  forward: ([x]) => negated(x),
  backward: (dy) => [negated(dy)],
});

/** −x. */
export function neg(x: TensorOrScalar): Tensor {
  return negOp([x], undefined);
}
/** eˣ. */
export function exp(x: TensorOrScalar): Tensor {
  return expOp([x], undefined);
}
/** ln x (ln 0 = −inf; negative → NaN). */
export function log(x: TensorOrScalar): Tensor {
  return logOp([x], undefined);
}
/** √x. */
export function sqrt(x: TensorOrScalar): Tensor {
  return sqrtOp([x], undefined);
}
/** x². */
export function square(x: TensorOrScalar): Tensor {
  return squareOp([x], undefined);
}
/** |x|. */
export function abs(x: TensorOrScalar): Tensor {
  return absOp([x], undefined);
}

export const unaryOps = { neg: negOp, exp: expOp, log: logOp, sqrt: sqrtOp, square: squareOp, abs: absOp };

declare module '../tensor.js' {
  interface Tensor {
    /** −this; see {@link neg}. */
    neg(): Tensor;
    /** eˣ elementwise; see {@link exp}. */
    exp(): Tensor;
    /** The natural logarithm elementwise; see {@link log}. */
    log(): Tensor;
    /** The square root elementwise; see {@link sqrt}. */
    sqrt(): Tensor;
    /** x² elementwise; see {@link square}. */
    square(): Tensor;
    /** |x| elementwise; see {@link abs}. */
    abs(): Tensor;
  }
}
method('neg', neg);
method('exp', exp);
method('log', log);
method('sqrt', sqrt);
method('square', square);
method('abs', abs);
