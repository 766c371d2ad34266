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
