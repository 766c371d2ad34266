// SPDX-License-Identifier: MIT
// backward() over the tape (src/tape.ts), MXNet/d2l semantics, camelCase:
//
//   x.attachGrad({ accumulate? })   x becomes a leaf; x.grad = zeros (kept). On a
//                                   tensor that already has a grad: keeps it and its mode.
//   const y = autograd.record(() => f(x))   ops on leaves/taped values are appended to a tape
//   y.backward(headGrad?)           walks that tape ARRAY in reverse (no recursion, no Set
//                                   order); non-scalar y gets a head of ones; leaf grads
//                                   are WRITTEN into the existing x.grad buffer ('write')
//                                   or added to it ('add'); every leaf on the tape that
//                                   receives nothing gets zeros in 'write' mode.
//   grad(f), valueAndGrad(f)        record on a tape of their own (also inside an outer record)
//
// backward() twice on one tape throws /already/. Intermediate gradients are
// freed as soon as they are consumed; the tape is released when backward ends.

import { addInto, copyInto, copyOf, fill } from './buffers.js';
import { ones, zeros } from './creation.js';
import { describe, fail, fmt } from './errors.js';
import { keep } from './memory.js';
import type { Saved } from './ops/registry.js';
import { Link, type Node, pauseTape, recordOn, release, resumeTape, Tape } from './tape.js';
import { empty, Tensor, transposeInto } from './tensor.js';

export { autograd } from './tape.js';

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
  if (y.base !== null) {
    backwardView(y, head);
    return;
  }
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
  pauseTape();
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
      else fill(dst, 0);
      dst.version++;
      g?.dispose();
    }
  } finally {
    resumeTape();
    for (const g of pending.values()) g.dispose();
    for (const g of leafGrads.values()) g.dispose();
    release(tape);
  }
}

/**
 * backward() from a transpose view (src/view.ts): the head, transposed, goes to
 * its base — on through the tape when the base was recorded, or into the base's
 * .grad when it is a leaf and the view was taken while recording.
 */
function backwardView(y: Tensor, head: Tensor | undefined): void {
  const op = 'backward';
  const b = y.base as Tensor;
  if (head !== undefined) {
    if (!(head instanceof Tensor)) fail(op, 'headGrad must be a Tensor');
    head.check(op);
    if (fmt(head.shape) !== fmt(y.shape)) {
      fail(op, `head gradient has shape ${fmt(head.shape)} but the output has shape ${fmt(y.shape)}`);
    }
  }
  const taped = y.viewRecord(false)?.taped === true;
  if (!(b.node instanceof Link) && !(b.gradReq !== null && taped)) {
    fail(
      op,
      `tensor ${fmt(y.shape)} was not recorded: compute it inside autograd.record(() => …) from tensors that called attachGrad()`,
    );
  }
  const h = empty(b.shape, op);
  if (head) transposeInto(head.realize(), h);
  else fill(h, 1);
  try {
    if (b.node instanceof Link) backward(b, h);
    else {
      if (!b.grad || b.grad.disposed) b.grad = keep(zeros(b.shape));
      if (b.gradReq === 'add') addInto(b.grad, h);
      else copyInto(b.grad, h);
      b.grad.version++;
    }
  } finally {
    h.dispose();
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
