// SPDX-License-Identifier: MIT
// Adam and AdamW with PyTorch's update rules (torch/optim/adam.py, adamw.py, the
// single-tensor path, amsgrad off): one in-place wasm kernel call per
// parameter per step (assembly/optim.ts adam_step; AdamW's decoupled decay is
// a flag of the same kernel).

import { engine } from '../engine/load.js';
import { describe, fail } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { nonNeg, num, Optimizer, type Params } from './optimizer.js';

/** Options of {@link Adam} and {@link AdamW}, with PyTorch's defaults. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Decay rates (β₁, β₂) of the moment estimates (default `[0.9, 0.999]`). */
  betas?: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** Weight decay: an L2 term in Adam (default 0), decoupled in AdamW (default 1e-2). */
  weightDecay?: number;
}

/**
 * PyTorch Adam (L2 weight decay, no amsgrad): g = grad + wd·p;
 * m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; p −= (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + eps).
 * βᵗ is tracked as a running f64 product (no Math.pow: identical on every runtime);
 * the kernel takes the bias corrections 1 − βᵗ.
 */
export class Adam extends Optimizer {
  /** The error prefix and the decay rule of this class. @internal */
  protected static readonly opName: string = 'optim.Adam';
  /** AdamW: decoupled weight decay. @internal */
  protected static readonly decoupled: boolean = false;
  get kind(): string {
    return (this.constructor as typeof Adam).opName.slice('optim.'.length);
  }
  /** Decay rates (β₁, β₂) of the moment estimates. */
  betas: readonly [number, number];
  /** Added to the denominator for stability. */
  eps: number;
  /** Weight decay (L2 in Adam, decoupled in AdamW). */
  weightDecay: number;
  /** Steps taken (t in the bias corrections). */
  stepCount = 0;
  private readonly m: Tensor[];
  private readonly v: Tensor[];
  private beta1Pow = 1;
  private beta2Pow = 1;

  constructor(params: Params, options: AdamOptions = {}) {
    const op = (new.target as typeof Adam).opName;
    if (options === null || typeof options !== 'object')
      fail(op, `options must be an object, got ${describe(options)}`);
    super(op, params, options.lr ?? 1e-3);
    const betas = options.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) fail(op, `betas must be [beta1, beta2], got ${describe(betas)}`);
    const unit = (x: number) => x >= 0 && x < 1;
    num(op, 'betas[0]', betas[0], unit, 'in [0, 1)');
    num(op, 'betas[1]', betas[1], unit, 'in [0, 1)');
    this.betas = [betas[0], betas[1]];
    this.eps = num(op, 'eps', options.eps ?? 1e-8, nonNeg, 'a non-negative number');
    const wd = options.weightDecay ?? ((new.target as typeof Adam).decoupled ? 1e-2 : 0);
    this.weightDecay = num(op, 'weightDecay', wd, nonNeg, 'a non-negative number');
    this.m = this.buffers(op);
    try {
      this.v = this.buffers(op);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  protected group() {
    return { betas: [...this.betas], eps: this.eps, weightDecay: this.weightDecay };
  }

  protected slots(): [string, readonly Tensor[]][] {
    return [
      ['exp_avg', this.m],
      ['exp_avg_sq', this.v],
    ];
  }

  protected loadableSlots(): [string, readonly Tensor[]][] {
    return this.slots();
  }

  protected override steps(): number {
    return this.stepCount;
  }

  /** β^t again by the same repeated multiplication as step(), so a resumed run matches bit for bit. */
  protected restored(_present: boolean, step: number): void {
    this.stepCount = step;
    this.beta1Pow = 1;
    this.beta2Pow = 1;
    for (let t = 0; t < step; t++) {
      this.beta1Pow *= this.betas[0];
      this.beta2Pow *= this.betas[1];
    }
  }

  step(): void {
    const decoupled = (this.constructor as typeof Adam).decoupled;
    this.live(decoupled ? 'AdamW.step' : 'Adam.step');
    const [b1, b2] = this.betas;
    this.stepCount++;
    this.beta1Pow *= b1;
    this.beta2Pow *= b2;
    const bc1 = 1 - this.beta1Pow;
    const bc2 = 1 - this.beta2Pow;
    const k = engine().k;
    this.params.forEach((p, i) => {
      const g = p.grad;
      if (!g || g.disposed || p.size === 0) return;
      k.adam_step(
        p.ptr,
        g.ptr,
        this.m[i].ptr,
        this.v[i].ptr,
        p.size,
        this.lr,
        b1,
        b2,
        this.eps,
        this.weightDecay,
        bc1,
        bc2,
        decoupled ? 1 : 0,
      );
      p.version++;
    });
  }
}

/**
 * PyTorch AdamW: Adam without the L2 term, the decay decoupled from the
 * gradient: p = p·(1 − lr·wd) before the Adam update (weightDecay default 1e-2).
 */
export class AdamW extends Adam {
  protected static override readonly opName: string = 'optim.AdamW';
  protected static override readonly decoupled: boolean = true;
}
