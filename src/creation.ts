// SPDX-License-Identifier: MIT
// Creating tensors. Every argument is validated before any allocation, so a bad
// call leaves memory untouched. Values are converted to float32 (Float64Array
// and plain numbers lose precision beyond 24 bits of mantissa; Int32Array values
// beyond ±2^24 are rounded).

import { fill } from './buffers.js';
import { checkShape, describe, fail, fmt } from './errors.js';
import { empty, type NestedArray, Tensor } from './tensor.js';

/** What `tensor()` accepts: a number (0-D), nested arrays of numbers, a `Float32Array` or any `ArrayLike<number>`. */
export type TensorInput = number | NestedArray | ArrayLike<number>;

/** Builds a tensor from a number, nested arrays, a typed array or any ArrayLike<number>. */
export function tensor(values: TensorInput | Tensor, shape?: readonly number[]): Tensor {
  const op = 'tensor';
  if (values instanceof Tensor) {
    values.check(op);
    const s = shape ?? values.shape;
    const size = checkShape(op, s);
    if (size !== values.size) fail(op, `${values.size} values cannot take shape ${fmt(s)} (${size} elements)`);
    const t = empty(s, op);
    t.view().set(values.view());
    return t;
  }
  const { flat, inferred } = flatten(values);
  let s = inferred;
  if (shape !== undefined) {
    const size = checkShape(op, shape);
    if (size !== flat.length) {
      fail(op, `${flat.length} values do not fit shape ${fmt(shape)}, which holds ${size}`);
    }
    s = shape.slice();
  }
  const t = empty(s, op);
  t.view().set(flat);
  return t;
}

function flatten(values: unknown): { flat: ArrayLike<number>; inferred: number[] } {
  const op = 'tensor';
  if (typeof values === 'number') return { flat: [values], inferred: [] };
  if (values instanceof Float32Array) return { flat: values, inferred: [values.length] };
  if (ArrayBuffer.isView(values)) {
    if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
      fail(op, `values must be numbers; a ${values.constructor.name} holds BigInts (convert them to number first)`);
    }
    if (values instanceof DataView) fail(op, 'values must be numbers or an array of numbers, got a DataView');
    const arr = values as unknown as ArrayLike<number>;
    return { flat: arr, inferred: [arr.length] };
  }
  if (Array.isArray(values)) {
    const inferred: number[] = [];
    let probe: unknown = values;
    while (Array.isArray(probe)) {
      inferred.push(probe.length);
      probe = probe[0];
    }
    let size = 1;
    for (const d of inferred) size *= d;
    const flat = new Float32Array(size);
    let k = 0;
    const walk = (v: unknown, depth: number, path: number[]): void => {
      if (depth === inferred.length) {
        if (typeof v !== 'number') {
          fail(op, `values must be numbers; found ${describe(v)} at index [${path.join(',')}]`);
        }
        flat[k++] = v;
        return;
      }
      if (!Array.isArray(v) || v.length !== inferred[depth]) {
        fail(
          op,
          `ragged nested array: expected ${inferred[depth]} entries at index [${path.join(',')}] (shape ${fmt(inferred)}), found ${Array.isArray(v) ? `${v.length} entries` : describe(v)}`,
        );
      }
      for (let i = 0; i < v.length; i++) walk(v[i], depth + 1, [...path, i]);
    };
    walk(values, 0, []);
    return { flat, inferred };
  }
  if (values !== null && typeof values === 'object' && typeof (values as ArrayLike<unknown>).length === 'number') {
    return flatten(Array.from(values as ArrayLike<unknown>));
  }
  fail(op, `values must be a number, nested arrays of numbers or a typed array, got ${describe(values)}`);
}

export function checkNumber(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number') fail(op, `${name} must be a number, got ${describe(v)}`);
  return v;
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number): Tensor {
  checkShape('full', shape);
  checkNumber('full', 'value', value);
  const t = empty(shape, 'full');
  fill(t, value);
  return t;
}

/**
 * A tensor of `shape` filled with 0.
 * @example sg.zeros([2, 3]).toArray() // [[0, 0, 0], [0, 0, 0]]
 */
export function zeros(shape: readonly number[]): Tensor {
  checkShape('zeros', shape);
  const t = empty(shape, 'zeros');
  fill(t, 0);
  return t;
}

/** A tensor of `shape` filled with 1. */
export function ones(shape: readonly number[]): Tensor {
  checkShape('ones', shape);
  const t = empty(shape, 'ones');
  fill(t, 1);
  return t;
}

/** NumPy's arange: ceil((stop − start) / step) values, computed in float64, rounded once to float32. */
export function arange(start: number, stop?: number, step = 1): Tensor {
  const op = 'arange';
  checkNumber(op, 'start', start);
  if (stop === undefined) {
    stop = start;
    start = 0;
  }
  checkNumber(op, 'stop', stop);
  checkNumber(op, 'step', step);
  if (!Number.isFinite(start) || !Number.isFinite(stop) || !Number.isFinite(step)) {
    fail(op, `start, stop and step must be finite, got (${start}, ${stop}, ${step})`);
  }
  if (step === 0) fail(op, 'step must not be 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  checkShape(op, [n]);
  const t = empty([n], op);
  const v = t.view();
  for (let i = 0; i < n; i++) v[i] = start + i * step;
  return t;
}

/** n evenly spaced values from a to b inclusive (float64 arithmetic, exact endpoints). */
export function linspace(a: number, b: number, n: number): Tensor {
  const op = 'linspace';
  checkNumber(op, 'start', a);
  checkNumber(op, 'stop', b);
  checkShape(op, [n]);
  const t = empty([n], op);
  const v = t.view();
  const step = n > 1 ? (b - a) / (n - 1) : 0;
  for (let i = 0; i < n; i++) v[i] = a + i * step;
  if (n > 1) v[n - 1] = b;
  return t;
}

/** The n×m identity (m defaults to n). */
export function eye(n: number, m = n): Tensor {
  checkShape('eye', [n, m]);
  const t = empty([n, m], 'eye');
  fill(t, 0);
  const v = t.view();
  for (let i = 0; i < Math.min(n, m); i++) v[i * m + i] = 1;
  return t;
}
