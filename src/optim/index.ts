// SPDX-License-Identifier: MIT
// `sg.optim`: SGD, Adam, AdamW (PyTorch's rules, in-place wasm kernels),
// learning-rate schedulers and gradient-norm clipping.
export { Adam, type AdamOptions, AdamW } from './adam.js';
export { clipGradNorm } from './clip.js';
export { Optimizer, type OptimizerState, type Params, SGD, type SGDOptions } from './optimizer.js';
export { CosineAnnealingLR, LambdaLR, LRScheduler, type SchedulerState, StepLR } from './schedulers.js';
