// SPDX-License-Identifier: MIT
// Int8Tensor: an int8 array with a shape, held in JavaScript memory (an
// Int8Array), for the weights of quantized modules and the `I8` entries of
// safetensors files. It has no ops and no gradient: it is what nn.quantize
// stores and io saves and loads, bit for bit.

import { checkShape, describe, fail, fmt } from './errors.js';
import type { NestedArray } from './tensor.js';

/**
 * An int8 tensor held in JavaScript memory: the weights of a quantized model as
 * `loadSafetensors` reads `I8` entries and `nn.quantize` stores them (no ops; `loadStateDict`
 * of a quantized module takes it).
 */
export class Int8Tensor {
  /** Always 'int8' (a float Tensor has no dtype field: it is float32). */
  readonly dtype = 'int8' as const;
  /** The size of each axis. */
  readonly shape: readonly number[];
  /** Number of elements. */
  readonly size: number;
  private values: Int8Array | null;

  /**
   * An int8 tensor over a COPY of `values` (an Int8Array or numbers in
   * [−128, 127]), shaped `shape` (default: 1-D).
   */
  constructor(values: Int8Array | ArrayLike<number>, shape?: readonly number[]) {
    const op = 'Int8Tensor';
    if (values === null || typeof values !== 'object' || typeof (values as ArrayLike<number>).length !== 'number')
      fail(op, `values must be an Int8Array or an array of integers, got ${describe(values)}`);
    const s = shape ?? [values.length];
    const size = checkShape(op, s);
    if (size !== values.length)
      fail(op, `${values.length} values cannot have shape ${fmt(s)} (${size} elements expected)`);
    if (!(values instanceof Int8Array)) {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (!Number.isInteger(v) || v < -128 || v > 127)
          fail(op, `value ${i} is ${describe(v)}, expected an integer in [-128, 127]`);
      }
    }
    this.values = Int8Array.from(values);
    this.shape = Object.freeze(Array.from(s));
    this.size = size;
  }

  /** Number of axes. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Whether `dispose()` was called. */
  get disposed(): boolean {
    return this.values === null;
  }

  /** The values (no copy). @internal */
  raw(op: string): Int8Array {
    if (this.values === null) fail(op, `int8 tensor ${fmt(this.shape)} was disposed`);
    return this.values;
  }

  /** A fresh copy of the values. */
  data(): Int8Array {
    return this.raw('data').slice();
  }

  /** The values as nested number arrays following the shape. */
  toArray(): NestedArray {
    const d = this.raw('toArray');
    if (this.shape.length === 0) return d[0];
    const build = (axis: number, off: number): NestedArray[] => {
      const n = this.shape[axis];
      let stride = 1;
      for (let a = axis + 1; a < this.shape.length; a++) stride *= this.shape[a];
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++)
        out[i] = axis === this.shape.length - 1 ? d[off + i] : build(axis + 1, off + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /** Drops the values (a second call is a no-op). */
  dispose(): void {
    this.values = null;
  }

  /** The shape and the first values, for logs. */
  toString(): string {
    if (this.values === null) return `Int8Tensor(shape=${fmt(this.shape)}, disposed)`;
    const d = this.values;
    const head = Array.from(d.subarray(0, Math.min(6, d.length))).join(', ');
    return `Int8Tensor([${head}${d.length > 6 ? ', …' : ''}], shape=${fmt(this.shape)}, dtype=int8)`;
  }
}
