// SPDX-License-Identifier: MIT
// Ownership of tensors: live counts for memory(), tidy scopes, keep(), and the
// FinalizationRegistry safety net for tensors dropped without dispose().

import { engine } from './engine/load.js';
import { SimdgradError } from './errors.js';
import type { Tensor } from './tensor.js';

let liveTensors = 0;
let liveBytes = 0;
const scopes: Tensor[][] = [];

interface Held {
  ptr: number;
  bytes: number;
}
const finalizer =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Held>((h) => {
        liveTensors--;
        liveBytes -= h.bytes;
        engine().heap.release(h.ptr);
      })
    : null;

/**
 * Called by the Tensor constructor: counts it, puts it in the current tidy scope.
 * NOTE: inside a tidy scope the safety-net registration is deferred to the
 * scope's end: until then the scope array holds the tensor strongly (the
 * finalizer could not run anyway), and at the end every tensor is either
 * disposed or survives: kept ones are registered then, returned ones move to the
 * enclosing scope (registered when the outermost one ends). So the
 * net covers the same tensors, and the inference hot path (all in one tidy)
 * skips a register/unregister pair per tensor.
 */
export function track(t: Tensor, _ptr: number, bytes: number): void {
  liveTensors++;
  liveBytes += bytes;
  const scope = scopes[scopes.length - 1];
  if (scope) scope.push(t);
  else register(t);
}

/** Puts a tensor that memory() does not count (a view, src/view.ts) in the current tidy scope. */
export function own(t: Tensor): void {
  const scope = scopes[scopes.length - 1];
  if (scope) scope.push(t);
}

function register(t: Tensor): void {
  if (finalizer === null || t.netted || !t.alive) return;
  t.netted = true;
  finalizer.register(t, { ptr: t.ptr, bytes: t.size * 4 }, t);
}

/** Called by dispose(): frees the block once. */
export function untrack(t: Tensor, ptr: number, bytes: number): void {
  if (t.netted) {
    t.netted = false;
    finalizer?.unregister(t);
  }
  liveTensors--;
  liveBytes -= bytes;
  engine().heap.release(ptr);
}

/** What {@link memory} reports. */
export interface MemoryInfo {
  /** Live tensors a user can hold (parameters, gradients and optimizer state included; internal scratch not). */
  tensors: number;
  /** Bytes of data in those tensors (4 per element). */
  bytes: number;
  /** Size of the wasm linear memory. */
  wasmBytes: number;
}

/**
 * Live tensors, their bytes and the size of the wasm memory: a flat `tensors` count over
 * thousands of training steps shows that nothing leaks.
 * @example
 * ```ts
 * const before = sg.memory().tensors;
 * sg.tidy(() => model.forward(x));
 * sg.memory().tensors === before; // true
 * ```
 */
export function memory(): MemoryInfo {
  return { tensors: liveTensors, bytes: liveBytes, wasmBytes: engine().heap.memory.buffer.byteLength };
}

/**
 * Runs `fn` and disposes every tensor created inside it except those it returns
 * (found in the result, in arrays, Maps and plain objects) and those marked
 * with keep(). Also disposes them when `fn` throws. Returned tensors move to the
 * enclosing scope.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new SimdgradError('tidy: expected a function');
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope)
      if (t.kept) register(t);
      else t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope)
      if (t.kept) register(t);
      else t.dispose();
    throw new SimdgradError('tidy: fn must be synchronous (it returned a Promise)');
  }
  let keepSet: Set<Tensor> | null = null;
  if (result !== null && typeof result === 'object') {
    keepSet = new Set<Tensor>();
    collect(result, keepSet, 0);
  }
  const parent = scopes[scopes.length - 1];
  // views first: a base freed before them would give them blocks just to free them
  for (const t of scope) if (t.base !== null && !keepSet?.has(t) && !t.kept) t.dispose();
  for (const t of scope) {
    if (keepSet?.has(t)) {
      if (parent) parent.push(t);
      else register(t);
    } else if (t.kept) register(t);
    else t.dispose();
  }
  return result;
}

function collect(v: unknown, out: Set<Tensor>, depth: number): void {
  if (v === null || typeof v !== 'object' || depth > 8) return;
  if (isTensor(v)) {
    out.add(v);
    return;
  }
  if (Array.isArray(v)) for (const x of v) collect(x, out, depth + 1);
  else if (v instanceof Map) for (const x of v.values()) collect(x, out, depth + 1);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) collect(x, out, depth + 1);
}

let isTensor: (v: unknown) => v is Tensor = (_v): _v is Tensor => false;
/** Called once by tensor.ts (which imports this module, so it cannot be imported back). */
export function registerTensorClass(test: (v: unknown) => v is Tensor): void {
  isTensor = test;
}

/** Marks a tensor so that no tidy() scope disposes it (parameters, gradients, optimizer state). */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  return t;
}
