// SPDX-License-Identifier: MIT
// The gradient tape (MXNet/d2l semantics, camelCase):
//
//   x.attachGrad({ accumulate? })   x becomes a leaf; x.grad = zeros (kept). On a
//                                   tensor that already has a grad: keeps it and its mode.
//   const y = autograd.record(() => f(x))   ops on leaves/taped values are appended to a tape
//   y.backward(headGrad?)           walks that tape ARRAY in reverse (no recursion, no Set
//                                   order); non-scalar y gets a head of ones; leaf grads
//                                   are WRITTEN into the existing x.grad buffer ('write')
//                                   or added to it ('add'); every leaf on the tape that
//                                   receives nothing gets zeros in 'write' mode.
//   autograd.isRecording(), autograd.pause(fn), grad(f), valueAndGrad(f)
//
// A top-level record() starts a new tape; a nested record() continues the
// current one. A tensor from another tape is a constant here. Saved inputs and
// outputs are version-checked at backward (/modified/); internal saved tensors
// and scalar temporaries are freed when backward finishes (or by the GC if
// backward never runs). backward() twice on one tape throws /already/.
// Tensors a node saved are held: disposing them (or a tidy() ending) before
// backward only marks them disposed; they are freed when backward finishes.
// Intermediate gradients are freed as soon as they are consumed. grad(f) and
// valueAndGrad(f) record on a tape of their own (also inside an outer record).
// If record's fn throws, its tape is released. Internal helpers for op files:
// tapeFor/requiresGrad/recordNode (registry.ts), runPaused, addInto/copyInto/copyOf.

import { ones, zeros } from './creation.js';
import { engine } from './engine/load.js';
import { describe, fail, fmt } from './errors.js';
import { keep } from './memory.js';
import type { OpDef, Saved } from './ops/registry.js';
import { empty, type TapeLink, Tensor } from './tensor.js';

interface Node {
  def: OpDef<unknown>;
  inputs: Tensor[];
  output: Tensor;
  attrs: unknown;
  needs: boolean[];
  extra: Tensor[];
  temps: Tensor[];
  /** [tensor, version at record time] for every tensor backward reads. */
  watched: [Tensor, number][];
}

let nextTapeId = 1;
class Tape {
  readonly id = nextTapeId++;
  nodes: Node[] = [];
  done = false;
}

class Link implements TapeLink {
  constructor(
    readonly tape: Tape,
    readonly index: number,
  ) {}
  get tapeId(): number {
    return this.tape.id;
  }
}

let current: Tape | null = null;
let paused = 0;

/** The tape ops should record on now, or null. @internal */
export function tapeFor(): Tape | null {
  return paused === 0 ? current : null;
}

/** A leaf that wants a gradient, or a value taped on `tape`. @internal */
export function requiresGrad(t: Tensor, tape: Tape): boolean {
  if (t.gradReq !== null) return true;
  return t.node instanceof Link && t.node.tape === tape && !tape.done;
}

/** Appends a node and links the output to it. @internal */
export function recordNode(
  tape: Tape,
  def: OpDef<unknown>,
  inputs: Tensor[],
  output: Tensor,
  attrs: unknown,
  needs: boolean[],
  extra: Tensor[],
  temps: Tensor[],
): void {
  const watched: [Tensor, number][] = def.save.inputs.map((i) => [inputs[i], inputs[i].version]);
  if (def.save.output) watched.push([output, output.version]);
  for (const [t] of watched) t.hold(); // a tidy()/dispose() before backward defers the free
  output.node = new Link(tape, tape.nodes.length);
  tape.nodes.push({ def, inputs, output, attrs, needs, extra, temps, watched });
}

/** Runs fn with taping paused (an op's forward: what it calls inside is not taped). @internal */
/** pauseTape()/resumeTape(): runPaused without a closure, for the op hot path; always paired (try/finally). @internal */
export function pauseTape(): void {
  paused++;
}
/** @internal */
export function resumeTape(): void {
  paused--;
}

export function runPaused<T>(fn: () => T): T {
  paused++;
  try {
    return fn();
  } finally {
    paused--;
  }
}

