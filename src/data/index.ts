// SPDX-License-Identifier: MIT
// simdgrad/data: datasets and mini-batching (Node, Deno, Bun). Uses node:
// built-ins, so it is a separate entry from the dependency-free core.

export { CLASS_NAMES, type Dataset, type FashionMnistOptions, fashionMnist } from './fashion.js';
export { type Batch, DataLoader, type DataLoaderOptions, epochOrder, mulberry32 } from './loader.js';
