// SPDX-License-Identifier: MIT
// The relaxed build's int8 dot forms (the r tiles of int8_micro.ts, run by
// linear_int8_fwd on inputs without a negative element): Xq as int8 in [0, 127]
// against int8 weights, 16 products per instruction, in one of two forms that
// give the same exact integers:
// - `Split`: i16x8.relaxed_dot_i8x16_i7x16_s, then extadd_pairwise and add;
// - `Fused`: i32x4.relaxed_dot_i8x16_i7x16_add_s, one instruction where the CPU
//   has a 4-way int8 dot (x64 VNNI's vpdpbusd: about twice as fast on Node 24).
// Both are exact here: the second operand is in [0, 127], so its signedness does
// not matter and no 16-bit pair sum can saturate (|pair| ≤ 2·128·127 < 2¹⁵).
// The fused form is used only after fusedDotExact() checked it on this engine:
// Node 20's V8 (11.3, relaxed SIMD behind a flag) returns twice the sum for it
// in its baseline code (relaxed_dot_add([−128,0…], [127,0…], 0) = −32512 where
// the exact sum is −16256).

import { tile1x4r } from "./int8_micro";

/** Type tags of the two dot forms (generic parameters, resolved at compile time). */
export type Split = u8;
export type Fused = u16;

/** The probe's weights (2 chunks of 128 bytes), inputs, outputs and unit scales. */
const PROBE = memory.data(352, 16);

/**
 * Whether the fused form gives the split form's sums in the tile that runs it:
 * tile1x4r on 4 weight rows × 32 inputs (−128, 127 and mixed weights against
 * inputs 0…127), the same code path the forward takes, in whatever tier the
 * engine runs it now. NOTE: a check of the instruction alone passed on Node 20
 * while the tile returned twice the sums, hence the whole tile.
 */
export function fusedDotExact(): bool {
  const w = PROBE, x = PROBE + 256, y0 = PROBE + 288, y1 = PROBE + 304, s = PROBE + 320;
  for (let r = 0; r < 4; r++) {
    for (let i = 0; i < 32; i++) {
      // int8_pack's layout: chunk c (16 k) holds 16 bytes of each row, row r at 16·r
      const v = r == 0 ? -128 : r == 1 ? 127 : r == 2 ? (i & 1) * 255 - 128 : i * 8 - 128 + r;
      store<i8>(w + <usize>((i >> 4) * 128 + r * 16 + (i & 15)), <i8>v);
    }
    store<f32>(s + (<usize>r << 2), 1);
  }
  for (let i = 0; i < 32; i++) store<i8>(x + <usize>i, <i8>(i == 0 ? 127 : (i * 37) & 127));
  tile1x4r<Fused>(x, w, 32, 1, s, 0, 0, 1, 0, y0, 0, 4);
  tile1x4r<Split>(x, w, 32, 1, s, 0, 0, 1, 0, y1, 0, 4);
  let ok = true;
  for (let r = 0; r < 4; r++) {
    let sum = 0;
    for (let i = 0; i < 32; i++) sum += <i32>load<i8>(w + <usize>((i >> 4) * 128 + r * 16 + (i & 15))) * <i32>load<i8>(x + <usize>i);
    ok = ok && load<f32>(y0 + (<usize>r << 2)) == <f32>sum && load<f32>(y1 + (<usize>r << 2)) == <f32>sum;
  }
  return ok;
}
