// SPDX-License-Identifier: MIT
// PReLU over [outer, channels, inner] with one α per channel (or one α): forward
// and backward (dx and dα). The vector helper prelu4 and the code Act.PRELU live
// in activations.ts with the other activations (the fused Linear uses them).
// Never allocates; dx may alias dy. Tails store only the valid lanes (tail.ts).

import { prelu4 } from "./activations";
import { hsum, laneMask, storeLanes } from "./tail";

// PReLU layout: x is [outer, channels, inner] with n = outer·channels·inner and
// α has `channels` entries: channels = 1 is a scalar α (any inner); the TS side
// passes x [B, C] with channels = C, inner = 1 (α contiguous along each row).

/** y = x > 0 ? x : α[c]·x over [outer, channels, inner] (see prelu4). */
export function prelu_fwd(x: usize, alpha: usize, y: usize, n: i32, channels: i32, inner: i32): void {
  if (n <= 0) return;
  if (channels == 1) {
    const a = v128.load32_splat(alpha);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const k = (<usize>i) << 2;
      v128.store(y + k, prelu4(v128.load(x + k), a));
    }
    if (i < n) {
      const k = (<usize>i) << 2;
      storeLanes(y + k, prelu4(v128.load(x + k), a), n - i);
    }
    return;
  }
  const rows = n / inner; // (outer, channel) pairs when inner > 1; rows of [C] when inner = 1
  if (inner == 1) {
    const outer = n / channels;
    for (let o = 0; o < outer; o++) {
      const base = (<usize>(o * channels)) << 2;
      let c = 0;
      for (; c + 4 <= channels; c += 4) {
        const k = base + ((<usize>c) << 2);
        v128.store(y + k, prelu4(v128.load(x + k), v128.load(alpha + ((<usize>c) << 2))));
      }
      if (c < channels) {
        const k = base + ((<usize>c) << 2);
        storeLanes(y + k, prelu4(v128.load(x + k), v128.load(alpha + ((<usize>c) << 2))), channels - c);
      }
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    const a = v128.load32_splat(alpha + ((<usize>(r % channels)) << 2));
    const base = (<usize>(r * inner)) << 2;
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const k = base + ((<usize>i) << 2);
      v128.store(y + k, prelu4(v128.load(x + k), a));
    }
    if (i < inner) {
      const k = base + ((<usize>i) << 2);
      storeLanes(y + k, prelu4(v128.load(x + k), a), inner - i);
    }
  }
}

/** dx lanes: dy where x > 0, α·dy elsewhere (∂/∂x at x = 0 is α, tfjs Prelu_grad). */
@inline
function preluDx(x: v128, a: v128, dy: v128): v128 {
  return v128.bitselect(dy, f32x4.mul(a, dy), f32x4.gt(x, f32x4.splat(0.0)));
}

/** dα lanes: dy·x where !(x > 0), else +0. */
@inline
function preluDa(x: v128, dy: v128): v128 {
  return v128.andnot(f32x4.mul(dy, x), f32x4.gt(x, f32x4.splat(0.0)));
}

/**
 * dx = dy·(x > 0 ? 1 : α[c]); dalpha[c] = Σ dy·x over the (outer, inner)
 * positions of channel c where !(x > 0). dalpha is overwritten, not accumulated.
 * Summation order is fixed: channels = 1 and inner > 1 sum 4 lanes over the row
 * then (l0+l1)+(l2+l3); inner = 1 sums over rows o = 0, 1, … in order.
 * dx may alias dy; dalpha must not alias anything else.
 */
export function prelu_bwd(
  x: usize, alpha: usize, dy: usize, dx: usize, dalpha: usize,
  n: i32, channels: i32, inner: i32,
): void {
  for (let c = 0; c < channels; c++) store<f32>(dalpha + ((<usize>c) << 2), 0.0);
  if (n <= 0) return;
  if (channels == 1) {
    const a = v128.load32_splat(alpha);
    let acc = f32x4.splat(0.0);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const k = (<usize>i) << 2;
      const xv = v128.load(x + k), dyv = v128.load(dy + k);
      acc = f32x4.add(acc, preluDa(xv, dyv));
      v128.store(dx + k, preluDx(xv, a, dyv));
    }
    if (i < n) {
      const k = (<usize>i) << 2;
      const xv = v128.load(x + k), dyv = v128.load(dy + k);
      acc = f32x4.add(acc, v128.and(preluDa(xv, dyv), laneMask(n - i)));
      storeLanes(dx + k, preluDx(xv, a, dyv), n - i);
    }
    store<f32>(dalpha, hsum(acc));
    return;
  }
  if (inner == 1) {
    const outer = n / channels;
    for (let o = 0; o < outer; o++) {
      const base = (<usize>(o * channels)) << 2;
      let c = 0;
      for (; c + 4 <= channels; c += 4) {
        const k = base + ((<usize>c) << 2), ka = alpha + ((<usize>c) << 2), kd = dalpha + ((<usize>c) << 2);
        const xv = v128.load(x + k), dyv = v128.load(dy + k);
        v128.store(kd, f32x4.add(v128.load(kd), preluDa(xv, dyv)));
        v128.store(dx + k, preluDx(xv, v128.load(ka), dyv));
      }
      if (c < channels) {
        const r = channels - c;
        const k = base + ((<usize>c) << 2), ka = alpha + ((<usize>c) << 2), kd = dalpha + ((<usize>c) << 2);
        const xv = v128.load(x + k), dyv = v128.load(dy + k);
        storeLanes(kd, f32x4.add(v128.load(kd), preluDa(xv, dyv)), r);
        storeLanes(dx + k, preluDx(xv, v128.load(ka), dyv), r);
      }
    }
    return;
  }
  const rows = n / inner;
  for (let row = 0; row < rows; row++) {
    const pa = alpha + ((<usize>(row % channels)) << 2);
    const a = v128.load32_splat(pa);
    const base = (<usize>(row * inner)) << 2;
    let acc = f32x4.splat(0.0);
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const k = base + ((<usize>i) << 2);
      const xv = v128.load(x + k), dyv = v128.load(dy + k);
      acc = f32x4.add(acc, preluDa(xv, dyv));
      v128.store(dx + k, preluDx(xv, a, dyv));
    }
    if (i < inner) {
      const k = base + ((<usize>i) << 2);
      const xv = v128.load(x + k), dyv = v128.load(dy + k);
      acc = f32x4.add(acc, v128.and(preluDa(xv, dyv), laneMask(inner - i)));
      storeLanes(dx + k, preluDx(xv, a, dyv), inner - i);
    }
    const pd = dalpha + ((<usize>(row % channels)) << 2);
    store<f32>(pd, load<f32>(pd) + hsum(acc));
  }
}
