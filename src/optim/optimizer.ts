// SPDX-License-Identifier: MIT
// The Optimizer base (parameters, a settable lr, state buffers, PyTorch-named
// stateDict/loadStateDict) and SGD with PyTorch's update rule
// (torch/optim/sgd.py, the single-tensor path): each step one in-place wasm
// kernel call per parameter. State buffers are allocated once, in the
// constructor, and kept; a step allocates nothing. Stepping bumps each
// parameter's version (an in-place write the tape can detect). Adam and AdamW:
// adam.ts.

import { fill } from '../buffers.js';
import { engine } from '../engine/load.js';
import { describe, fail, fmt } from '../errors.js';
import { keep } from '../memory.js';
import { empty, Tensor } from '../tensor.js';
import { beforeWrite } from '../view.js';

/** A list of parameters, or a Module (its parameters()). */
export type Params =
  | Iterable<Tensor>
  | {
      /** The parameters to optimize (a Module's). */
      parameters(): Tensor[];
    };

/**
 * An optimizer's state: PyTorch's names flattened by parameter index
 * (`state.0.momentum_buffer`, `state.0.exp_avg`, `state.0.exp_avg_sq`,
 * `state.0.step`), fresh copies owned by the caller, plus the hyper-parameters
 * of the (single) parameter group, `lr` included, as PyTorch's `param_groups`.
 */
export type OptimizerState = Map<string, Tensor> & {
  /** The hyper-parameters of the parameter group (one), `lr` included, as PyTorch's `param_groups`. */
  paramGroups: Record<string, number | boolean | number[]>[];
};

function zerosKept(t: Tensor, op: string): Tensor {
  const z = keep(empty(t.shape, op));
  fill(z, 0);
  return z;
}

function num(op: string, name: string, v: unknown, ok: (x: number) => boolean, want: string): number {
  if (typeof v !== 'number' || !ok(v)) fail(op, `${name} must be ${want}, got ${describe(v)}`);
  return v;
}
export const nonNeg = (x: number) => x >= 0 && Number.isFinite(x);
export { num };

/** A copy of t (kept out of tidy: the caller owns it). */
function copyOf(t: Tensor, op: string): Tensor {
  const c = empty(t.shape, op);
  if (t.size) engine().heap.u8.copyWithin(c.ptr, t.ptr, t.ptr + t.size * 4);
  return c;
}

