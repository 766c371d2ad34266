// SPDX-License-Identifier: MIT
// The public `simdgrad` entry: re-exports only. Zero dependencies, no Node built-ins.

export { autograd, grad, valueAndGrad } from './autograd.js';
export {
  arange,
  eye,
  full,
  linspace,
  ones,
  type TensorInput,
  tensor,
  zeros,
} from './creation.js';
export {
  type Backend,
  backend,
  type InitOptions,
  init,
  startThreads,
  threadStats,
  threads,
  tile,
} from './engine/load.js';
export type { PoolStats as ThreadStats } from './engine/stats.js';
export type { GemmTile, TileChoice } from './engine/tile.js';
export { SimdgradError } from './errors.js';
export { Int8Tensor } from './int8.js';
export * as io from './io/index.js';
export { keep, type MemoryInfo, memory, tidy } from './memory.js';
export * as nn from './nn/index.js';
export * from './ops/activations.js';
export { add, div, maximum, minimum, mul, pow, sub } from './ops/elementwise.js';
export { gather } from './ops/gather.js';
export { matmul } from './ops/matmul.js';
export { argmax, argmin, max, mean, min, sum } from './ops/reduce.js';
export { defineOp, type OpDef, type Saved, type TensorOrScalar } from './ops/registry.js';
export { clone, concat, detach, flatten, reshape, slice, transpose } from './ops/shape.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export { type OpName, opNames } from './ops/table.js';
export { abs, exp, log, neg, sqrt, square } from './ops/unary.js';
export * as optim from './optim/index.js';
export { type RandomOptions, rand, randn, seed } from './random.js';
export { type NestedArray, Tensor } from './tensor.js';
