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

/** Called by the Tensor constructor: counts it, puts it in the current tidy scope. */
export function track(t: Tensor, ptr: number, bytes: number): void {
  liveTensors++;
  liveBytes += bytes;
  finalizer?.register(t, { ptr, bytes }, t);
  const scope = scopes[scopes.length - 1];
  if (scope) scope.push(t);
}

/** Called by dispose(): frees the block once. */
export function untrack(t: Tensor, ptr: number, bytes: number): void {
  finalizer?.unregister(t);
  liveTensors--;
  liveBytes -= bytes;
  engine().heap.release(ptr);
}

export interface MemoryInfo {
  /** Live tensors a user can hold (parameters, gradients and optimizer state included; internal scratch not). */
  tensors: number;
  /** Bytes of data in those tensors (4 per element). */
  bytes: number;
  /** Size of the wasm linear memory. */
  wasmBytes: number;
}

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
    for (const t of scope) if (!t.kept) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) if (!t.kept) t.dispose();
    throw new SimdgradError('tidy: fn must be synchronous (it returned a Promise)');
  }
  const keepSet = new Set<Tensor>();
  collect(result, keepSet, 0);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (keepSet.has(t)) parent?.push(t);
    else if (!t.kept) t.dispose();
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

let TensorClass: (abstract new (...a: never[]) => Tensor) | null = null;
export function registerTensorClass(c: abstract new (...a: never[]) => Tensor): void {
  TensorClass = c;
}
function isTensor(v: unknown): v is Tensor {
  return TensorClass !== null && v instanceof TensorClass;
}

/** Marks a tensor so that no tidy() scope disposes it (parameters, gradients, optimizer state). */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  return t;
}
