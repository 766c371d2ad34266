// SPDX-License-Identifier: MIT
// In-place helpers on contiguous tensor buffers, each on one kernel: fill
// (fill_f32), dst += src (scale_add with α = β = 1, which is exactly x + y) and
// copies (memory moves are exact). Used by the tape for gradient buffers, by
// creation, optimizers and op backwards. Sizes are the caller's to check.

import { engine } from './engine/load.js';
import { empty, type Tensor } from './tensor.js';

/** t = value everywhere (value rounded to f32). */
export function fill(t: Tensor, value: number): void {
  if (t.size) engine().k.fill_f32(t.ptr, t.size, value);
}

/** dst += src (same size). */
export function addInto(dst: Tensor, src: Tensor): void {
  if (dst.size) engine().k.scale_add(dst.ptr, src.ptr, dst.ptr, dst.size, 1, 1);
}

/** dst = src (same size). */
export function copyInto(dst: Tensor, src: Tensor): void {
  const f = engine().heap.f32;
  const s = src.ptr >>> 2;
  f.copyWithin(dst.ptr >>> 2, s, s + src.size);
}

/** A fresh copy of t. */
export function copyOf(t: Tensor): Tensor {
  const c = empty(t.shape, 'copy');
  copyInto(c, t);
  return c;
}