function isRecording(): boolean {
  return current !== null && paused === 0;
}

const AsyncFunction = (async () => {}).constructor;
const SYNC_ONLY = 'fn must be synchronous: ops after an await would run outside the tape';

function record<T>(fn: () => T): T {
  const op = 'autograd.record';
  if (typeof fn !== 'function') fail(op, 'expected a function');
  if (fn instanceof AsyncFunction) fail(op, `${SYNC_ONLY} (got an async function)`);
  if (current !== null) {
    // nested: continue the enclosing tape (also un-pauses, as MXNet's record scope does)
    const p = paused;
    paused = 0;
    try {
      const r = fn();
      if (r instanceof Promise) fail(op, `${SYNC_ONLY} (it returned a Promise)`);
      return r;
    } finally {
      paused = p;
    }
  }
  const tape = new Tape();
  const r = recordOn(tape, fn);
  if (r instanceof Promise) {
    release(tape);
    fail(op, `${SYNC_ONLY} (it returned a Promise)`);
  }
  return r;
}

/** Runs fn recording on `tape` (restoring the enclosing tape and pause state after). */
function recordOn<T>(tape: Tape, fn: () => T): T {
  const outer = current;
  const p = paused;
  current = tape;
  paused = 0;
  try {
    return fn();
  } catch (e) {
    release(tape); // nothing recorded can reach backward now
    throw e;
  } finally {
    current = outer;
    paused = p;
  }
}

function pause<T>(fn: () => T): T {
  if (typeof fn !== 'function') fail('autograd.pause', 'expected a function');
  paused++;
  try {
    return fn();
  } finally {
    paused--;
  }
}

export const autograd = { record, pause, isRecording };

// ---- in-place helpers on contiguous buffers (memory moves are exact) ----

/** dst += src (same size), with the add kernel. @internal */
export function addInto(dst: Tensor, src: Tensor): void {
  if (dst.size === 0) return;
  engine().k.add_fwd(dst.ptr, src.ptr, dst.ptr, 1, 1, 1, dst.size, 0, 0, 0, 1, 0, 0, 0, 1);
}

/** dst = src (same size). @internal */
export function copyInto(dst: Tensor, src: Tensor): void {
  const f = engine().heap.f32;
  const s = src.ptr >>> 2;
  f.copyWithin(dst.ptr >>> 2, s, s + src.size);
}

/** A fresh copy of t. @internal */
export function copyOf(t: Tensor): Tensor {
  const c = empty(t.shape, 'copy');
  copyInto(c, t);
  return c;
}

// ---- attachGrad / backward ----

declare module './tensor.js' {
  interface Tensor {
    /** Makes this tensor a leaf with a zero `.grad` (kept). `accumulate`: backward adds instead of writing. */
    attachGrad(options?: { accumulate?: boolean }): void;
    /** Backpropagates from this recorded tensor into every leaf's `.grad`. */
    backward(headGrad?: Tensor): void;
  }
}

Tensor.prototype.attachGrad = function (this: Tensor, options: { accumulate?: boolean } = {}) {
  this.check('attachGrad');
  if (options === null || typeof options !== 'object') fail('attachGrad', 'options must be an object');
  this.node = null;
  if (this.grad && !this.grad.disposed) {
    this.gradReq ??= options.accumulate ? 'add' : 'write';
    return;
  }
  this.grad = keep(zeros(this.shape));
  this.gradReq = options.accumulate ? 'add' : 'write';
};

Tensor.prototype.backward = function (this: Tensor, headGrad?: Tensor) {
  backward(this, headGrad);
};

