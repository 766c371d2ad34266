// SPDX-License-Identifier: MIT
// `sg.optim`: SGD and Adam, PyTorch's rules, in-place wasm kernels.
export { Adam, type AdamOptions, Optimizer, SGD, type SGDOptions } from './optimizer.js';
