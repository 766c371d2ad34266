// SPDX-License-Identifier: MIT
// The GEMM register tile for this runtime (5×8 or 6×8 rows×columns of C), set
// once at init in the ws header (gemm_ws_set_tile). Speed only: every element
// of C is the same k-ordered chain with the same K blocking whatever the tile,
// so results are bit-identical across tiles (assembly/__tests__/gemm.spec.ts).
//
// NOTE: a rule, not a timing probe. At init the kernels still run V8's baseline
// (Liftoff) code, and the optimized code arrives 1–3 ms (Deno: longer) into the
// first GEMMs, so a < 2 ms probe times the wrong code (measured: 64×64×256 takes
// ~150 µs per tile under Liftoff, ~60 µs after tier-up, with multi-ms tier-up
// stalls). Measured steady state at 256³, GFLOP/s simd128 / relaxed, 5×8 → 6×8
// (Xeon, 2026-11): Node 20 38/58 → 45/61; Deno 2.9 38/53 → 35/45 (Deno does not
// use V8's guard-page bounds checks, so every load costs a compare, and the 6×8
// needs 8 loads per 12 multiply-adds against 4 per 10); Bun 1.4 34/34 → 30/30.
// So 6×8 where loads are free: Node (no `navigator` before Node 21, or
// "Node.js/…") and Chromium (the same V8 guard pages; not measured here);
// 5×8 everywhere else (Deno, Bun, workerd, Firefox, Safari, unknown hosts).

export type GemmTile = '5x8' | '6x8';

/** The tile this runtime should use, from its user agent. */
export function pickGemmTile(): GemmTile {
  const g = globalThis as { navigator?: { userAgent?: unknown }; Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined || g.Bun !== undefined) return '5x8';
  const ua = g.navigator?.userAgent;
  if (ua === undefined) return g.navigator === undefined ? '6x8' : '5x8'; // Node ≤ 20 has no navigator
  if (typeof ua !== 'string') return '5x8';
  if (ua.startsWith('Node.js/')) return '6x8';
  return / Chrome\//.test(ua) ? '6x8' : '5x8';
}

/** Rows of the tile, as gemm_ws_set_tile takes them. */
export function tileRows(t: GemmTile): number {
  return t === '6x8' ? 6 : 5;
}
