// SPDX-License-Identifier: MIT
// The quantized modules nn.quantize builds (src/nn/quantize.ts): QuantizedLinear
// (int8 weight [out, in] + one float32 scale per output row, float32 bias; its
// forward is ONE linear_int8_fwd call with the activation after it fused, the
// input quantized per row on the fly: assembly/int8.ts), QuantizedPReLU (float32
// slopes), parameter-free layers in evaluation mode (QuantizedSequential is in
// quantized_sequential.ts). None records on the tape. The int8 weight lives twice: as the Int8Tensor the state
// dict shows (JS memory) and packed in the engine heap for the kernel (engine
// scratch, freed by dispose() or, if dropped, by the GC; int16 elements in the
// simd128 build: assembly/int8.ts).

import { autograd } from '../autograd.js';
import { engine } from '../engine/load.js';
import { describe, fail, fmt } from '../errors.js';
import { Int8Tensor } from '../int8.js';
import { keep } from '../memory.js';
import { empty, Tensor } from '../tensor.js';
import type { PReLU } from './activations.js';
import { scratch } from './int8scratch.js';
import type { Linear } from './layers.js';
import type { Module } from './module.js';

/** A quantized module's state: int8 weights, their float32 row scales, biases and PReLU slopes by name. */
export type QuantizedStateDict = Map<string, Tensor | Int8Tensor>;
/** The storage types `nn.quantize` offers. */
export type QuantizeDtype = 'int8';

const net =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<number>((ptr) => {
        try {
          engine().heap.release(ptr);
        } catch {
          // the engine is gone with the module: nothing to free
        }
      })
    : null;

/** An inference-only module of a quantized model (its `quantized` field says so: 'int8'). */
export abstract class QuantizedModule {
  /** The storage type of the weights: quantized modules cannot be trained or exported as float graphs. */
  readonly quantized: QuantizeDtype = 'int8';
  /** Always false: a quantized module is inference-only. */
  readonly training = false;

  /** Inference on `x` (recording it for a backward is an error). */
  abstract forward(x: Tensor): Tensor;
  /** name → entry: `<name>.weight` (Int8Tensor), `<name>.weight_scale` ([out] float32), biases, PReLU slopes. */
  abstract stateDict(): QuantizedStateDict;
  /** Frees the engine memory this module holds (its float tensors and packed weights); it is unusable after. */
  abstract dispose(): void;

  /** Evaluation mode (the only mode); returns the module. */
  eval(): this {
    return this;
  }

  /** train(false) is eval(); train() is a SimdgradError: a quantized module is inference-only. */
  train(mode = true): this {
    if (mode) fail('train', 'a quantized module is inference-only (train the float model, then nn.quantize it)');
    return this;
  }

  /**
   * Copies every entry of `state` into this module: `.weight` entries of linear
   * layers must be int8 (an Int8Tensor, as loadSafetensors returns for I8), the
   * rest float32 Tensors. A missing, extra, wrongly typed or shaped entry is a
   * SimdgradError naming it, raised before anything is written.
   */
  loadStateDict(state: Map<string, unknown> | Record<string, unknown>): this {
    const op = 'loadStateDict';
    const given: Map<string, unknown> =
      state instanceof Map
        ? state
        : state !== null && typeof state === 'object' && !Array.isArray(state)
          ? new Map(Object.entries(state))
          : fail(op, `expected a Map of tensors or an object of tensors, got ${describe(state)}`);
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !given.has(k));
    const extra = [...given.keys()].filter((k) => !own.has(k));
    const names = (ks: string[]) => ks.map((k) => JSON.stringify(k)).join(', ');
    if (missing.length) fail(op, `missing ${missing.length > 1 ? 'entries' : 'entry'} ${names(missing)}`);
    if (extra.length)
      fail(
        op,
        `unexpected ${extra.length > 1 ? 'entries' : 'entry'} ${names(extra)} (this quantized module has ${[...own.keys()].join(', ')})`,
      );
    for (const [name, p] of own) {
      const t = given.get(name);
      const where = `entry ${JSON.stringify(name)}`;
      if (p instanceof Int8Tensor) {
        if (!(t instanceof Int8Tensor))
          fail(op, `${where} must be an int8 tensor (safetensors I8, an Int8Tensor), got ${kind(t)}`);
        t.raw(`${op} (${name})`);
      } else {
        if (!(t instanceof Tensor)) fail(op, `${where} must be a float32 Tensor, got ${kind(t)}`);
        t.check(`${op} (${name})`).realize();
      }
      if (fmt(t.shape) !== fmt(p.shape))
        fail(op, `${where} has shape ${fmt(t.shape)}, but this module's has shape ${fmt(p.shape)}`);
    }
    this.assign(given);
    return this;
  }

  /** Writes validated entries (names and shapes checked by loadStateDict) under `prefix`. @internal */
  abstract assign(given: Map<string, unknown>, prefix?: string): void;
}

