// SPDX-License-Identifier: MIT
// Layers with PyTorch's names, layouts and default initialisation: Linear
// (weight [out, in], bias [out]), Softmax, Flatten. The activation layers are
// generated from the activation table (src/nn/activations.ts).

import { engine } from '../engine/load.js';
import { checkCount, describe, fail, optionsOf } from '../errors.js';
import { linear } from '../ops/linear.js';
import { empty, type Tensor } from '../tensor.js';
import type { ActivationModule } from './activations.js';
import { Module } from './module.js';

/** Seed of the bias draw for a Linear whose weight used `seed` (a fixed odd offset). */
const BIAS_SEED = 0x9e3779b9;
/** Unseeded layers draw seeds from a deterministic counter, never from Math.random. */
let nextSeed = 0x11ea5;

/** U(−bound, bound) from the wasm generator (rand_fill: same bits on every runtime for a seed). */
function uniformInit(shape: number[], bound: number, seed: number | undefined): Tensor {
  const s = seed ?? nextSeed++;
  const t = empty(shape, 'nn.Linear');
  if (t.size) engine().k.rand_fill(t.ptr, t.size, s >>> 0, Math.floor(s / 2 ** 32) >>> 0, -bound, bound);
  return t;
}

/**
 * A fully connected layer, as PyTorch's `nn.Linear`: `y = x · weightᵀ + bias`, with
 * `weight` `[outFeatures, inFeatures]` and `bias` `[outFeatures]` (Gluon's `Dense` without its
 * implicit flatten). Initialized as PyTorch's: uniform in ±1/√inFeatures.
 * @example
 * ```ts
 * const fc = new sg.nn.Linear(784, 256, { seed: 0 });
 * fc.forward(sg.zeros([32, 784])).shape; // [32, 256]
 * ```
 */
export class Linear extends Module {
  /** Size of each input row. */
  readonly inFeatures: number;
  /** Size of each output row. */
  readonly outFeatures: number;
  /** `[outFeatures, inFeatures]` (PyTorch's layout; transpose a book-style `[in, out]` `W`). */
  readonly weight: Tensor;
  /** `[outFeatures]`, or null when created with `{ bias: false }`. */
  readonly bias: Tensor | null;

  /**
   * y = x·weightᵀ + bias. PyTorch's default init: kaiming_uniform(a=√5) gives
   * weight ~ U(−1/√in, 1/√in), and bias ~ U(−1/√in, 1/√in), drawn by the seeded
   * wasm generator (weight with `seed`, bias with seed + 0x9e3779b9).
   */
  constructor(inFeatures: number, outFeatures: number, opts?: { bias?: boolean; seed?: number }) {
    super();
    const op = 'nn.Linear';
    checkCount(op, 'inFeatures', inFeatures);
    checkCount(op, 'outFeatures', outFeatures);
    const { bias = true, seed } = optionsOf(op, opts);
    if (typeof bias !== 'boolean') fail(op, `bias must be a boolean, got ${describe(bias)}`);
    if (seed !== undefined && !Number.isSafeInteger(seed)) fail(op, `seed must be an integer, got ${describe(seed)}`);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.weight = this.registerParameter('weight', uniformInit([outFeatures, inFeatures], bound, seed));
    const biasSeed = seed === undefined ? undefined : seed + BIAS_SEED;
    this.bias = bias ? this.registerParameter('bias', uniformInit([outFeatures], bound, biasSeed)) : null;
  }

  /** `x · weightᵀ + bias` over the last axis: `[…, inFeatures]` → `[…, outFeatures]`. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }

  /** The fused forward with an activation layer as epilogue (what Sequential calls). @internal */
  forwardWith(x: Tensor, act: ActivationModule): Tensor {
    return linear(x, this.weight, this.bias, act.activation, act.alpha(), act.options);
  }
}

/** Softmax over one axis (default the last), as a layer; see {@link softmax}. */
export class Softmax extends Module {
  /** The axis normalized over. */
  readonly axis: number;
  constructor(opts?: { axis?: number }) {
    super();
    this.axis = optionsOf('nn.Softmax', opts).axis ?? -1;
  }
  forward(x: Tensor): Tensor {
    return x.softmax(this.axis);
  }
}

/** Flattens every axis after the first: [B, …] → [B, ∏…] (PyTorch's Flatten(start_dim=1)). */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    x.check('nn.Flatten');
    if (x.ndim === 0) fail('nn.Flatten', 'expected at least a 1-D input, got a 0-D tensor');
    return x.reshape([x.shape[0], -1]);
  }
}
