// SPDX-License-Identifier: MIT
// Elementwise regression losses with their derivative beside them. The batch
// reduction (sum, mean) is the caller's: reduce.ts's sum_fwd in a fixed order.

import { storeLanes } from "./tail";

/**
 * PyTorch's Huber loss per element, d = a − b, z = |d|:
 *   out = z < delta ? (0.5·z)·z : delta·(z − 0.5·delta)   (f32, in this order)
 */
export function huber_fwd(a: usize, b: usize, out: usize, n: i32, delta: f32): void {
  const vd = f32x4.splat(delta), half = f32x4.splat(0.5), hd = f32x4.splat(<f32>0.5 * delta);
  for (let i = 0; i < n; i += 4) {
    const k = (<usize>i) << 2;
    const z = f32x4.abs(f32x4.sub(v128.load(a + k), v128.load(b + k)));
    const quad = f32x4.mul(f32x4.mul(half, z), z);
    const lin = f32x4.mul(vd, f32x4.sub(z, hd));
    storeLanes(out + k, v128.bitselect(quad, lin, f32x4.lt(z, vd)), n - i);
  }
}

/**
 * ∂/∂a of the Huber loss times the upstream gradient (PyTorch's huber_backward):
 *   da = d < −delta ? −delta·g : d > delta ? delta·g : d·g,  d = a − b,
 * g = dy[i] when gStride is 1, dy[0] for every element when it is 0 (a reduced
 * loss whose scalar gradient the caller already divided for 'mean'). ∂/∂b = −da.
 */
export function huber_bwd(a: usize, b: usize, dy: usize, gStride: i32, da: usize, n: i32, delta: f32): void {
  const vd = f32x4.splat(delta), vnd = f32x4.splat(-delta);
  const g0 = f32x4.splat(load<f32>(dy));
  for (let i = 0; i < n; i += 4) {
    const k = (<usize>i) << 2;
    const d = f32x4.sub(v128.load(a + k), v128.load(b + k));
    const g = gStride ? v128.load(dy + k) : g0;
    const c = v128.bitselect(vnd, v128.bitselect(vd, d, f32x4.gt(d, vd)), f32x4.lt(d, vnd));
    storeLanes(da + k, f32x4.mul(c, g), n - i);
  }
}
