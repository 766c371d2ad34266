// SPDX-License-Identifier: MIT
// Engine blocks the int8 kernels borrow for one call (src/nn/quantized.ts,
// src/nn/quantized_sequential.ts): the quantized input rows and hidden rows
// (`scratch`), and the layer table of a fused chain (`planBlock`). Kernels run
// one at a time on the calling thread, so one block of each serves every
// quantized module; each is kept and grown to the largest request, so a forward
// allocates nothing but its output. A new engine (init again) starts over.
// The first use in an engine also settles the relaxed build's dot form (see
// settleDotForm).

import { engine } from '../engine/load.js';

class Block {
  private ptr = 0;
  private bytes = 0;
  private heap: unknown = null;
  constructor(private readonly op: string) {}

  /** A block of at least `bytes` in the current engine (its address may change between calls). */
  get(bytes: number): number {
    const { heap } = engine();
    if (this.heap !== heap) {
      this.ptr = 0; // a new engine: the old block went with the old memory
      this.bytes = 0;
      this.heap = heap;
      settleDotForm();
    }
    if (bytes > this.bytes) {
      const size = Math.max(bytes, 2 * this.bytes);
      const ptr = heap.alloc(size, this.op);
      heap.release(this.ptr);
      this.ptr = ptr;
      this.bytes = size;
    }
    return this.ptr;
  }
}

const scratchBlock = new Block('QuantizedLinear');
const plan = new Block('QuantizedSequential');

/** The kernels' scratch: at least `bytes`. */
export function scratch(bytes: number): number {
  return scratchBlock.get(bytes);
}

/** The table of a linear_int8_chain call: 8 i32 per step. */
export function planBlock(steps: number): number {
  return plan.get(steps * 32);
}

let settledFor: unknown = null;

/**
 * The relaxed build picks its dot form itself (assembly/int8_relaxed.ts: the
 * fused dot-add when its check passes). V8 before 11.4, where relaxed SIMD was
 * still behind a flag (Node 20), gets the split form whatever the check says:
 * its baseline code returns twice the fused sums, and a check that happened to
 * run in optimized code would pass.
 */
function settleDotForm(): void {
  const e = engine();
  if (settledFor === e.heap) return;
  settledFor = e.heap;
  const v8 = (globalThis as { process?: { versions?: { v8?: string } } }).process?.versions?.v8;
  const [major, minor] = (v8 ?? '').split('.').map(Number);
  if (v8 !== undefined && (major < 11 || (major === 11 && minor < 4))) e.k.int8_dot_mode(1);
}
