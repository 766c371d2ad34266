// SPDX-License-Identifier: MIT
// The gradient tape: what record() appends to and backward() (src/autograd.ts)
// walks. A top-level autograd.record() starts a new tape; a nested record()
// continues the current one. A tensor from another tape is a constant here.
// Each node keeps its op, inputs, output, attrs, what backward reads (`watched`,
// version-checked: /modified/) and what it owns (extras saved by the forward,
// scalar temporaries, transposed copies of views): held until the tape is
// released (after backward, or when record's fn throws). Saved tensors are
// held: disposing them (or a tidy() ending) before backward only marks them
// disposed. Op files reach it through src/ops/registry.ts (tapeFor,
// requiresGrad, recordNode, pauseTape/resumeTape).

import { fail } from './errors.js';
import type { OpDef } from './ops/registry.js';
import type { TapeLink, Tensor } from './tensor.js';

export interface Node {
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
export class Tape {
  readonly id = nextTapeId++;
  nodes: Node[] = [];
  done = false;
}

export class Link implements TapeLink {
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

/** pauseTape()/resumeTape(): taping paused while an op's forward runs (what it calls is not taped); always paired (try/finally). @internal */
export function pauseTape(): void {
  paused++;
}
/** @internal */
export function resumeTape(): void {
  paused--;
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
export function recordOn<T>(tape: Tape, fn: () => T): T {
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

/**
 * The gradient tape, as MXNet's `autograd`.
 * @example
 * ```ts
 * const x = sg.arange(-8, 8, 0.1);
 * x.attachGrad();
 * const y = sg.autograd.record(() => sg.relu(x));
 * y.backward(); // x.grad: 0 for x ≤ 0, 1 above
 * ```
 */
export const autograd = {
  /** Runs `fn` (synchronous) recording the ops it runs on a tape, and returns its result; `backward()` on that result walks the tape. Nested calls continue the enclosing tape. */
  record,
  /** Runs `fn` with recording paused (ops inside are not taped) and returns its result. */
  pause,
  /** Whether ops run now are taped (inside `record` and not paused). */
  isRecording,
};

/** Frees what the tape owns (extras, scalar temporaries) and lets go of saved tensors. */
export function release(tape: Tape): void {
  tape.done = true;
  for (const n of tape.nodes) {
    for (const t of n.extra) t.dispose();
    for (const t of n.temps) t.dispose();
    for (const [t] of n.watched) t.unhold();
  }
  tape.nodes = [];
}
