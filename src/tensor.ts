// SPDX-License-Identifier: MIT
// Tensor: a shape and a block of f32 in wasm memory. Ops are attached as methods
// by their family files in src/ops/ (each op is both `x.op(...)` and `sg.op(x, ...)`).
// Data is read through fresh views each time: a view must never be cached across
// a call that can allocate (memory.grow detaches it).

import { engine } from './engine/load.js';
import { fmt, SimdgradError } from './errors.js';
import { formatTensor } from './format.js';
import { registerTensorClass, track, untrack } from './memory.js';

/** A node of the gradient tape that produced a tensor (defined by autograd). */
export interface TapeLink {
  readonly tapeId: number;
}

export type NestedArray = number | NestedArray[];

export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  /** Byte offset of the data in wasm memory (0 for zero-size tensors). @internal */
  ptr: number;
  /** Gradient written by backward() once attachGrad() was called. */
  grad: Tensor | null = null;
  /** How backward() stores into .grad: null = not a leaf that wants a gradient. @internal */
  gradReq: 'write' | 'add' | null = null;
  /** The tape node that produced this tensor while recording. @internal */
  node: TapeLink | null = null;
  /** Bumped by every in-place write, so backward can detect modified saved tensors. @internal */
  version = 0;
  /** Exempt from tidy(): parameters, gradients, optimizer state. @internal */
  kept = false;
  /** A lazy `x.T`: the source it is the transpose of, until realized. @internal */
  lazyT: Tensor | null = null;
  /** Deferred fill of the data (lazy transpose), run before any read. @internal */
  pendingFill: (() => void) | null = null;
  /** Lazy transposes of this tensor, realized before its data goes away. @internal */
  lazyDeps: Tensor[] | null = null;
  /** Live tape nodes that saved this tensor for backward. @internal */
  holds = 0;
  /** Frees data derived from this tensor's (the packed weight of src/nn/packed.ts); run by dispose(). @internal */
  onFree: (() => void) | null = null;
  /** Registered with the FinalizationRegistry safety net (memory.ts). @internal */
  netted = false;
  private dead = false;
  /** dispose() was called while a tape held it: freed when the tape lets go. */
  private orphan = false;

  /** @internal Use tensor(), zeros()… to create tensors. */
  constructor(shape: readonly number[], ptr: number) {
    // A frozen shape (another tensor's) is immutable and can be shared as is.
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze(shape.slice());
    let size = 1;
    for (const d of shape) size *= d;
    this.size = size;
    this.ptr = ptr;
    track(this, ptr, size * 4);
  }

  get ndim(): number {
    return this.shape.length;
  }

  get disposed(): boolean {
    return this.dead || this.orphan;
  }

  /** Whether the data is still allocated (also while a tape holds a disposed tensor). @internal */
  get alive(): boolean {
    return !this.dead;
  }

  /** A tape saved this tensor: dispose() defers freeing until unhold(). @internal */
  hold(): void {
    this.holds++;
  }

  /** The tape let go; frees the tensor if it was disposed meanwhile. @internal */
  unhold(): void {
    if (--this.holds === 0 && this.orphan) {
      this.orphan = false;
      this.dispose();
    }
  }

  /** Throws the "disposed" error naming `op` when this tensor was disposed. @internal */
  check(op: string): this {
    if (this.dead || this.orphan) throw new SimdgradError(`${op}: tensor ${fmt(this.shape)} was disposed`);
    return this;
  }

  /** Frees the data (and the gradient). A second call is a no-op. */
  dispose(): void {
    if (this.dead) return;
    if (this.holds > 0) {
      this.orphan = true; // still saved by a tape: freed after its backward
      return;
    }
    const deps = this.lazyDeps;
    this.lazyDeps = null;
    if (deps) for (const t of deps) if (!t.dead) t.realize();
    this.dead = true;
    const onFree = this.onFree;
    this.onFree = null;
    if (onFree) onFree();
    this.pendingFill = null;
    this.lazyT = null;
    untrack(this, this.ptr, this.size * 4);
    this.ptr = 0;
    if (this.grad && !this.grad.dead) this.grad.dispose();
    this.grad = null;
    this.node = null;
  }

  /** A live Float32Array view of the data. @internal Valid only until the next allocation. */
  view(): Float32Array {
    if (this.pendingFill) this.realize();
    const off = this.ptr >>> 2;
    return engine().heap.f32.subarray(off, off + this.size);
  }

  /** Runs a deferred fill (lazy transpose) so the data can be read. @internal */
  realize(): this {
    const f = this.pendingFill;
    if (f) {
      this.pendingFill = null;
      this.lazyT = null;
      f();
    }
    return this;
  }

  /** A fresh copy of the data. */
  data(): Float32Array {
    this.check('data');
    return this.view().slice();
  }

  /** The data as nested number arrays following the shape (a number for 0-D). */
  toArray(): NestedArray {
    this.check('toArray');
    const d = this.view();
    if (this.shape.length === 0) return d[0];
    const build = (axis: number, off: number): NestedArray[] => {
      const n = this.shape[axis];
      const out: NestedArray[] = new Array(n);
      if (axis === this.shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = d[off + i];
        return out;
      }
      let stride = 1;
      for (let a = axis + 1; a < this.shape.length; a++) stride *= this.shape[a];
      for (let i = 0; i < n; i++) out[i] = build(axis + 1, off + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /** The single value of a size-1 tensor. */
  item(): number {
    this.check('item');
    if (this.size !== 1)
      throw new SimdgradError(`item: tensor has shape ${fmt(this.shape)} (size ${this.size}); item() needs size 1`);
    return this.view()[0];
  }

  /**
   * The values and the shape, as PyTorch prints a tensor:
   * `tensor([[1, 2], [3, 4]], shape=[2, 2])`; long axes of large tensors are
   * elided with `...`, so any tensor prints in a few thousand characters.
   * `console.log(t)` shows the same in Node, Deno and Bun.
   */
  toString(): string {
    if (this.dead) return `tensor(<disposed>, shape=[${this.shape.join(', ')}])`;
    return formatTensor(this.view(), this.shape);
  }
}
registerTensorClass(Tensor);

// console.log / util.inspect in Node and Bun, and Deno's inspector, print toString().
for (const key of ['nodejs.util.inspect.custom', 'Deno.customInspect']) {
  Object.defineProperty(Tensor.prototype, Symbol.for(key), {
    value: function inspect(this: Tensor): string {
      return this.toString();
    },
    writable: true,
    configurable: true,
  });
}

/** An uninitialized tensor of this shape (internal: kernels fill it). The shape must be valid. */
export function empty(shape: readonly number[], op: string): Tensor {
  let size = 1;
  for (const d of shape) size *= d;
  const ptr = engine().heap.alloc(size * 4, op);
  return new Tensor(shape, ptr);
}
