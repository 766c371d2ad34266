// SPDX-License-Identifier: MIT
// `sg.nn`: PyTorch-named layers, Sequential/MLP with fused Linear+activation, losses.
export { type Activation, linear } from './functional.js';
export { Flatten, Linear, PReLU, ReLU, Sigmoid, Softmax, Tanh } from './layers.js';
export { mseLoss, type Reduction, softmaxCrossEntropy } from './losses.js';
export { Module, type StateDict } from './module.js';
export {
  isQuantized,
  type QuantizeDtype,
  QuantizedLinear,
  QuantizedModule,
  QuantizedPReLU,
  QuantizedSequential,
  type QuantizedStateDict,
  quantize,
} from './quantize.js';
export { MLP, type MLPActivation, Sequential } from './sequential.js';