function backward(y: Tensor, head: Tensor | undefined): void {
  const op = 'backward';
  y.check(op);
  const link = y.node;
  if (!(link instanceof Link)) {
    fail(
      op,
      `tensor ${fmt(y.shape)} was not recorded: compute it inside autograd.record(() => …) from tensors that called attachGrad()`,
    );
  }
  const tape = link.tape;
  if (tape.done) {
    fail(op, 'this tape was already used by backward(): backward() cannot run twice on one recording; record again');
  }
  if (head !== undefined) {
    if (!(head instanceof Tensor)) fail(op, 'headGrad must be a Tensor');
    head.check(op);
    if (fmt(head.shape) !== fmt(y.shape)) {
      fail(op, `head gradient has shape ${fmt(head.shape)} but the output has shape ${fmt(y.shape)}`);
    }
  }
  const nodes = tape.nodes.slice(0, link.index + 1);
  for (const n of nodes) {
    for (const [t, v] of n.watched) {
      if (!t.alive) fail(op, `a tensor ${fmt(t.shape)} saved by ${n.def.name} was freed before backward`);
      if (t.version !== v) {
        fail(
          op,
          `a tensor ${fmt(t.shape)} saved by ${n.def.name} was modified in place after it was recorded (version ${v} → ${t.version})`,
        );
      }
    }
  }
  tape.done = true;
  paused++;
  const pending = new Map<Tensor, Tensor>();
  const leafGrads = new Map<Tensor, Tensor>();
  const leaves: Tensor[] = [];
  const direct = new Set<Tensor>(); // 'write' leaves whose .grad a backward wrote directly
  try {
    pending.set(y, head ? copyOf(head) : ones(y.shape));
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i];
      for (const t of n.inputs) if (t.gradReq !== null && !leaves.includes(t)) leaves.push(t);
      const dy = pending.get(n.output);
      if (!dy) continue;
      pending.delete(n.output);
      const into = directTargets(n, leafGrads, direct);
      const saved: Saved<unknown> = {
        inputs: n.inputs,
        output: n.output,
        extra: n.extra,
        attrs: n.attrs,
        needs: n.needs,
        into,
      };
      const grads = n.def.backward!(dy, saved);
      let dyUsed = false;
      for (let j = 0; j < n.inputs.length; j++) {
        let g = grads[j] ?? null;
        if (g === null) continue;
        const x = n.inputs[j];
        if (into[j] !== null && g === into[j]) {
          direct.add(x); // already in x.grad; later gradients are added to it in order
          continue;
        }
        if (!n.needs[j]) {
          if (g !== dy) g.dispose();
          continue;
        }
        if (g === dy) {
          if (dyUsed) g = copyOf(dy);
          dyUsed = true;
        }
        if (g.size !== x.size) {
          throw new Error(`simdgrad internal error: ${n.def.name} backward gave ${fmt(g.shape)} for ${fmt(x.shape)}`);
        }
        if (direct.has(x)) {
          addInto(x.grad!, g);
          g.dispose();
        } else accumulate(x.gradReq !== null ? leafGrads : pending, x, g);
      }
      if (!dyUsed) dy.dispose();
    }
    for (const leaf of leaves) {
      const g = leafGrads.get(leaf);
      leafGrads.delete(leaf);
      if (!leaf.grad || leaf.grad.disposed) leaf.grad = keep(zeros(leaf.shape));
      const dst = leaf.grad;
      if (direct.has(leaf)) {
        // written (and added to) in place during the walk
      } else if (leaf.gradReq === 'add') {
        if (g) addInto(dst, g);
      } else if (g) copyInto(dst, g);
      else if (dst.size) engine().heap.f32.fill(0, dst.ptr >>> 2, (dst.ptr >>> 2) + dst.size);
      dst.version++;
      g?.dispose();
    }
  } finally {
    paused--;
    for (const g of pending.values()) g.dispose();
    for (const g of leafGrads.values()) g.dispose();
    release(tape);
  }
}

const NO_TARGETS: readonly null[] = Object.freeze([null, null, null, null, null, null, null, null]);

/**
 * Saved.into for node n: for each input that is a 'write'-mode leaf appearing
 * once among the inputs and not having received a gradient yet, its .grad
 * (created if missing), unless that buffer is saved by a node (still to be read)
 * or is one of n's own tensors. The first gradient written there gives the same
 * bits as the copy it replaces; later ones are added in the same order.
 */
