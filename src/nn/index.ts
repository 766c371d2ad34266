// SPDX-License-Identifier: MIT
// `sg.nn`: PyTorch-named layers, Sequential/MLP with fused Linear+activation, losses.

export type { MLPActivation } from '../ops/activations.js';
export { type Activation, linear } from '../ops/linear.js';
export * from './activations.js';
export { Dropout, type DropoutOptions, dropout } from './dropout.js';
export * as init from './init.js';
export { Flatten, Linear, Softmax } from './layers.js';
export { huberLoss, mseLoss, type Reduction, softmaxCrossEntropy } from './losses.js';
export { Module, type StateDict } from './module.js';
export { isQuantized, quantize } from './quantize.js';
export {
  type QuantizeDtype,
  QuantizedLinear,
  QuantizedModule,
  QuantizedPReLU,
  type QuantizedStateDict,
} from './quantized.js';
export { QuantizedSequential } from './quantized_sequential.js';
export { MLP, type MLPOptions, Sequential } from './sequential.js';
