// SPDX-License-Identifier: MIT
// Sequential (children named 0, 1, 2… as PyTorch's) and MLP. The hot path: a
// Linear followed by an activation layer runs as ONE fused op (one kernel call
// forward, one on the way back), never as matmul + add + activation.

import { describe, fail } from '../errors.js';
import { type MLPActivation, mlpActivations } from '../ops/activations.js';
import type { Tensor } from '../tensor.js';
import { ActivationModule, activationModules } from './activations.js';
import { Dropout } from './dropout.js';
import { Linear } from './layers.js';
import { Module } from './module.js';

/**
 * Layers applied in order, as PyTorch's `nn.Sequential`; a Linear followed by an activation
 * layer runs as one fused kernel. Parameter names are `<index>.<name>` (`0.weight`, `0.bias`, …).
 * @example
 * ```ts
 * const net = new sg.nn.Sequential(new sg.nn.Linear(784, 256), new sg.nn.ReLU(), new sg.nn.Linear(256, 10));
 * [...net.namedParameters().keys()]; // ['0.weight', '0.bias', '2.weight', '2.bias']
 * ```
 */
export class Sequential extends Module {
  /** The layers, in order. */
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => {
      if (!(m instanceof Module)) fail('nn.Sequential', `layer ${i} must be a Module, got ${describe(m)}`);
      this.registerModule(String(i), m);
    });
    this.layers = Object.freeze(layers.slice());
  }

  /** Runs the layers in order (fusing each Linear with the activation after it). */
  forward(x: Tensor): Tensor {
    const ls = this.layers;
    let h = x;
    for (let i = 0; i < ls.length; i++) {
      const m = ls[i];
      const next = ls[i + 1];
      let out: Tensor;
      if (m instanceof Linear && next instanceof ActivationModule && next.fusesWith(m.outFeatures)) {
        out = m.forwardWith(h, next);
        i++;
      } else out = m.forward(h);
      // intermediate activations are owned by the tape (or tidy), not disposed here
      h = out;
    }
    return h;
  }
}

/** Options of {@link MLP}. */
export interface MLPOptions {
  /** The activation after each hidden Linear (default `'relu'`). */
  activation?: MLPActivation;
  /**
   * Dropout probability after each hidden activation: one number for all, or one
   * per hidden layer (the book's [0.2, 0.5]); 0 or absent adds no layer.
   */
  dropout?: number | readonly number[];
  /** Seed of the initial weights (the same seed gives the same model on every runtime). */
  seed?: number;
}

/**
 * Linear/activation pairs for consecutive `sizes`, no activation after the last
 * Linear: MLP([784, 256, 10]) = Sequential(Linear(784,256), ReLU, Linear(256,10)),
 * parameters `0.weight`, `0.bias`, `2.weight`, `2.bias` (PReLU adds `1.weight`).
 * With `dropout`, an nn.Dropout follows each hidden activation and the names
 * shift as PyTorch's Sequential would (`0.weight`, `3.weight`, `6.weight`).
 * Layer i's weights are drawn with seed + 7919·i.
 */
export class MLP extends Sequential {
  constructor(sizes: readonly number[], opts?: MLPOptions) {
    const op = 'nn.MLP';
    if (!Array.isArray(sizes) || sizes.length < 2) {
      fail(op, `sizes must list at least an input and an output size, got ${describe(sizes)}`);
    }
    if (opts !== undefined && (opts === null || typeof opts !== 'object')) fail(op, 'options must be an object');
    const { activation = 'relu', seed, dropout = 0 } = opts ?? {};
    if (!(mlpActivations as readonly unknown[]).includes(activation)) {
      const names = mlpActivations.map((n) => `'${n}'`);
      fail(op, `activation must be ${names.slice(0, -1).join(', ')} or ${names.at(-1)}, got ${describe(activation)}`);
    }
    const Act = activationModules[activation];
    if (seed !== undefined && !Number.isSafeInteger(seed)) fail(op, `seed must be an integer, got ${describe(seed)}`);
    sizes.forEach((n, i) => {
      if (!Number.isInteger(n) || n < 0) fail(op, `sizes[${i}] must be a non-negative integer, got ${describe(n)}`);
    });
    const hidden = Math.max(0, sizes.length - 2);
    const ps = typeof dropout === 'number' ? new Array<number>(hidden).fill(dropout) : dropout;
    if (!Array.isArray(ps) || ps.length !== hidden) {
      fail(op, `dropout must be a number or one probability per hidden layer (${hidden}), got ${describe(dropout)}`);
    }
    ps.forEach((p, i) => {
      if (typeof p !== 'number' || !(p >= 0 && p <= 1))
        fail(op, `dropout[${i}] must be a probability in [0, 1], got ${describe(p)}`);
    });
    const layers: Module[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      const s = seed === undefined ? undefined : seed + 7919 * i;
      layers.push(new Linear(sizes[i], sizes[i + 1], { seed: s }));
      if (i + 2 < sizes.length) {
        layers.push(new Act());
        if (ps[i] > 0) layers.push(new Dropout(ps[i]));
      }
    }
    super(...layers);
  }
}
