// SPDX-License-Identifier: MIT
// The op registry: every differentiable op is declared ONCE with defineOp and
// is then callable (the returned function) and recordable on the tape.
//
// API (used by every file of src/ops/), e.g. from src/ops/unary.ts:
//
//   const expOp = defineOp({
//     name: 'exp',
//     save: { inputs: [], output: true },           // backward reads the output y
//     forward: ([x]) => { const y = empty(x.shape, 'exp'); engine().k.exp_fwd(x.ptr, y.ptr, y.size); return y; },
//     backward: (dy, { output: y }) => { const dx = empty(y.shape, 'exp');
//                                        engine().k.exp_bwd(y.ptr, dy.ptr, dx.ptr, dx.size); return [dx]; },
//   });
//   export const exp = (x: TensorOrScalar) => expOp([x], undefined);   // attrs: the op's non-tensor arguments
//   method('exp', exp);                               // x.exp()
//
// - `forward(inputs, attrs, ctx)` gets live, realized tensors (scalars already
//   converted to 0-D tensors), validates everything BEFORE allocating, and
//   returns a fresh output. It runs with taping paused, so it may compose other
//   ops (their intermediates are its own to dispose). It may `ctx.save(t)`
//   extra internal tensors it made (a mask, argmax indices…): they belong to the
//   tape and are freed after backward (at once when not recording;
//   `ctx.recording` says which, so a forward can skip computing them).
// - `backward(dy, saved)` returns one gradient per input (null where
//   `saved.needs[i]` is false or the input gets none), each with that input's
//   shape. Each entry is a FRESH tensor or `dy` itself (the tape takes ownership
//   of both; never return a saved tensor), or `saved.into[i]` when the backward
//   overwrote that destination (a leaf's .grad) with the gradient. Temporaries must be disposed inside.
//   It runs with recording paused. `backward: null` declares the op
//   non-differentiable (argmax): its outputs are constants, never taped.
// - `save.inputs` lists the input indices backward reads, `save.output` whether
//   it reads the output: their version counters are checked at backward time
//   (an in-place edit in between is a SimdgradError /modified/).
// - A transpose view input (`x.T`, src/view.ts) reaches forward as a contiguous
//   transposed copy made by the recorded `transpose` op for that call (matmul
//   reads views' bases itself, before apply).
// - Saved tensors are held by the tape: a dispose() or tidy() before backward
//   only marks them disposed; they are freed when backward finishes.
// The typed table of all core ops is src/ops/table.ts (`OpName`); `method()`
// attaches an op's public function as a Tensor method of the same name;
// `shapeOf`/`asTensor` validate an argument before its attrs are computed.

import { tensor } from '../creation.js';
import { describe, fail } from '../errors.js';
import { keep } from '../memory.js';
import { pauseTape, recordNode, requiresGrad, resumeTape, tapeFor } from '../tape.js';
import { Tensor } from '../tensor.js';

/** An op argument: a tensor, or a number taken as a 0-D tensor (broadcast against the other operand). */
export type TensorOrScalar = Tensor | number;

/** What backward sees. Tensors listed in `save` are readable; the others may be gone. */
export interface Saved<A> {
  /** The forward's inputs (scalars as 0-D tensors). */
  readonly inputs: readonly Tensor[];
  /** The forward's output. */
  readonly output: Tensor;
  /** Tensors the forward saved with `ctx.save` (freed after backward). */
  readonly extra: readonly Tensor[];
  /** The attributes the op was called with. */
  readonly attrs: A;
  /** needs[i]: input i wants a gradient (a leaf with attachGrad or a taped value). */
  readonly needs: readonly boolean[];
  /**
   * into[i]: where input i's gradient may be WRITTEN directly (a 'write'-mode
   * leaf's `.grad`, receiving its first gradient), or null. A backward that
   * writes it returns that same tensor as gradient i; any other may ignore it.
   */
  readonly into: readonly (Tensor | null)[];
}

export type Backward<A> = (dy: Tensor, saved: Saved<A>) => (Tensor | null)[];

export interface ForwardCtx {
  /** True when the op is being recorded (extras saved will reach backward). */
  readonly recording: boolean;
  /** Keeps an internal tensor for backward; freed by the tape. */
  save(t: Tensor): void;
}

/**
 * An op's definition for {@link defineOp}: its name, what backward reads, forward and backward.
 * @example
 * ```ts
 * const double = sg.defineOp({
 *   name: 'double',
 *   save: { inputs: [], output: false },
 *   forward: ([x]) => x.mul(2),
 *   backward: (dy) => [dy.mul(2)],
 * });
 * ```
 */
export interface OpDef<A> {
  /** The name errors and the tape use. */
  readonly name: string;
  /** What backward reads: input indices and/or the output (version-checked). */
  readonly save: {
    /** Indices of the inputs backward reads. */
    readonly inputs: readonly number[];
    /** Whether backward reads the output. */
    readonly output: boolean;
  };
  /** Computes the output from the inputs (not taped: ops it calls run untaped). */
  readonly forward: (inputs: readonly Tensor[], attrs: A, ctx: ForwardCtx) => Tensor;
  /** Required: a function, or null for a non-differentiable op. */
  readonly backward: Backward<A> | null;
}