function directTargets(n: Node, leafGrads: Map<Tensor, Tensor>, direct: Set<Tensor>): readonly (Tensor | null)[] {
  let into: (Tensor | null)[] | null = null;
  const ins = n.inputs;
  for (let j = 0; j < ins.length; j++) {
    const x = ins[j];
    if (!n.needs[j] || x.gradReq !== 'write' || leafGrads.has(x) || direct.has(x)) continue;
    if (ins.indexOf(x) !== j || ins.lastIndexOf(x) !== j) continue;
    if (!x.grad || x.grad.disposed) x.grad = keep(zeros(x.shape));
    const g = x.grad;
    if (g.holds > 0 || g === n.output || ins.includes(g) || n.extra.includes(g) || g.size !== x.size) continue;
    into ??= new Array<Tensor | null>(ins.length).fill(null);
    into[j] = g;
  }
  return into ?? (ins.length <= NO_TARGETS.length ? NO_TARGETS : new Array<null>(ins.length).fill(null));
}

/** Frees what the tape owns (extras, scalar temporaries) and lets go of saved tensors. */
function release(tape: Tape): void {
  tape.done = true;
  for (const n of tape.nodes) {
    for (const t of n.extra) t.dispose();
    for (const t of n.temps) t.dispose();
    for (const [t] of n.watched) t.unhold();
  }
  tape.nodes = [];
}

function accumulate(map: Map<Tensor, Tensor>, key: Tensor, g: Tensor): void {
  const have = map.get(key);
  if (!have) {
    map.set(key, g);
    return;
  }
  addInto(have, g);
  g.dispose();
}

// ---- functional forms ----

/** A function returning the gradients of scalar `f` with respect to each argument. */
export function grad(f: (...args: Tensor[]) => Tensor): (...args: Tensor[]) => Tensor[] {
  const vg = gradFunction('grad', f);
  return (...args) => {
    const [value, grads] = vg(...args);
    value.dispose();
    return grads;
  };
}

/** A function returning `[value, grads]` of scalar `f` at its tensor arguments. */
export function valueAndGrad(f: (...args: Tensor[]) => Tensor): (...args: Tensor[]) => [Tensor, Tensor[]] {
  return gradFunction('valueAndGrad', f);
}

/** valueAndGrad, with errors naming `op` (the function the caller called). */
function gradFunction(
  op: 'grad' | 'valueAndGrad',
  f: (...args: Tensor[]) => Tensor,
): (...args: Tensor[]) => [Tensor, Tensor[]] {
  if (typeof f !== 'function') fail(op, `expected a function, got ${describe(f)}`);
  return (...args) => {
    args.forEach((a, i) => {
      if (!(a instanceof Tensor)) fail(op, `argument ${i} must be a Tensor`);
      a.check(op);
    });
    const state = args.map((a) => ({ grad: a.grad, gradReq: a.gradReq, link: a.node }));
    const grads: Tensor[] = [];
    let value: Tensor | undefined;
    try {
      args.forEach((a, i) => {
        if (args.indexOf(a) < i) return; // the same tensor twice: one leaf, copied below
        a.grad = null;
        a.gradReq = null;
        a.attachGrad();
        grads[i] = a.grad as unknown as Tensor;
      });
      value = recordOn(new Tape(), () => f(...args)); // its own tape, also inside an outer record()
      if (!(value instanceof Tensor)) fail(op, 'f must return a Tensor');
      if (value.size !== 1) fail(op, `f must return a scalar (size 1), got shape ${fmt(value.shape)}`);
      value.backward();
    } catch (e) {
      if (value instanceof Tensor && value.node instanceof Link) release(value.node.tape);
      for (const g of grads) g?.dispose();
      if (value instanceof Tensor && !args.includes(value)) value.dispose();
      throw e;
    } finally {
      args.forEach((a, i) => {
        a.grad = state[i].grad;
        a.gradReq = state[i].gradReq;
        a.node = state[i].link;
      });
    }
    const out = args.map((a, i) => grads[i] ?? copyOf(grads[args.indexOf(a)]));
    for (const g of out) g.kept = false;
    return [value, out];
  };
}
