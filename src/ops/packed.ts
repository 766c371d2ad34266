// SPDX-License-Identifier: MIT
// Packed weights for inference: a linear outside a recording runs on a copy of
// W [N,K] in the GEMM's column panels (assembly/gemv.ts gemv_nt_pack), which
// gives the same bits as the GEMM without packing W again at every call (and,
// for few rows, without the matrix-vector path's 4×4 transposes). The copy is engine
// heap scratch (not counted by memory()), cached per weight tensor and version:
// - it is built only when the same (weight, version) is used a SECOND time
//   outside a recording, so training (a new version every step) never pays for it;
// - a version change frees it (the next uses re-earn it), and so do the weight's
//   dispose() (Tensor.onFree) and, for a weight dropped without dispose, the GC.

import { engine } from '../engine/load.js';
import type { Tensor } from '../tensor.js';

interface Entry {
  /** The weight's version the entry describes. */
  version: number;
  /** The packed copy (0: not built yet). */
  ptr: number;
}

const entries = new WeakMap<Tensor, Entry>();

const net =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<number>((ptr) => engine().heap.release(ptr))
    : null;

function free(w: Tensor, e: Entry): void {
  if (e.ptr === 0) return;
  net?.unregister(e);
  engine().heap.release(e.ptr);
  e.ptr = 0;
  w.onFree = null;
}

/**
 * The packed copy of w [N,K] at its current version, or 0 (use the GEMM): not
 * yet earned (first use of this version), empty, or no memory for it.
 */
export function packedWeight(w: Tensor, N: number, K: number): number {
  const e = entries.get(w);
  if (e === undefined) {
    entries.set(w, { version: w.version, ptr: 0 });
    return 0;
  }
  if (e.version !== w.version) {
    free(w, e);
    e.version = w.version;
    return 0;
  }
  if (e.ptr !== 0) return e.ptr;
  const { k, heap } = engine();
  const bytes = k.gemv_nt_pack_bytes(N, K);
  if (bytes === 0) return 0;
  let ptr: number;
  try {
    ptr = heap.alloc(bytes, 'linear');
  } catch {
    return 0; // out of memory: the GEMM needs no copy
  }
  k.gemv_nt_pack(w.ptr, ptr, N, K);
  e.ptr = ptr;
  const entry = e;
  w.onFree = () => free(w, entry);
  net?.register(w, ptr, e);
  return ptr;
}
