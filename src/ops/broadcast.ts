// SPDX-License-Identifier: MIT
// NumPy broadcasting for binary kernels: the output shape, then a collapse of
// the iteration space to at most four dims [d0, d1, d2, n] with element strides
// per operand (0 on broadcast axes), the form every broadcast kernel takes.

import type { Kernels } from '../engine/kernels.js';
import { engine } from '../engine/load.js';
import { fail, fmt } from '../errors.js';

/** The broadcast shape of a and b, or a SimdgradError naming the op and both shapes. */
export function broadcastShape(op: string, a: readonly number[], b: readonly number[]): number[] {
  const nd = Math.max(a.length, b.length);
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const da = a[a.length - nd + i] ?? 1;
    const db = b[b.length - nd + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      fail(op, `shapes ${fmt(a)} and ${fmt(b)} cannot be broadcast together (axis ${i - nd}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Element strides of `shape` aligned to `out` (right-aligned), 0 on broadcast axes. */
export function broadcastStrides(shape: readonly number[], out: readonly number[]): number[] {
  const nd = out.length;
  const strides = new Array<number>(nd).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const j = nd - shape.length + i;
    strides[j] = shape[i] === 1 && out[j] !== 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

export interface Collapsed {
  /** Output dims, outermost first (length ≥ 1; the output is contiguous). */
  dims: number[];
  /** Per operand, element strides matching dims; the last stride is 0 or 1. */
  strides: number[][];
}

/** Drops size-1 dims and merges neighbouring dims that are contiguous for every operand. */
export function collapse(out: readonly number[], strides: readonly (readonly number[])[]): Collapsed {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, k) => st[k][last] === s[i] * out[i])) {
      dims[last] *= out[i];
      strides.forEach((s, k) => {
        st[k][last] = s[i];
      });
    } else {
      dims.push(out[i]);
      strides.forEach((s, k) => {
        st[k].push(s[i]);
      });
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    for (const s of st) s.push(1);
  }
  return { dims, strides: st };
}

/**
 * Calls `run(offsets, d, s)` once per block of the last four collapsed dims:
 * `d` is [d0, d1, d2, n], `s[k]` operand k's four strides, `offsets[k]` its
 * element offset and `offsets.out` the output's. More than four dims loop here.
 */
export function forEachBlock(
  c: Collapsed,
  run: (offsets: number[], outOffset: number, d: number[], s: number[][]) => void,
): void {
  const pad = Math.max(0, 4 - c.dims.length);
  const d = [...Array<number>(pad).fill(1), ...c.dims.slice(-4)];
  const s = c.strides.map((st) => [...Array<number>(pad).fill(0), ...st.slice(-4)]);
  const lead = c.dims.slice(0, Math.max(0, c.dims.length - 4));
  const block = d[0] * d[1] * d[2] * d[3];
  const idx = new Array<number>(lead.length).fill(0);
  for (let o = 0; ; o++) {
    const offsets = c.strides.map((st) => idx.reduce((acc, v, i) => acc + v * st[i], 0));
    run(offsets, o * block, d, s);
    let i = lead.length - 1;
    while (i >= 0 && ++idx[i] === lead[i]) idx[i--] = 0;
    if (i < 0) return;
  }
}

/** Kernels with the broadcast-binary signature of assembly/elementwise.ts. */
export type BinaryKernel = Extract<
  keyof Kernels,
  'add_fwd' | 'sub_fwd' | 'mul_fwd' | 'div_fwd' | 'maximum_fwd' | 'minimum_fwd' | 'pow_fwd'
>;

/** Something with data at `ptr` laid out row-major in `shape` (a Tensor, or a reshaped alias of one). */
export interface Strided {
  readonly ptr: number;
  readonly shape: readonly number[];
}

/** out = kernel(a, b), a and b broadcast to out's shape (the caller validated and allocated out). */
export function broadcastInto<T extends Strided>(kernel: BinaryKernel, a: Strided, b: Strided, out: T): T {
  let size = 1;
  for (const d of out.shape) size *= d;
  if (size === 0) return out;
  const k = engine().k[kernel] as (...args: number[]) => void;
  const c = collapse(out.shape, [broadcastStrides(a.shape, out.shape), broadcastStrides(b.shape, out.shape)]);
  forEachBlock(c, ([oa, ob], oo, d, [sa, sb]) => {
    k(
      a.ptr + 4 * oa,
      b.ptr + 4 * ob,
      out.ptr + 4 * oo,
      d[0],
      d[1],
      d[2],
      d[3],
      sa[0],
      sa[1],
      sa[2],
      sa[3],
      sb[0],
      sb[1],
      sb[2],
      sb[3],
    );
  });
  return out;
}
