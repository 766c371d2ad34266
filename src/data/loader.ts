// SPDX-License-Identifier: MIT
// DataLoader: mini-batches over (images, labels) with seeded shuffling.
// Ownership: every batch's `x` is a NEW tensor (`tensor(staging, [b, features])`,
// copied into wasm memory) that belongs to the caller: dispose it, or create
// and use it inside `tidy`. The JS staging buffer the rows are gathered into
// is allocated once per loader and reused, so an epoch allocates no pixel
// arrays; `y` is a fresh small Int32Array per batch that the caller may keep.

import { SimdgradError, type Tensor, tensor } from 'simdgrad';

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions {
  /** Rows per batch; the last batch of an epoch is smaller when it does not divide `n`. */
  batchSize: number;
  /** Reshuffle at the start of every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffle; the k-th epoch of two loaders with the same seed has the same order. */
  seed?: number;
}

/** One mini-batch of a {@link DataLoader}. */
export interface Batch {
  /** The images, `[batch, features]`; yours to dispose (or create it inside `tidy`). */
  x: Tensor;
  /** The labels of the rows of `x` (a fresh array the caller may keep). */
  y: Int32Array;
}

/**
 * A 32-bit PRNG (mulberry32) built from integer ops only, so every runtime
 * draws the same sequence. Returns uint32 values.
 */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * The order of epoch `epoch` (0-based): identity without shuffling, else a
 * Fisher–Yates permutation drawn from mulberry32(seed, epoch). `u * (i + 1) / 2^32`
 * is exact in float64 (both factors < 2^32), so the indices are runtime-independent.
 */
export function epochOrder(n: number, shuffle: boolean, seed: number, epoch: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!shuffle) return order;
  const next = mulberry32((Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) | 0);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((next() * (i + 1)) / 4294967296);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/**
 * Iterates over mini-batches of `(images, labels)`, reshuffled every epoch with a seeded order
 * (the same on every runtime), as d2l's `load_data_fashion_mnist` iterators.
 * @example
 * ```ts
 * const { images, labels } = fashionMnist({ split: 'train' });
 * for (const { x, y } of new DataLoader(images, labels, { batchSize: 256 })) {
 *   // train on x ([256, 784]) and y (Int32Array)
 *   x.dispose();
 * }
 * ```
 */
export class DataLoader implements Iterable<Batch> {
  /** Number of samples. */
  readonly n: number;
  /** Values per sample (784 for Fashion-MNIST). */
  readonly features: number;
  /** Rows per batch. */
  readonly batchSize: number;
  /** Whether each epoch is reshuffled. */
  readonly shuffle: boolean;
  /** Seed of the shuffle. */
  readonly seed: number;
  /** The 0-based index of the next epoch (its shuffle order); set it to resume a run after `epoch` epochs. */
  epoch = 0;
  private readonly images: Float32Array;
  private readonly labels: Int32Array;
  private readonly staging: Float32Array;

  constructor(images: Float32Array, labels: Int32Array | ArrayLike<number>, options: DataLoaderOptions) {
    const { batchSize, shuffle = true, seed = 0 } = options ?? ({} as DataLoaderOptions);
    if (!(images instanceof Float32Array)) {
      throw new SimdgradError('DataLoader: images must be a Float32Array of n × features values');
    }
    const n = labels?.length;
    if (typeof n !== 'number' || n === 0) throw new SimdgradError('DataLoader: labels must be a non-empty array');
    if (images.length % n !== 0 || images.length === 0) {
      throw new SimdgradError(
        `DataLoader: ${images.length} image values do not split evenly into ${n} samples (expected n × features values)`,
      );
    }
    if (!(Number.isInteger(batchSize) && batchSize > 0)) {
      throw new SimdgradError(`DataLoader: batchSize must be a positive integer, got ${String(batchSize)}`);
    }
    if (!Number.isInteger(seed)) throw new SimdgradError(`DataLoader: seed must be an integer, got ${String(seed)}`);
    if (!(labels instanceof Int32Array)) {
      for (let i = 0; i < n; i++) {
        const v = labels[i];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) {
          throw new SimdgradError(
            `DataLoader: labels must be class indices (non-negative integers); labels[${i}] is ${String(v)}`,
          );
        }
      }
    } else {
      const bad = labels.findIndex((v) => v < 0);
      if (bad >= 0)
        throw new SimdgradError(
          `DataLoader: labels must be class indices (non-negative integers); labels[${bad}] is ${labels[bad]}`,
        );
    }
    this.n = n;
    this.features = images.length / n;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.seed = seed;
    this.images = images;
    this.labels = labels instanceof Int32Array ? labels : Int32Array.from(labels);
    this.staging = new Float32Array(Math.min(batchSize, n) * this.features);
  }

  /** Number of batches per epoch, the last one partial when batchSize does not divide n. */
  get length(): number {
    return Math.ceil(this.n / this.batchSize);
  }

  /** Each call starts the next epoch (and, with shuffling, its new order). */
  *[Symbol.iterator](): Iterator<Batch> {
    const order = epochOrder(this.n, this.shuffle, this.seed, this.epoch++);
    const { features, images, labels, staging } = this;
    for (let start = 0; start < this.n; start += this.batchSize) {
      const b = Math.min(this.batchSize, this.n - start);
      const y = new Int32Array(b);
      for (let r = 0; r < b; r++) {
        const i = order[start + r]!;
        staging.set(images.subarray(i * features, (i + 1) * features), r * features);
        y[r] = labels[i]!;
      }
      const x = tensor(b === this.batchSize ? staging : staging.subarray(0, b * features), [b, features]);
      yield { x, y };
    }
  }
}
