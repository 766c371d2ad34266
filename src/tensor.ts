// SPDX-License-Identifier: MIT
// Tensor: a shape and a block of f32 in wasm memory. Ops are attached as methods
// by their family files in src/ops/ (each op is both `x.op(...)` and `sg.op(x, ...)`).
// Engine state lives in three #private records — memory (the block and who
// holds it), tape (autograd) and view (a transpose without data, src/view.ts) —
// reached by other modules through @internal accessors that the shipped types
// strip; only tensor(), zeros()… (through `empty`) construct tensors.
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

/** A number or nested arrays of numbers: what `toArray()` returns and `tensor()` takes. */
export type NestedArray = number | NestedArray[];

/** The data block and its owners. */
interface MemoryRecord {
  /** Byte offset of the data in wasm memory (0 for zero-size tensors and unrealized views). */
  ptr: number;
  /** Counted by memory() (false for an unrealized view: it has no block). */
  tracked: boolean;
  dead: boolean;
  /** dispose() was called while a tape held it: freed when the tape lets go. */
  orphan: boolean;
  /** Live tape nodes that saved this tensor for backward. */
  holds: number;
  /** Exempt from tidy(): parameters, gradients, optimizer state. */
  kept: boolean;
  /** Registered with the FinalizationRegistry safety net (memory.ts). */
  netted: boolean;
  /** Frees data derived from this tensor's (the packed weight of src/ops/packed.ts); run by dispose(). */
  onFree: (() => void) | null;
}

/** What autograd keeps on a tensor. */
interface TapeRecord {
  /** How backward() stores into .grad: null = not a leaf that wants a gradient. */
  gradReq: 'write' | 'add' | null;
  /** The tape node that produced this tensor while recording. */
  node: TapeLink | null;
  /** Bumped by every in-place write, so backward can detect modified saved tensors. */
  version: number;
}

/** A transpose view (src/view.ts): `base` and its version while unrealized; the live views of this tensor. @internal */
export interface ViewRecord {
  base: Tensor | null;
  baseVersion: number;
  /** Taken while recording: backward() from the view reaches a leaf base. */
  taped: boolean;
  /** The views of this tensor (weak: a view nobody holds costs nothing and is collected). */
  views: WeakRef<Tensor>[] | null;
}

const KEY = Symbol('simdgrad.Tensor');
let make: (shape: readonly number[], ptr: number, tracked: boolean) => Tensor;

/**
 * An n-dimensional array of float32 in wasm memory, with the ops as methods
 * (`x.add(y)` ≡ `sg.add(x, y)`) and a gradient once `attachGrad()` was called.
 * Create tensors with {@link tensor}, {@link zeros}, {@link randn} …; free them with `dispose()`
 * or by creating them inside {@link tidy}.
 * @example
 * ```ts
 * const x = sg.tensor([[1, 2], [3, 4]]);
 * x.matmul(x.T).sum().item(); // 54
 * String(x); // 'tensor([[1, 2], [3, 4]], shape=[2, 2])'
 * ```
 */
export class Tensor {
  /** The size of each axis (row-major; `[]` for a scalar). */
  readonly shape: readonly number[];
  /** Number of elements (the product of the shape). */
  readonly size: number;
  /** Gradient written by backward() once attachGrad() was called. */
  grad: Tensor | null = null;
  #mem: MemoryRecord;
  #tape: TapeRecord = { gradReq: null, node: null, version: 0 };
  #view: ViewRecord | null = null;

  static {
    make = (shape, ptr, tracked) => new Tensor(KEY, shape, ptr, tracked);
  }

