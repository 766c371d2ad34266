// SPDX-License-Identifier: MIT
// `sg.nn`: PyTorch-named layers, Sequential/MLP with fused Linear+activation, losses.

export type { MLPActivation } from '../ops/activations.js';
export { type Activation, linear } from '../ops/linear.js';
export * from './activations.js';
export { Flatten, Linear, Softmax } from './layers.js';
export { mseLoss, type Reduction, softmaxCrossEntropy } from './losses.js';
export { Module, type StateDict } from './module.js';
export { MLP, Sequential } from './sequential.js';
