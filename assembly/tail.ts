// SPDX-License-Identifier: MIT
// Partial-lane stores for the n % 4 tail. Every allocation has 16 bytes of slack
// after it, so a tail may LOAD a full vector past its end; it must never STORE
// past it. NOTE: the tail uses the same full-vector arithmetic as the body, so an
// element's bits never depend on its position (XNNPACK's XNN_EXTRA_BYTES rule).

/** Stores the first `r` (0..4) lanes of `v` at `ptr`. */
@inline
export function storeLanes(ptr: usize, v: v128, r: i32): void {
  if (r >= 4) {
    v128.store(ptr, v);
  } else if (r == 3) {
    v128.store64_lane(ptr, v, 0);
    v128.store32_lane(ptr, v, 2, 8);
  } else if (r == 2) {
    v128.store64_lane(ptr, v, 0);
  } else if (r == 1) {
    v128.store32_lane(ptr, v, 0);
  }
}

/**
 * All-ones in lanes 0..r−1, zero above (r in 0..4). A reduction ANDs its tail
 * load with this so the slack bytes past the end (any bits, NaN included) never
 * enter a sum, max or count.
 */
@inline
export function laneMask(r: i32): v128 {
  return i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(r));
}

/** Horizontal sum in a fixed order: (l0 + l1) + (l2 + l3). */
@inline
export function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) +
    (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
