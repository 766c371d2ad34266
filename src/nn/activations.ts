// SPDX-License-Identifier: MIT
// The activation layers, one per row of the activation table
// (src/ops/activations.ts): each is generated from its row (forward = the
// row's op with the layer's options) and named by the row's `module`; PReLU
// is written out because it owns a learnable α. Sequential fuses any of them
// into the Linear before it (ActivationModule.fusedWith).

import { full } from '../creation.js';
import { checkCount, describe, fail, optionsOf } from '../errors.js';
import {
  type ActivationName,
  type ActivationOptions,
  type ActivationRow,
  activationNames,
  activations,
} from '../ops/activations.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

/** The base of the activation layers (ReLU, Sigmoid, Tanh, PReLU, GELU, …): `Sequential` may fuse one into the Linear before it. */
export abstract class ActivationModule extends Module {
  /** Its row in the activation table. */
  abstract readonly activation: ActivationName;
  /** The options given to the op and to the fused kernel (gelu's `{ approximate }`). */
  readonly options: object | undefined = undefined;
  /** α of a fused prelu epilogue, else null. @internal */
  alpha(): Tensor | null {
    return null;
  }
  /** Whether this layer can run as the epilogue of a Linear with `outFeatures` outputs. @internal */
  fusesWith(_outFeatures: number): boolean {
    return true;
  }
}

type Rows = typeof activations;
type Generated = { [K in ActivationName]: Rows[K]['alpha'] extends true ? never : K }[ActivationName];
/** The class of an activation layer generated from its table row (`new nn.ReLU()`, `new nn.GELU({ approximate })`). */
export type ActivationClass<K extends ActivationName> = new (
  options?: ActivationOptions<K>,
) => ActivationModule & {
  /** Its row in the activation table. */
  readonly activation: K;
};

function generate<K extends Generated>(name: K): ActivationClass<K> {
  const row: ActivationRow<[unknown?], unknown> = activations[name];
  const cls = class extends ActivationModule {
    readonly activation = name;
    override readonly options: object | undefined;
    constructor(options?: ActivationOptions<K>) {
      super();
      row.code(options); // validates them now, naming the op
      this.options = options as object | undefined;
    }
    forward(x: Tensor): Tensor {
      return row.fn(x, this.options);
    }
  };
  Object.defineProperty(cls, 'name', { value: row.module });
  return cls;
}

/** PReLU with a learnable α (PyTorch's parameter name is `weight`, shape [numParameters]). */
export class PReLU extends ActivationModule {
  readonly activation = 'prelu';
  /** The learnable slopes α, shape `[numParameters]` (PyTorch's name: `weight`). */
  readonly weight: Tensor;
  constructor(opts?: { numParameters?: number; init?: number }) {
    super();
    const op = 'nn.PReLU';
    const { numParameters = 1, init = 0.25 } = optionsOf(op, opts);
    checkCount(op, 'numParameters', numParameters);
    if (numParameters < 1) fail(op, 'numParameters must be at least 1');
    if (typeof init !== 'number') fail(op, `init must be a number, got ${describe(init)}`);
    this.weight = this.registerParameter('weight', full([numParameters], init));
  }
  forward(x: Tensor): Tensor {
    return x.prelu(this.weight);
  }
  override alpha(): Tensor {
    return this.weight;
  }
  /** Fuses when α is a scalar or one per output feature. */
  override fusesWith(outFeatures: number): boolean {
    const n = this.weight.size;
    return n === 1 || n === outFeatures;
  }
}

/** Every activation layer class by table name (PReLU for 'prelu'). @internal */
export const activationModules = Object.fromEntries(
  activationNames.map((n) => [n, activations[n].alpha ? PReLU : generate(n as Generated)]),
) as { [K in Generated]: ActivationClass<K> } & { prelu: typeof PReLU };

// The generated layers, exported under their rows' `module` names (nn.ReLU …).
/** ReLU as a layer: max(x, 0), as PyTorch's `nn.ReLU`. */
export const ReLU = activationModules.relu;
/** Sigmoid as a layer: 1 / (1 + e⁻ˣ), as PyTorch's `nn.Sigmoid`. */
export const Sigmoid = activationModules.sigmoid;
/** Tanh as a layer, as PyTorch's `nn.Tanh`. */
export const Tanh = activationModules.tanh;
/** GELU as a layer: x·Φ(x), or `{ approximate: 'tanh' }`, as PyTorch's `nn.GELU`. */
export const GELU = activationModules.gelu;
/** A {@link ReLU} layer. */
export type ReLU = InstanceType<typeof ReLU>;
/** A {@link Sigmoid} layer. */
export type Sigmoid = InstanceType<typeof Sigmoid>;
/** A {@link Tanh} layer. */
export type Tanh = InstanceType<typeof Tanh>;
/** A {@link GELU} layer. */
export type GELU = InstanceType<typeof GELU>;
