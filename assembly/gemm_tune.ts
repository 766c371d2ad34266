// SPDX-License-Identifier: MIT
// Timing helpers for choosing the GEMM register tile where the code runs
// (src/engine/tile.ts) and for the bench's ceiling. The caller times them; they
// only run kernels. gemm_tile_time streams the micro-kernel over packed panels
// in the GEMM scratch (ws), as the blocked GEMM's inner loop does: one B
// micro-panel (L1) against PANELS A micro-panels (the packed A block, L2).
// gemm_peak is the register-only probe: the micro-kernel's multiply-adds with
// no memory access, throughput-bound, the ceiling a tile can reach on this
// engine and CPU.

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
 * The register-only probe: the ceiling of the tiles' arithmetic on this engine
 * and CPU, `steps` steps of 12 multiply-adds (the 6×8 tile's per-k work) with no
 * memory access in the loop. Flops: 2 · 12 · 4 · steps. It is throughput-bound
 * by construction (every dependency chain has slack), so no tile can beat it
 * beyond noise:
 * - relaxed: 12 accumulators, each a = fma(x, y, a) with x, y in registers, as
 *   the tile's FMAs (the products cannot be hoisted: each is fused into its
 *   accumulator); 12 independent FMA chains cover the FMA latency.
 * - simd128: the mul + add mix of the tile. A product cannot come from a
 *   register pair that never changes (a compiler may hoist it) nor from the
 *   previous step's accumulator (then mul + add latency bounds each step, the
 *   old probe's flaw: the tiles ran 100–125% of it). So 6 multiplier chains
 *   m = m·k₁ (one mul of latency per step) each feed two products (m·k₁, the
 *   new m, and m·k₂) into their own accumulator: per step 12 mul + 12 add
 *   against dependency chains of one mul and two adds.
 * Registers: 12 + 3 (relaxed) and 12 + 2 + a temporary (simd128) of the 15 V8
 * allocates. `p` points at 12 bytes (zeros will do: the values do not matter
 * for speed unless denormal), loaded once before the loop. Returns a lane of
 * the sum so the work is live.
 */
export function gemm_peak(p: usize, steps: i32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) return peakFma(p, steps);
  return peakMulAdd(p, steps);
}

@inline
function peakFma(p: usize, steps: i32): f32 {
  const x = v128.load32_splat(p), y0 = v128.load32_splat(p, 4), y1 = v128.load32_splat(p, 8);
  let c0 = f32x4.splat(1), c1 = f32x4.splat(2), c2 = f32x4.splat(3), c3 = f32x4.splat(4);
  let c4 = f32x4.splat(5), c5 = f32x4.splat(6), c6 = f32x4.splat(7), c7 = f32x4.splat(8);
  let c8 = f32x4.splat(9), c9 = f32x4.splat(10), ca = f32x4.splat(11), cb = f32x4.splat(12);
  for (let k = 0; k < steps; k++) {
    c0 = madd(x, y0, c0); c1 = madd(x, y1, c1); c2 = madd(x, y0, c2); c3 = madd(x, y1, c3);
    c4 = madd(x, y0, c4); c5 = madd(x, y1, c5); c6 = madd(x, y0, c6); c7 = madd(x, y1, c7);
    c8 = madd(x, y0, c8); c9 = madd(x, y1, c9); ca = madd(x, y0, ca); cb = madd(x, y1, cb);
  }
  const s = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))),
    f32x4.add(f32x4.add(c8, c9), f32x4.add(ca, cb)),
  );
  return f32x4.extract_lane(s, 0);
}

@inline
function peakMulAdd(p: usize, steps: i32): f32 {
  const k1 = v128.load32_splat(p), k2 = v128.load32_splat(p, 4);
  let m0 = f32x4.splat(1), m1 = f32x4.splat(2), m2 = f32x4.splat(3);
  let m3 = f32x4.splat(4), m4 = f32x4.splat(5), m5 = f32x4.splat(6);
  let c0 = m5, c1 = m4, c2 = m3, c3 = m2, c4 = m1, c5 = m0;
  for (let k = 0; k < steps; k++) {
    m0 = f32x4.mul(m0, k1); c0 = f32x4.add(c0, m0);
    m1 = f32x4.mul(m1, k1); c1 = f32x4.add(c1, m1);
    m2 = f32x4.mul(m2, k1); c2 = f32x4.add(c2, m2);
    m3 = f32x4.mul(m3, k1); c3 = f32x4.add(c3, m3);
    m4 = f32x4.mul(m4, k1); c4 = f32x4.add(c4, m4);
    m5 = f32x4.mul(m5, k1); c5 = f32x4.add(c5, m5);
    c0 = f32x4.add(c0, f32x4.mul(m0, k2)); c1 = f32x4.add(c1, f32x4.mul(m1, k2));
    c2 = f32x4.add(c2, f32x4.mul(m2, k2)); c3 = f32x4.add(c3, f32x4.mul(m3, k2));
    c4 = f32x4.add(c4, f32x4.mul(m4, k2)); c5 = f32x4.add(c5, f32x4.mul(m5, k2));
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), m0));
  return f32x4.extract_lane(s, 0);
}