/** The base of the optimizers: the parameters, the learning rate, `step()` and `zeroGrad()`. */
export abstract class Optimizer {
  /** The parameters this optimizer updates, in order (state is indexed by this order). */
  readonly params: readonly Tensor[];
  protected readonly state: Tensor[] = [];
  private rate = 0;
  /** 'SGD', 'Adam' or 'AdamW' (messages and checkpoints; bundles minify class names). */
  abstract readonly kind: string;

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
    this.rate = num(op, 'lr', lr, nonNeg, 'a non-negative number');
  }

  /** Learning rate, read at every step: set it between steps (schedulers do). */
  get lr(): number {
    return this.rate;
  }
  /** Sets the learning rate used from the next step on (a non-negative number). */
  set lr(v: number) {
    this.rate = num(`${this.kind}.lr`, 'lr', v, nonNeg, 'a non-negative number');
  }

  /** The hyper-parameters of the parameter group (PyTorch's param_groups[0]). @internal */
  protected abstract group(): Record<string, number | boolean | number[]>;

  /** The per-parameter state slots now held: [PyTorch name, one buffer per parameter]. @internal */
  protected abstract slots(): [string, readonly Tensor[]][];

  /** Steps taken, when the optimizer stores `state.i.step` (Adam), else null. @internal */
  protected steps(): number | null {
    return null;
  }

  /** Installs loaded state: whether slots were present, and the step count. @internal */
  protected abstract restored(present: boolean, step: number): void;

  /** The slots a loaded state may hold (all of them or none). @internal */
  protected abstract loadableSlots(): [string, readonly Tensor[]][];

  /**
   * The optimizer state with PyTorch's names (copies: dispose them, or save them
   * with io.saveSafetensors / io.saveCheckpoint), and `.paramGroups`.
   */
  stateDict(): OptimizerState {
    const op = `${this.kind}.stateDict`;
    const out = new Map<string, Tensor>() as OptimizerState;
    out.paramGroups = [{ ...this.group(), lr: this.lr }];
    const steps = this.steps();
    try {
      for (let i = 0; i < this.params.length; i++) {
        for (const [name, bufs] of this.slots()) out.set(`state.${i}.${name}`, copyOf(bufs[i], op));
        if (steps !== null) {
          const t = empty([], op);
          engine().heap.f32[t.ptr >>> 2] = steps;
          out.set(`state.${i}.step`, t);
        }
      }
    } catch (e) {
      for (const t of out.values()) t.dispose();
      throw e;
    }
    return out;
  }

  /**
   * Restores a stateDict(): every entry is checked (names, shapes, the step)
   * before anything is written, so a bad one is a SimdgradError naming it and the
   * optimizer is unchanged. An empty map resets the state (as a fresh optimizer).
   * `paramGroups[0].lr`, when given, becomes the learning rate.
   */
  loadStateDict(state: Map<string, Tensor> & { paramGroups?: unknown }): this {
    const op = `${this.kind}.loadStateDict`;
    if (!(state instanceof Map)) fail(op, `expected a Map<string, Tensor> (from stateDict()), got ${describe(state)}`);
    const slots = this.loadableSlots();
    const stepped = this.steps() !== null;
    const want = new Map<string, Tensor | null>();
    for (let i = 0; i < this.params.length; i++) {
      for (const [name, bufs] of slots) want.set(`state.${i}.${name}`, bufs[i]);
      if (stepped) want.set(`state.${i}.step`, null);
    }
    const extra = [...state.keys()].filter((k) => !want.has(k));
    if (extra.length) {
      fail(
        op,
        `unexpected entry ${JSON.stringify(extra[0])} (this optimizer has ${want.size ? [...want.keys()].slice(0, 4).join(', ') : 'no state'}${want.size > 4 ? ', …' : ''})`,
      );
    }
    const present = state.size > 0;
    let step = 0;
    if (present) {
      for (const [name, buf] of want) {
        const t = state.get(name);
        if (t === undefined) fail(op, `missing entry ${JSON.stringify(name)}`);
        if (!(t instanceof Tensor)) fail(op, `entry ${JSON.stringify(name)} is not a Tensor (got ${describe(t)})`);
        t.check(`${op} (${name})`).realize();
        const shape = buf ? buf.shape : [];
        if (buf ? fmt(t.shape) !== fmt(shape) : t.size !== 1) {
          fail(
            op,
            `entry ${JSON.stringify(name)} has shape ${fmt(t.shape)}, expected ${buf ? fmt(shape) : 'one element'}`,
          );
        }
        if (!buf) {
          const s = engine().heap.f32[t.ptr >>> 2];
          if (!(Number.isInteger(s) && s >= 0))
            fail(op, `entry ${JSON.stringify(name)} must be a step count, got ${s}`);
          if (name !== 'state.0.step' && s !== step)
            fail(op, `entry ${JSON.stringify(name)} is ${s}, but state.0.step is ${step}`);
          step = s;
        }
      }
    }
    let lr: number | null = null;
    const groups = state.paramGroups;
    if (groups !== undefined) {
      const g = Array.isArray(groups) ? (groups[0] as { lr?: unknown } | undefined) : undefined;
      if (!Array.isArray(groups) || groups.length !== 1 || typeof g !== 'object' || g === null) {
        fail(op, `paramGroups must hold one group, got ${describe(groups)}`);
      }
      lr = num(op, 'paramGroups[0].lr', g.lr, nonNeg, 'a non-negative number');
    }
    // everything checked: write
    const heap = engine().heap.u8;
    if (present) {
      for (const [name, buf] of want) {
        const t = state.get(name) as Tensor;
        if (buf?.size) heap.copyWithin(buf.ptr, t.ptr, t.ptr + buf.size * 4);
      }
    } else {
      for (const [, bufs] of slots)
        for (const b of bufs) if (b.size) engine().heap.f32.fill(0, b.ptr >>> 2, (b.ptr >>> 2) + b.size);
    }
    this.restored(present, step);
    if (lr !== null) this.rate = lr;
    return this;
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

/** Options of {@link SGD}; `lr` is required, the rest default to PyTorch's values. */
export interface SGDOptions {
  /** Learning rate (required: SGD has no default). */
  lr: number;
  /** Momentum factor μ (default 0: plain SGD). */
  momentum?: number;
  /** L2 penalty added to the gradient, `g + weightDecay·p` (default 0). */
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
  readonly kind: string = 'SGD';
  /** Momentum factor μ. */
  momentum: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Dampening of the momentum (PyTorch's). */
  readonly dampening: number;
  /** Whether the momentum is Nesterov's. */
  readonly nesterov: boolean;
  private readonly bufs: Tensor[];
  private first = true;

  constructor(params: Params, options: SGDOptions) {
    const op = 'optim.SGD';
    if (options === null || typeof options !== 'object' || options.lr === undefined) {
      fail(op, 'lr is required (SGD has no default learning rate), e.g. new optim.SGD(params, { lr: 0.1 })');
    }
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

  protected group() {
    return {
      momentum: this.momentum,
      dampening: this.dampening,
      weightDecay: this.weightDecay,
      nesterov: this.nesterov,
    };
  }

  /** The momentum buffers exist (PyTorch) once the first step made them. */
  protected slots(): [string, readonly Tensor[]][] {
    return this.bufs.length && !this.first ? [['momentum_buffer', this.bufs]] : [];
  }

  protected loadableSlots(): [string, readonly Tensor[]][] {
    return this.bufs.length ? [['momentum_buffer', this.bufs]] : [];
  }

  protected restored(present: boolean): void {
    this.first = !present;
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