export interface Op<A> {
  (inputs: readonly TensorOrScalar[], attrs: A): Tensor;
  readonly def: OpDef<A>;
}

/** Declares an op once; the result runs it (and tapes it when recording). */
export function defineOp<A = undefined>(def: OpDef<A>): Op<A> {
  const run = (args: readonly TensorOrScalar[], attrs: A) => apply(def, args, attrs);
  return Object.assign(run, { def });
}

/** x as a live Tensor (for ops that need its shape before apply), or the op's error. */
export function asTensor(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) fail(op, `expected a tensor, got ${describe(x)}`);
  return x.check(op);
}

/** The shape of an op's input, validated: a number is a 0-D tensor (scalars are accepted where a tensor is). */
export function shapeOf(op: string, x: unknown): readonly number[] {
  return typeof x === 'number' ? [] : asTensor(op, x).shape;
}

// The recorded transposed copy of a view's base (src/ops/shape.ts registers it).
let viewCopy: Op<undefined> | null = null;
/** Sets the op that copies a transpose view's base for ops that need contiguous data. @internal */
export function setViewCopy(op: Op<undefined>): void {
  viewCopy = op;
}

/**
 * Scalar inputs (numbers) are wrapped as 0-D tensors and transpose views copied
 * (src/view.ts), both into `temps`; anything else names the op.
 */
function inputsOf(op: string, args: readonly TensorOrScalar[], temps: Tensor[]): Tensor[] {
  const n = args.length;
  const inputs: Tensor[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a: unknown = args[i];
    if (a instanceof Tensor) {
      a.check(op);
      if (a.base !== null) {
        const c = viewCopy!([a.base], undefined); // a view: its transposed copy, freed with the call or the tape
        temps.push(c);
        inputs[i] = c;
      } else inputs[i] = a;
    } else if (typeof a === 'number') {
      const t = tensor(a);
      temps.push(t);
      inputs[i] = t;
    } else fail(op, `expected a tensor or a number, got ${describe(a)}`);
  }
  return inputs;
}

function disposeAll(ts: readonly Tensor[]): void {
  for (let i = 0; i < ts.length; i++) ts[i].dispose();
}

// Extras saved by forwards that are not recorded, freed when their op returns.
// A stack: a forward may call ops, whose apply() frees only what lies above its mark.
const untapedExtras: Tensor[] = [];
const UNTAPED: ForwardCtx = Object.freeze({ recording: false, save: (t: Tensor) => void untapedExtras.push(t) });

function freeExtrasFrom(mark: number): void {
  while (untapedExtras.length > mark) untapedExtras.pop()?.dispose();
}

function apply<A>(def: OpDef<A>, args: readonly TensorOrScalar[], attrs: A): Tensor {
  const temps: Tensor[] = [];
  let inputs: Tensor[];
  try {
    inputs = inputsOf(def.name, args, temps);
  } catch (e) {
    disposeAll(temps);
    throw e;
  }
  const tape = def.backward ? tapeFor() : null;
  let needs: boolean[] | null = null;
  if (tape) {
    for (let i = 0; i < inputs.length; i++) {
      if (requiresGrad(inputs[i], tape)) {
        needs = inputs.map((t) => requiresGrad(t, tape));
        break;
      }
    }
  }
  if (!tape || !needs) {
    // Not recorded (the inference path): no tape bookkeeping, no closures.
    const mark = untapedExtras.length;
    pauseTape(); // ops a forward calls are not taped
    try {
      return def.forward(inputs, attrs, UNTAPED);
    } finally {
      resumeTape();
      freeExtrasFrom(mark);
      disposeAll(temps);
    }
  }
  const extra: Tensor[] = [];
  const ctx: ForwardCtx = { recording: true, save: (t) => void extra.push(t) };
  let out: Tensor;
  pauseTape();
  try {
    out = def.forward(inputs, attrs, ctx);
  } catch (e) {
    disposeAll(temps);
    disposeAll(extra);
    throw e;
  } finally {
    resumeTape();
  }
  // The tape owns scalar temporaries and extras until backward frees them.
  for (const t of temps) keep(t);
  for (const t of extra) keep(t);
  recordNode(tape, def as OpDef<unknown>, inputs, out, attrs, needs, extra, temps);
  return out;
}

/** Makes `fn(x, ...rest)` available as `x.name(...rest)`. */
export function method<R extends unknown[]>(name: string, fn: (x: Tensor, ...rest: R) => unknown): void {
  Object.defineProperty(Tensor.prototype, name, {
    value: function (this: Tensor, ...rest: R) {
      return fn(this, ...rest);
    },
    writable: true,
    configurable: true,
  });
}