  /** Tensors come from tensor(), zeros(), ops…: there is no public constructor. */
  private constructor(key: symbol, shape: readonly number[], ptr: number, tracked: boolean) {
    if (key !== KEY) throw new SimdgradError('Tensor: use sg.tensor(), sg.zeros() or an op to create tensors');
    // A frozen shape (another tensor's) is immutable and can be shared as is.
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze(shape.slice());
    let size = 1;
    for (const d of shape) size *= d;
    this.size = size;
    this.#mem = { ptr, tracked, dead: false, orphan: false, holds: 0, kept: false, netted: false, onFree: null };
    if (tracked) track(this, ptr, size * 4);
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Whether `dispose()` was called (or a `tidy` scope freed it). */
  get disposed(): boolean {
    return this.#mem.dead || this.#mem.orphan;
  }

  // ---- internal accessors (stripped from the shipped types) ----

  /** @internal */
  get ptr(): number {
    return this.#mem.ptr;
  }
  /** Whether the data is still allocated (also while a tape holds a disposed tensor). @internal */
  get alive(): boolean {
    return !this.#mem.dead;
  }
  /** @internal */
  get holds(): number {
    return this.#mem.holds;
  }
  /** @internal */
  get kept(): boolean {
    return this.#mem.kept;
  }
  /** @internal */
  set kept(v: boolean) {
    this.#mem.kept = v;
  }
  /** @internal */
  get netted(): boolean {
    return this.#mem.netted;
  }
  /** @internal */
  set netted(v: boolean) {
    this.#mem.netted = v;
  }
  /** @internal */
  get onFree(): (() => void) | null {
    return this.#mem.onFree;
  }
  /** @internal */
  set onFree(f: (() => void) | null) {
    this.#mem.onFree = f;
  }
  /** @internal */
  get gradReq(): 'write' | 'add' | null {
    return this.#tape.gradReq;
  }
  /** @internal */
  set gradReq(v: 'write' | 'add' | null) {
    this.#tape.gradReq = v;
  }
  /** @internal */
  get node(): TapeLink | null {
    return this.#tape.node;
  }
  /** @internal */
  set node(v: TapeLink | null) {
    this.#tape.node = v;
  }
  /** @internal */
  get version(): number {
    return this.#tape.version;
  }
  /** @internal */
  set version(v: number) {
    this.#tape.version = v;
  }
  /** The view record (created on first use by src/view.ts). @internal */
  viewRecord(create: boolean): ViewRecord | null {
    if (this.#view === null && create) this.#view = { base: null, baseVersion: 0, taped: false, views: null };
    return this.#view;
  }
  /** The tensor this one is an unrealized transpose of, or null. @internal */
  get base(): Tensor | null {
    return this.#view?.base ?? null;
  }

  /** A tape saved this tensor: dispose() defers freeing until unhold(). @internal */
  hold(): void {
    this.#mem.holds++;
  }

  /** The tape let go; frees the tensor if it was disposed meanwhile. @internal */
  unhold(): void {
    const m = this.#mem;
    if (--m.holds === 0 && m.orphan) {
      m.orphan = false;
      this.dispose();
    }
  }

  /** Throws the "disposed" error naming `op` when this tensor was disposed. @internal */
  check(op: string): this {
    if (this.#mem.dead || this.#mem.orphan) throw new SimdgradError(`${op}: tensor ${fmt(this.shape)} was disposed`);
    return this;
  }

  /**
   * Gives an unrealized view a block of its own holding its values (the
   * base's, transposed). A no-op for any other tensor. @internal
   */
  realize(): this {
    const v = this.#view;
    const base = v?.base;
    if (!v || !base) return this;
    if (base.version !== v.baseVersion) {
      throw new SimdgradError(
        `transpose: the source ${fmt(base.shape)} was modified in place before its transpose was read`,
      );
    }
    const ptr = engine().heap.alloc(this.size * 4, 'transpose');
    dropView(base, this);
    v.base = null;
    const m = this.#mem;
    m.ptr = ptr;
    m.tracked = true;
    track(this, ptr, this.size * 4);
    transposeInto(base, this);
    return this;
  }

  /** Frees the data (and the gradient). A second call is a no-op. */
  dispose(): void {
    const m = this.#mem;
    if (m.dead) return;
    if (m.holds > 0) {
      m.orphan = true; // still saved by a tape: freed after its backward
      return;
    }
    const v = this.#view;
    if (v?.views) {
      const views = v.views;
      v.views = null;
      for (const r of views) r.deref()?.realize(); // live views keep the values they had
    }
    if (v?.base) {
      dropView(v.base, this);
      v.base = null;
    }
    m.dead = true;
    const onFree = m.onFree;
    m.onFree = null;
    if (onFree) onFree();
    if (m.tracked) untrack(this, m.ptr, this.size * 4);
    m.ptr = 0;
    if (this.grad?.alive) this.grad.dispose();
    this.grad = null;
    this.#tape.node = null;
  }

  /** A live Float32Array view of the data. @internal Valid only until the next allocation. */
  view(): Float32Array {
    if (this.#view?.base) this.realize();
    const off = this.#mem.ptr >>> 2;
    return engine().heap.f32.subarray(off, off + this.size);
  }

  /** A fresh copy of the data. */
  data(): Float32Array {
    this.check('data');
    const base = this.#view?.base;
    if (!base) return this.view().slice();
    // a view reads its base without taking a block
    const out = new Float32Array(this.size);
    const [m, n] = base.shape;
    const f = base.view();
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = f[i * n + j];
    return out;
  }

  /** The data as nested number arrays following the shape (a number for 0-D). */
  toArray(): NestedArray {
    this.check('toArray');
    const d = this.data();
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
    return this.data()[0];
  }

  /**
   * The values and the shape, as PyTorch prints a tensor:
   * `tensor([[1, 2], [3, 4]], shape=[2, 2])`; long axes of large tensors are
   * elided with `...`, so any tensor prints in a few thousand characters.
   * `console.log(t)` shows the same in Node, Deno and Bun.
   */
  toString(): string {
    if (this.#mem.dead) return `tensor(<disposed>, shape=[${this.shape.join(', ')}])`;
    // a view (a transpose) is copied; anything else is read in place, without a copy of its data
    return formatTensor(this.#view?.base ? this.data() : this.view(), this.shape);
  }
}
registerTensorClass((v): v is Tensor => v instanceof Tensor);

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

/** Removes `view` (and any collected view) from base's list of views. */
function dropView(base: Tensor, view: Tensor): void {
  const bv = base.viewRecord(false);
  if (!bv?.views) return;
  bv.views = bv.views.filter((r) => {
    const t = r.deref();
    return t !== undefined && t !== view;
  });
}

/** dst [n, m] = src [m, n]ᵀ, an exact copy over the heap. */
export function transposeInto(src: Tensor, dst: Tensor): void {
  const [m, n] = src.shape;
  const f = engine().heap.f32;
  const s = src.ptr >>> 2;
  const d = dst.ptr >>> 2;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) f[d + j * m + i] = f[s + i * n + j];
}

/** An uninitialized tensor of this shape (internal: kernels fill it). The shape must be valid. */
export function empty(shape: readonly number[], op: string): Tensor {
  let size = 1;
  for (const d of shape) size *= d;
  const ptr = engine().heap.alloc(size * 4, op);
  return make(shape, ptr, true);
}

/** A tensor of this shape with no block and not counted by memory() (a view; src/view.ts). @internal */
export function unbacked(shape: readonly number[]): Tensor {
  return make(shape, 0, false);
}
