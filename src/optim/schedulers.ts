// SPDX-License-Identifier: MIT
// Learning-rate schedulers with PyTorch's rules (torch/optim/lr_scheduler.py),
// stepped once per epoch: construction is PyTorch's initial step (epoch 0),
// each step() moves to the next epoch and writes the optimizer's lr. StepLR and
// CosineAnnealingLR use PyTorch's recursive (chainable) forms operation by
// operation, so the f64 values are PyTorch's; cos runs in wasm (the same bits
// on every runtime).

import { engine } from '../engine/load.js';
import { describe, fail } from '../errors.js';
import { num, Optimizer } from './optimizer.js';

/** A scheduler's state for checkpoints (JSON-safe; the lambda of LambdaLR is not part of it). */
export interface SchedulerState {
  /** The scheduler class (`'StepLR'`, `'CosineAnnealingLR'`, `'LambdaLR'`). */
  type: string;
  /** The epoch the current learning rate belongs to. */
  lastEpoch: number;
  /** The learning rates at construction, one per parameter group. */
  baseLrs: number[];
  /** The learning rates last set, one per parameter group. */
  lastLr: number[];
}

const positiveInt = (x: number) => Number.isInteger(x) && x >= 1;
const finite = (x: number) => Number.isFinite(x);

/**
 * The base of the learning-rate schedulers, stepped once per epoch as PyTorch's.
 * @example
 * ```ts
 * const sched = new sg.optim.StepLR(opt, { stepSize: 5, gamma: 0.5 });
 * for (let epoch = 0; epoch < 20; epoch++) {
 *   trainOneEpoch();
 *   sched.step();
 * }
 * ```
 */
export abstract class LRScheduler {
  /** The optimizer whose learning rate this scheduler sets. */
  readonly optimizer: Optimizer;
  /** The learning rate at construction, per group (one). */
  baseLrs: number[];
  /** The epoch the current lr belongs to (0 after construction). */
  lastEpoch = 0;
  private last: number[];
  /** 'StepLR', 'CosineAnnealingLR', 'LambdaLR' (bundles minify class names). */
  readonly type: string;

  protected constructor(op: string, optimizer: Optimizer) {
    this.type = op.slice('optim.'.length);
    if (!(optimizer instanceof Optimizer)) fail(op, `expected an optimizer, got ${describe(optimizer)}`);
    this.optimizer = optimizer;
    this.baseLrs = [optimizer.lr];
    this.last = [optimizer.lr];
  }

  /** The learning rate of epoch `lastEpoch`, from the current one (PyTorch's get_lr). @internal */
  protected abstract compute(current: number, base: number): number;

  /** Sets the epoch-0 rate (PyTorch's initial step). @internal */
  protected start(): void {
    this.apply(this.compute(this.optimizer.lr, this.baseLrs[0]));
  }

  private apply(lr: number): void {
    this.optimizer.lr = lr;
    this.last = [lr];
  }

  /** Moves to the next epoch and sets the optimizer's learning rate. */
  step(): void {
    this.lastEpoch++;
    this.apply(this.compute(this.optimizer.lr, this.baseLrs[0]));
  }

  /** The learning rate last set, one entry per parameter group (here one). */
  getLastLr(): number[] {
    return this.last.slice();
  }

  /** The state to save in a checkpoint (restored by `loadStateDict`). */
  stateDict(): SchedulerState {
    return {
      type: this.type,
      lastEpoch: this.lastEpoch,
      baseLrs: this.baseLrs.slice(),
      lastLr: this.getLastLr(),
    };
  }

  /** Restores a stateDict() of the same scheduler class (the optimizer's lr is the optimizer's state). */
  loadStateDict(s: SchedulerState): this {
    const op = `${this.type}.loadStateDict`;
    if (s === null || typeof s !== 'object') fail(op, `expected a scheduler state, got ${describe(s)}`);
    if (s.type !== this.type) fail(op, `the state is of a ${describe(s.type)}, not of a ${this.type}`);
    const epoch = num(op, 'lastEpoch', s.lastEpoch, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer');
    const list = (name: string, v: unknown) => {
      if (!Array.isArray(v) || v.length !== 1 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        fail(op, `${name} must be an array of one finite number, got ${describe(v)}`);
      }
      return (v as number[]).slice();
    };
    const base = list('baseLrs', s.baseLrs);
    const last = list('lastLr', s.lastLr);
    this.lastEpoch = epoch;
    this.baseLrs = base;
    this.last = last;
    return this;
  }
}

/** lr × gamma every `stepSize` epochs (PyTorch's StepLR). */
export class StepLR extends LRScheduler {
  /** Epochs between two decays. */
  readonly stepSize: number;
  /** Factor applied to the learning rate every `stepSize` epochs. */
  readonly gamma: number;
  constructor(optimizer: Optimizer, options: { stepSize: number; gamma?: number }) {
    const op = 'optim.StepLR';
    super(op, optimizer);
    if (options === null || typeof options !== 'object') fail(op, 'options { stepSize } are required');
    this.stepSize = num(op, 'stepSize', options.stepSize, positiveInt, 'a positive integer');
    this.gamma = num(op, 'gamma', options.gamma ?? 0.1, finite, 'a finite number');
    this.start();
  }
  protected compute(current: number): number {
    return this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0 ? current : current * this.gamma;
  }
}

/**
 * Cosine annealing from the base rate down to etaMin over tMax epochs (and back
 * up over the next tMax, as PyTorch's), PyTorch's recursive form:
 * lr_e = (1 + cos(πe/T)) / (1 + cos(π(e−1)/T)) · (lr_{e−1} − etaMin) + etaMin.
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Epochs of the half cosine period. */
  readonly tMax: number;
  /** The smallest learning rate, reached at `tMax`. */
  readonly etaMin: number;
  constructor(optimizer: Optimizer, options: { tMax: number; etaMin?: number }) {
    const op = 'optim.CosineAnnealingLR';
    super(op, optimizer);
    if (options === null || typeof options !== 'object') fail(op, 'options { tMax } are required');
    this.tMax = num(op, 'tMax', options.tMax, positiveInt, 'a positive integer');
    this.etaMin = num(op, 'etaMin', options.etaMin ?? 0, finite, 'a finite number');
    this.start();
  }
  protected compute(current: number, base: number): number {
    const e = this.lastEpoch;
    const T = this.tMax;
    const cos = engine().k.cos_f64;
    if (e === 0) return current;
    if ((e - 1 - T) % (2 * T) === 0) return current + ((base - this.etaMin) * (1 - cos(Math.PI / T))) / 2;
    return ((1 + cos((Math.PI * e) / T)) / (1 + cos((Math.PI * (e - 1)) / T))) * (current - this.etaMin) + this.etaMin;
  }
}

/** lr = base × lrLambda(epoch) (PyTorch's LambdaLR); the lambda must return a finite number. */
export class LambdaLR extends LRScheduler {
  /** The factor of the base learning rate at each epoch. */
  readonly lrLambda: (epoch: number) => number;
  constructor(optimizer: Optimizer, lrLambda: (epoch: number) => number) {
    const op = 'optim.LambdaLR';
    super(op, optimizer);
    if (typeof lrLambda !== 'function') fail(op, `expected a function epoch → factor, got ${describe(lrLambda)}`);
    this.lrLambda = lrLambda;
    this.start();
  }
  protected compute(_current: number, base: number): number {
    const f = this.lrLambda(this.lastEpoch);
    num('optim.LambdaLR', `lrLambda(${this.lastEpoch})`, f, finite, 'a finite number');
    return base * f;
  }
}
