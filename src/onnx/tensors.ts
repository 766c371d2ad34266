// SPDX-License-Identifier: MIT
// Initializer data → JS arrays: float32 (raw_data or float_data), float16 and
// bfloat16 (raw_data or the uint16 bits in int32_data) widened exactly to
// float32, int64 (raw_data or int64_data) for shapes. Sizes are checked
// against the dims before anything is allocated; external data, segments and
// other element types are refused by name.

import type { TensorP } from './proto.js';

export const DTYPE = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11, BFLOAT16: 16 } as const;

const DTYPE_NAMES: Record<number, string> = {
  0: 'UNDEFINED',
  1: 'FLOAT',
  2: 'UINT8',
  3: 'INT8',
  4: 'UINT16',
  5: 'INT16',
  6: 'INT32',
  7: 'INT64',
  8: 'STRING',
  9: 'BOOL',
  10: 'FLOAT16',
  11: 'DOUBLE',
  12: 'UINT32',
  13: 'UINT64',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
};

export function dtypeName(t: number): string {
  return DTYPE_NAMES[t] ?? `data type ${t}`;
}

/** A tensor problem: the caller prefixes the node and the input. */
export class TensorIssue extends Error {}

const MAX_ELEMENTS = 2 ** 30;

/** Element count of valid dims, or a TensorIssue. */
export function numel(t: TensorP): number {
  let n = 1;
  for (const d of t.dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new TensorIssue(`has an invalid dim ${d} in [${t.dims}]`);
    n *= d;
  }
  if (n > MAX_ELEMENTS) throw new TensorIssue(`has ${n} elements, more than the wasm32 memory limit allows`);
  return n;
}

function checkLocation(t: TensorP): void {
  if (t.external) {
    throw new TensorIssue(
      'stores its data outside the file (external data): save the model with every tensor inside it (onnx.save_model(model, path, save_as_external_data=False))',
    );
  }
  if (t.segment) throw new TensorIssue('is a segment of a larger tensor (TensorProto.segment), which is not supported');
}

/** f16 bits → f32 (exact: every half is a float). */
function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const f32bits = new Float32Array(1);
const u32bits = new Uint32Array(f32bits.buffer);

function bf16ToFloat(h: number): number {
  u32bits[0] = (h & 0xffff) << 16;
  return f32bits[0];
}

/** The values of a float32, float16 or bfloat16 initializer as a fresh Float32Array. */
export function floatValues(t: TensorP): Float32Array {
  checkLocation(t);
  const n = numel(t);
  const dt = t.dataType;
  if (dt === DTYPE.FLOAT) {
    if (t.raw) {
      if (t.raw.length !== n * 4) throw new TensorIssue(`has ${t.raw.length} bytes of raw_data, expected ${n * 4}`);
      // copy the bytes (never `.slice()`: on a Node Buffer that is a view of a shared pool)
      const out = new Float32Array(n);
      new Uint8Array(out.buffer).set(t.raw);
      return out;
    }
    if (t.floatData.length !== n) throw new TensorIssue(`has ${t.floatData.length} float_data values, expected ${n}`);
    return Float32Array.from(t.floatData);
  }
  if (dt === DTYPE.FLOAT16 || dt === DTYPE.BFLOAT16) {
    const conv = dt === DTYPE.FLOAT16 ? halfToFloat : bf16ToFloat;
    const out = new Float32Array(n);
    if (t.raw) {
      if (t.raw.length !== n * 2) throw new TensorIssue(`has ${t.raw.length} bytes of raw_data, expected ${n * 2}`);
      const v = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
      for (let i = 0; i < n; i++) out[i] = conv(v.getUint16(2 * i, true));
      return out;
    }
    if (t.int32Data.length !== n) throw new TensorIssue(`has ${t.int32Data.length} int32_data values, expected ${n}`);
    for (let i = 0; i < n; i++) out[i] = conv(t.int32Data[i]);
    return out;
  }
  throw new TensorIssue(`has element type ${dtypeName(dt)}; simdgrad reads FLOAT, FLOAT16 and BFLOAT16 weights`);
}

/** The values of an INT64 (or INT32) initializer, e.g. a Reshape shape. */
export function intValues(t: TensorP): number[] {
  checkLocation(t);
  const n = numel(t);
  if (t.dataType === DTYPE.INT64) {
    if (t.raw) {
      if (t.raw.length !== n * 8) throw new TensorIssue(`has ${t.raw.length} bytes of raw_data, expected ${n * 8}`);
      const v = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(v.getInt32(8 * i + 4, true) * 2 ** 32 + v.getUint32(8 * i, true));
      return out;
    }
    if (t.int64Data.length !== n) throw new TensorIssue(`has ${t.int64Data.length} int64_data values, expected ${n}`);
    return t.int64Data.slice();
  }
  if (t.dataType === DTYPE.INT32) {
    if (t.raw) {
      if (t.raw.length !== n * 4) throw new TensorIssue(`has ${t.raw.length} bytes of raw_data, expected ${n * 4}`);
      const v = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
      return Array.from({ length: n }, (_, i) => v.getInt32(4 * i, true));
    }
    if (t.int32Data.length !== n) throw new TensorIssue(`has ${t.int32Data.length} int32_data values, expected ${n}`);
    return t.int32Data.slice();
  }
  if (t.dataType === DTYPE.BOOL) {
    if (t.raw) {
      if (t.raw.length !== n) throw new TensorIssue(`has ${t.raw.length} bytes of raw_data, expected ${n}`);
      return Array.from(t.raw);
    }
    if (t.int32Data.length !== n) throw new TensorIssue(`has ${t.int32Data.length} int32_data values, expected ${n}`);
    return t.int32Data.slice();
  }
  throw new TensorIssue(`has element type ${dtypeName(t.dataType)}, expected INT64`);
}
