// SPDX-License-Identifier: MIT
// `sg.nn`: PyTorch-named layers, Sequential/MLP with fused Linear+activation, losses.

export { Dropout, type DropoutOptions, dropout } from './dropout.js';
export { type Activation, linear } from './functional.js';
export * as init from './init.js';
export { Flatten, Linear, PReLU, ReLU, Sigmoid, Softmax, Tanh } from './layers.js';
export { huberLoss, mseLoss, type Reduction, softmaxCrossEntropy } from './losses.js';
export { Module, type StateDict } from './module.js';
export { MLP, type MLPActivation, type MLPOptions, Sequential } from './sequential.js';