function kind(t: unknown): string {
  if (t instanceof Int8Tensor) return 'an int8 tensor';
  if (t instanceof Tensor) return 'a float32 Tensor';
  return describe(t);
}

/** A kept float32 copy of t (no tidy frees it; no gradient). */
function keptCopy(t: Tensor): Tensor {
  t.check('nn.quantize').realize();
  const c = keep(empty(t.shape, 'nn.quantize'));
  if (c.size) engine().heap.u8.copyWithin(c.ptr, t.ptr, t.ptr + t.size * 4);
  return c;
}

function copyInto(dst: Tensor, src: Tensor): void {
  if (dst.size) engine().heap.u8.copyWithin(dst.ptr, src.ptr, src.ptr + src.size * 4);
}

/** A Linear with int8 weights: y = act(x·(scale ⊙ Wq)ᵀ + b), x quantized per row on the fly. */
export class QuantizedLinear extends QuantizedModule {
  /** Size of each input row. */
  readonly inFeatures: number;
  /** Size of each output row. */
  readonly outFeatures: number;
  /** Int8 weight [out, in]. */
  readonly weight: Int8Tensor;
  /** One float32 scale per output row [out]: W ≈ weightScale[n] · weight[n, :]. */
  readonly weightScale: Tensor;
  /** `[outFeatures]` float32, or null. */
  readonly bias: Tensor | null;
  /** The weight packed for the kernel (int8_pack), 0 when empty or disposed. */
  private packed = 0;

  /** Quantizes `lin` (use nn.quantize). */
  constructor(lin: Linear) {
    super();
    const op = 'nn.quantize';
    lin.weight.check(`${op} (weight)`).realize();
    const [N, K] = lin.weight.shape;
    this.inFeatures = K;
    this.outFeatures = N;
    const { k, heap } = engine();
    const scale = keep(empty([N], op));
    let q = 0;
    try {
      q = heap.alloc(N * K, op);
      if (N * K > 0) k.int8_quantize_rows(lin.weight.ptr, q, scale.ptr, N, K);
      else if (N > 0) heap.f32.fill(0, scale.ptr >>> 2, (scale.ptr >>> 2) + N);
      this.weight = new Int8Tensor(new Int8Array(heap.u8.buffer, q, N * K), [N, K]);
    } catch (e) {
      scale.dispose();
      throw e;
    } finally {
      heap.release(q);
    }
    this.weightScale = scale;
    this.bias = lin.bias ? keptCopy(lin.bias) : null;
    this.repack();
  }

  /** (Re)builds the packed copy from `weight`. */
  private repack(): void {
    const { k, heap } = engine();
    const [N, K] = this.weight.shape;
    const bytes = k.int8_pack_bytes(N, K);
    if (this.packed === 0 && bytes > 0) {
      this.packed = heap.alloc(bytes, 'nn.quantize');
      net?.register(this, this.packed, this);
    }
    if (bytes === 0) return;
    const tmp = heap.alloc(N * K, 'nn.quantize');
    heap.u8.set(new Uint8Array(this.weight.raw('nn.quantize').buffer), tmp);
    k.int8_pack(tmp, this.packed, N, K);
    heap.release(tmp);
  }

  /** `x · dequantized(weight)ᵀ + bias` over the last axis, with the int8 kernels. */
  forward(x: Tensor): Tensor {
    return this.forwardWith(x, 0, null);
  }

  /**
   * The fused forward: act(x·Wᵀ + b) in one kernel call; `code` is the activation
   * table's kernel code (0: none), alpha prelu's α. @internal
   */
  forwardWith(x: Tensor, code: number, alpha: Tensor | null): Tensor {
    const M = this.rows(x);
    const N = this.outFeatures;
    const K = this.inFeatures;
    const shape = x.shape.slice();
    shape[shape.length - 1] = N;
    const y = empty(shape, 'QuantizedLinear');
    if (M === 0 || N === 0) return y;
    let ws: number;
    try {
      ws = scratch(engine().k.int8_scratch_bytes(M, K));
    } catch (e) {
      y.dispose();
      throw e;
    }
    engine().k.linear_int8_fwd(
      x.ptr,
      this.packed,
      this.weightScale.ptr,
      this.bias?.ptr ?? 0,
      alpha?.ptr ?? 0,
      y.ptr,
      M,
      N,
      K,
      code,
      alpha?.size ?? 1,
      ws,
    );
    return y;
  }

