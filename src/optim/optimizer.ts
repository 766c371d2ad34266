// SPDX-License-Identifier: MIT
// SGD and Adam with PyTorch's update rules (torch/optim/sgd.py, adam.py, the
// single-tensor path), each step one in-place wasm kernel call per parameter.
// State buffers are allocated once, in the constructor, and kept; a step
// allocates nothing. Stepping bumps each parameter's version (an in-place write
// the tape can detect).

import { fill } from '../buffers.js';
import { engine } from '../engine/load.js';
import { describe, fail } from '../errors.js';
import { keep } from '../memory.js';
import { empty, Tensor } from '../tensor.js';
import { beforeWrite } from '../view.js';

type Params = Iterable<Tensor> | { parameters(): Tensor[] };

function zerosKept(t: Tensor, op: string): Tensor {
  const z = keep(empty(t.shape, op));
  fill(z, 0);
  return z;
}

function num(op: string, name: string, v: unknown, ok: (x: number) => boolean, want: string): number {
  if (typeof v !== 'number' || !ok(v)) fail(op, `${name} must be ${want}, got ${describe(v)}`);
  return v;
}
const nonNeg = (x: number) => x >= 0 && Number.isFinite(x);

export abstract class Optimizer {
  readonly params: readonly Tensor[];
  /** Learning rate; may be changed between steps (schedules). */
  lr: number;
  protected readonly state: Tensor[] = [];

  protected constructor(op: string, params: Params, lr: unknown) {
    const list =
      params !== null &&
      typeof params === 'object' &&
      typeof (params as { parameters?: unknown }).parameters === 'function'
        ? (params as { parameters(): Tensor[] }).parameters()
        : params !== null && typeof params === 'object' && Symbol.iterator in params
          ? [...(params as Iterable<Tensor>)]
          : fail(op, `params must be a list of tensors or a Module, got ${describe(params)}`);
    if (list.length === 0) fail(op, 'got an empty parameter list');
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) fail(op, `params[${i}] must be a Tensor, got ${describe(p)}`);
      p.check(op);
      if (p.gradReq === null)
        fail(
          op,
          `params[${i}] [${p.shape.join(',')}] takes no gradient: call attachGrad() on it or pass a Module's parameters()`,
        );
    });
    if (new Set(list).size !== list.length) fail(op, 'a parameter appears more than once');
    this.params = Object.freeze(list);
    this.lr = num(op, 'lr', lr, nonNeg, 'a non-negative number');
  }

  /** Allocates one kept zero buffer per parameter (optimizer state). */
  protected buffers(op: string): Tensor[] {
    const out: Tensor[] = [];
    try {
      for (const p of this.params) out.push(zerosKept(p, op));
    } catch (e) {
      for (const t of out) t.dispose();
      throw e;
    }
    this.state.push(...out);
    return out;
  }

  /** Sets every parameter's gradient to zero (needed only with attachGrad({ accumulate: true })). */
  zeroGrad(): void {
    for (const p of this.params) {
      const g = p.grad;
      if (g && !g.disposed && g.size) {
        fill(g, 0);
        g.version++;
      }
    }
  }

  /** One update of every parameter that has a gradient. */
  abstract step(): void;

  /** The parameters a step can update, checked live. @internal */
  protected live(op: string): void {
    for (const p of this.params) {
      p.check(op);
      beforeWrite(p);
    }
  }

  /** Frees the optimizer state (the parameters belong to their module). */
  dispose(): void {
    for (const t of this.state) t.dispose();
    this.state.length = 0;
  }
}

export interface SGDOptions {
  lr: number;
  momentum?: number;
  weightDecay?: number;
  /** PyTorch's dampening (default 0). */
  dampening?: number;
  /** PyTorch's Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov?: boolean;
}

/**
 * PyTorch SGD: g = grad + wd·p; with momentum, buf = g on the first step (torch
 * clones it), then buf = μ·buf + (1 − dampening)·g, and g = buf (Nesterov:
 * g + μ·buf); then p −= lr·g.
 */
export class SGD extends Optimizer {
  momentum: number;
  weightDecay: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  private readonly bufs: Tensor[];
  private first = true;

  constructor(params: Params, options: SGDOptions) {
    const op = 'optim.SGD';
    if (options === null || typeof options !== 'object') fail(op, 'options { lr } are required');
    super(op, params, options.lr);
    this.momentum = num(op, 'momentum', options.momentum ?? 0, nonNeg, 'a non-negative number');
    this.weightDecay = num(op, 'weightDecay', options.weightDecay ?? 0, nonNeg, 'a non-negative number');
    this.dampening = num(op, 'dampening', options.dampening ?? 0, nonNeg, 'a non-negative number');
    const nesterov = options.nesterov ?? false;
    if (typeof nesterov !== 'boolean') fail(op, `nesterov must be a boolean, got ${describe(nesterov)}`);
    if (nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      fail(op, 'nesterov momentum requires a momentum > 0 and zero dampening');
    }
    this.nesterov = nesterov;
    this.bufs = this.momentum !== 0 ? this.buffers(op) : [];
  }

  step(): void {
    this.live('SGD.step');
    const k = engine().k;
    // momentum can only be switched on where buffers exist (set at construction)
    const mu = this.bufs.length ? this.momentum : 0;
    const first = this.first ? 1 : 0;
    this.params.forEach((p, i) => {
      const g = p.grad;
      if (!g || g.disposed || p.size === 0) return;
      k.sgd_step(
        p.ptr,
        g.ptr,
        this.bufs[i]?.ptr ?? 0,
        p.size,
        this.lr,
        mu,
        this.dampening,
        this.weightDecay,
        this.nesterov ? 1 : 0,
        first,
      );
      p.version++;
    });
    this.first = false;
  }
}

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
}

/**
 * PyTorch Adam (L2 weight decay, no amsgrad): g = grad + wd·p;
 * m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; p −= (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + eps).
 * βᵗ is tracked as a running f64 product (no Math.pow: identical on every runtime);
 * the kernel takes the bias corrections 1 − βᵗ.
 */
export class Adam extends Optimizer {
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  /** Steps taken (t in the bias corrections). */
  stepCount = 0;
  private readonly m: Tensor[];
  private readonly v: Tensor[];
  private beta1Pow = 1;
  private beta2Pow = 1;

  constructor(params: Params, options: AdamOptions = {}) {
    const op = 'optim.Adam';
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
    this.weightDecay = num(op, 'weightDecay', options.weightDecay ?? 0, nonNeg, 'a non-negative number');
    this.m = this.buffers(op);
    try {
      this.v = this.buffers(op);
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  step(): void {
    this.live('Adam.step');
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
      );
      p.version++;
    });
  }
}
