// SPDX-License-Identifier: MIT
// The heap: 16-byte-aligned blocks in the wasm linear memory, each with at least
// 16 bytes of slack after it (kernels may LOAD a full vector past a tail), kept
// in size-class free lists and bump-allocated above the module's static data.
// The memory grows on demand; typed-array views are re-derived after every
// growth (grow detaches the old ArrayBuffer). Address 0 means "no block": zero-
// size tensors take none. Past the limit: a SimdgradError, never a RangeError.
// Byte arithmetic is float64 throughout (no 32-bit bit operators): wasm32
// addresses reach 2^32, where `x & ~15` would wrap to a small or negative size.

import { SimdgradError } from '../errors.js';

const PAGE = 65536;
/** wasm32 can address at most 65536 pages (4 GiB). */
export const MAX_PAGES = 65536;
const SLACK = 16;

/** Bytes a wasm32 memory can address (65536 pages of 64 KiB). */
export const MAX_BYTES = MAX_PAGES * PAGE;

/** Rounds `n` up to a multiple of 16, in float64 (exact for every n below 2^53). */
const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** Rounds a request up to its size class: 4 classes per power of two, at least 64 bytes. */
export function sizeClass(bytes: number): number {
  const need = Math.max(64, align16(bytes + SLACK));
  if (need <= 256) return need;
  const step = 2 ** (Math.floor(Math.log2(need)) - 2);
  return Math.ceil(need / step) * step;
}

export class Heap {
  readonly memory: WebAssembly.Memory;
  readonly maxPages: number;
  private top: number;
  private readonly free = new Map<number, number[]>();
  private readonly live = new Map<number, number>();
  private f32View: Float32Array;
  private i32View: Int32Array;
  private u8View: Uint8Array;

  constructor(memory: WebAssembly.Memory, base: number, maxPages = MAX_PAGES) {
    this.memory = memory;
    this.top = Math.max(16, align16(base));
    this.maxPages = Math.min(maxPages, MAX_PAGES);
    this.f32View = new Float32Array(memory.buffer);
    this.i32View = new Int32Array(memory.buffer);
    this.u8View = new Uint8Array(memory.buffer);
  }

  /** A view over the current buffer (re-derived after any growth: never cache it across an allocation). */
  get f32(): Float32Array {
    if (this.f32View.buffer !== this.memory.buffer) this.refresh();
    return this.f32View;
  }
  get i32(): Int32Array {
    if (this.i32View.buffer !== this.memory.buffer) this.refresh();
    return this.i32View;
  }
  get u8(): Uint8Array {
    if (this.u8View.buffer !== this.memory.buffer) this.refresh();
    return this.u8View;
  }
  private refresh(): void {
    const buf = this.memory.buffer;
    this.f32View = new Float32Array(buf);
    this.i32View = new Int32Array(buf);
    this.u8View = new Uint8Array(buf);
  }

  /** Allocates `bytes` (0 gives address 0, no block). Throws SimdgradError past the memory limit. */
  alloc(bytes: number, op = 'alloc'): number {
    if (bytes === 0) return 0;
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new Error(`simdgrad internal error: ${op}: allocation of ${bytes} bytes`);
    }
    if (bytes > MAX_BYTES) this.outOfMemory(bytes, op);
    const cls = sizeClass(bytes);
    const list = this.free.get(cls);
    let ptr = list?.pop();
    if (ptr === undefined) {
      const end = this.top + cls;
      const have = this.memory.buffer.byteLength;
      if (end > have) this.grow(end, bytes, op);
      ptr = this.top;
      this.top = end;
    }
    this.live.set(ptr, cls);
    return ptr;
  }

  /** Returns a block to its free list. Freeing address 0 is a no-op; an unknown address is an internal error. */
  release(ptr: number): void {
    if (ptr === 0) return;
    const cls = this.live.get(ptr);
    if (cls === undefined) throw new Error(`simdgrad internal error: freeing unallocated block ${ptr}`);
    this.live.delete(ptr);
    let list = this.free.get(cls);
    if (!list) {
      list = [];
      this.free.set(cls, list);
    }
    list.push(ptr);
  }

  private outOfMemory(requested: number, op: string): never {
    throw new SimdgradError(
      `${op}: out of memory: requested ${requested} bytes, but the wasm memory limit is ${this.maxPages * PAGE} bytes (${this.maxPages} pages)`,
    );
  }

  /** Grows first, then the caller moves its head (a failed grow leaves the heap unchanged). */
  private grow(end: number, requested: number, op: string): void {
    const pages = this.memory.buffer.byteLength / PAGE;
    const needed = Math.ceil(end / PAGE);
    if (needed > this.maxPages) this.outOfMemory(requested, op);
    // grow geometrically (fewer grows) but never past the limit
    const target = Math.min(this.maxPages, Math.max(needed, pages + Math.ceil(pages / 4)));
    try {
      this.memory.grow(target - pages);
    } catch {
      try {
        this.memory.grow(needed - pages);
      } catch (e) {
        throw new SimdgradError(
          `${op}: out of memory: requested ${requested} bytes; the engine could not grow wasm memory past ${pages * PAGE} bytes (${(e as Error).message})`,
        );
      }
    }
  }
}
