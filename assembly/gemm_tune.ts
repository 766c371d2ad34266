// SPDX-License-Identifier: MIT
// Timing helpers for choosing the GEMM register tile where the code runs
// (src/engine/tile.ts) and for the bench's ceiling. The caller times them; they
// only run kernels. gemm_tile_time streams the micro-kernel over packed panels
// in the GEMM scratch (ws), as the blocked GEMM's inner loop does: one B
// micro-panel (L1) against PANELS A micro-panels (the packed A block, L2).
// gemm_peak is the register-only probe: the micro-kernel's multiply-adds with
// no memory access, the ceiling a tile can approach on this engine and CPU.

import { WS_A, WS_B, WS_TILE } from "./gemm";
import { madd, micro, NR, tileRows } from "./gemm_micro";

/** A micro-panels per pass (the blocked GEMM's MC_TILES). */
const PANELS: i32 = 16;

/**
 * Runs `reps` passes of the tm×8 tile (tm = tileRows(rows)) over PANELS packed A
 * micro-panels of kc steps and one B micro-panel, accumulating into the ws edge
 * tile. Whatever the panels hold (zeros in fresh scratch) is used as is; the
 * results are scratch. kc ≤ 512. Returns the tile rows run.
 * Flops per call: 2 · reps · PANELS · tm · 8 · kc.
 */
export function gemm_tile_time(ws: usize, rows: i32, kc: i32, reps: i32): i32 {
  const tm = tileRows(rows);
  const k = min(max(kc, 0), 512);
  const step = (<usize>(tm * k)) << 2;
  for (let r = 0; r < reps; r++) {
    let ap = ws + WS_A;
    for (let p = 0; p < PANELS; p++) {
      micro(tm, ap, ws + WS_B, k, ws + WS_TILE, <usize>(NR * 4), true);
      ap += step;
    }
  }
  return tm;
}

/**
 * The register-only probe: `steps` steps of 12 multiply-adds with no memory
 * access in the loop, the ceiling of the tiles' arithmetic on this engine and
 * CPU. Flops: 2 · 12 · 4 · steps. 12 chains (the 6×8 tile's 12 accumulators,
 * enough to cover the add or FMA latency); chain i < 11 adds a·c[i+1] (its
 * neighbour's value from the previous step), the last one a₂·c[11], so every
 * product is distinct and none is loop-invariant (no compiler can share or
 * hoist a multiply) and no chain waits on another within a step. Registers:
 * 12 accumulators, a, a₂ and (mul + add) a temporary: the 15 V8 allocates.
 * `p` points at 8 bytes holding a and a₂ (zeros will do: the values do not
 * matter for speed unless denormal); they are loaded once, before the loop,
 * because V8 re-materializes a computed or constant splat inside the loop
 * before every use, never a load. Returns a lane of the sum so the work is live.
 * NOTE: with mul + add the product sits on the chain (c[i+1] → mul → add), so
 * the simd128 probe is bounded by mul + add latency per step where the tiles'
 * products come from loads; on some CPUs the tiles beat it (the bench says so).
 */
export function gemm_peak(p: usize, steps: i32): f32 {
  const a = v128.load32_splat(p), a2 = v128.load32_splat(p, 4);
  let c0 = f32x4.splat(1), c1 = f32x4.splat(2), c2 = f32x4.splat(3), c3 = f32x4.splat(4);
  let c4 = f32x4.splat(5), c5 = f32x4.splat(6), c6 = f32x4.splat(7), c7 = f32x4.splat(8);
  let c8 = f32x4.splat(9), c9 = f32x4.splat(10), ca = f32x4.splat(11), cb = f32x4.splat(12);
  for (let k = 0; k < steps; k++) {
    c0 = madd(a, c1, c0); c1 = madd(a, c2, c1); c2 = madd(a, c3, c2); c3 = madd(a, c4, c3);
    c4 = madd(a, c5, c4); c5 = madd(a, c6, c5); c6 = madd(a, c7, c6); c7 = madd(a, c8, c7);
    c8 = madd(a, c9, c8); c9 = madd(a, ca, c9); ca = madd(a, cb, ca); cb = madd(a2, cb, cb);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))),
    f32x4.add(f32x4.add(c8, c9), f32x4.add(ca, cb)),
  );
  return f32x4.extract_lane(s, 0);
}
