// SPDX-License-Identifier: MIT
// The public `simdgrad` entry: re-exports only. Zero dependencies, no Node built-ins.

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
export { type Backend, backend, type InitOptions, init } from './engine/load.js';
export { SimdgradError } from './errors.js';
export * as io from './io/index.js';
export { keep, type MemoryInfo, memory, tidy } from './memory.js';
export { add, type TensorOrScalar } from './ops/elementwise.js';
export { type NestedArray, Tensor } from './tensor.js';