  /**
   * Checks an input of this layer (not recording, a live Tensor with inFeatures
   * in its last dim, this module not disposed) and returns its rows. @internal
   */
  rows(x: Tensor): number {
    const op = 'QuantizedLinear';
    if (autograd.isRecording())
      fail(
        op,
        'a quantized module is inference-only and cannot be recorded for a backward (call it outside autograd.record)',
      );
    if (!(x instanceof Tensor)) fail(op, `input must be a Tensor, got ${describe(x)}`);
    x.check(op).realize();
    this.live();
    const K = this.inFeatures;
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== K)
      fail(op, `input ${fmt(x.shape)} must have ${K} features in its last dim (weight ${fmt(this.weight.shape)})`);
    let M = 1;
    for (let i = 0; i < x.ndim - 1; i++) M *= x.shape[i];
    return M;
  }

  /** Throws if this module was disposed. @internal */
  live(): void {
    if (this.weightScale.disposed) fail('QuantizedLinear', 'this quantized module was disposed');
  }

  /**
   * Writes this layer's step of a linear_int8_chain table at i32 index `at`:
   * wp, sw, b, alpha, N, K, act, alphaN (as linear_int8_fwd takes them). @internal
   */
  writeStep(i32: Int32Array, at: number, code: number, alpha: Tensor | null): void {
    this.live();
    i32[at] = this.packed;
    i32[at + 1] = this.weightScale.ptr;
    i32[at + 2] = this.bias?.ptr ?? 0;
    i32[at + 3] = alpha?.ptr ?? 0;
    i32[at + 4] = this.outFeatures;
    i32[at + 5] = this.inFeatures;
    i32[at + 6] = code;
    i32[at + 7] = alpha?.size ?? 1;
  }

  stateDict(): QuantizedStateDict {
    const out: QuantizedStateDict = new Map();
    out.set('weight', this.weight);
    out.set('weight_scale', this.weightScale);
    if (this.bias) out.set('bias', this.bias);
    return out;
  }

  /** @internal */
  assign(given: Map<string, unknown>, prefix = ''): void {
    const w = given.get(`${prefix}weight`) as Int8Tensor;
    if (w !== this.weight) this.weight.raw('loadStateDict').set(w.raw('loadStateDict'));
    copyInto(this.weightScale, given.get(`${prefix}weight_scale`) as Tensor);
    if (this.bias) copyInto(this.bias, given.get(`${prefix}bias`) as Tensor);
    this.repack();
  }

  dispose(): void {
    if (this.packed !== 0) {
      net?.unregister(this);
      engine().heap.release(this.packed);
      this.packed = 0;
    }
    this.weightScale.dispose();
    this.bias?.dispose();
  }
}

/** PReLU of a quantized model: the float32 slopes, no gradient. */
export class QuantizedPReLU extends QuantizedModule {
  /** The float32 slopes α, `[numParameters]`. */
  readonly weight: Tensor;
  constructor(p: PReLU) {
    super();
    this.weight = keptCopy(p.weight);
  }
  /** x for x > 0, α·x otherwise. */
  forward(x: Tensor): Tensor {
    if (autograd.isRecording())
      fail('QuantizedPReLU', 'a quantized module is inference-only and cannot be recorded for a backward');
    return x.prelu(this.weight);
  }
  stateDict(): QuantizedStateDict {
    return new Map([['weight', this.weight]]);
  }
  /** @internal */
  assign(given: Map<string, unknown>, prefix = ''): void {
    copyInto(this.weight, given.get(`${prefix}weight`) as Tensor);
  }
  dispose(): void {
    this.weight.dispose();
  }
}

/** A parameter-free layer (activation, Flatten, Softmax, Dropout…) run in evaluation mode. */
export class Stateless extends QuantizedModule {
  constructor(readonly layer: Module) {
    super();
  }
  /** Applies the layer (an activation, Softmax or Flatten). */
  forward(x: Tensor): Tensor {
    if (autograd.isRecording())
      fail(this.layer.constructor.name, 'a quantized module is inference-only and cannot be recorded for a backward');
    return this.layer.forward(x);
  }
  stateDict(): QuantizedStateDict {
    return new Map();
  }
  /** @internal */
  assign(): void {}
  dispose(): void {}
}
