// SPDX-License-Identifier: MIT
// The performance targets, computed per runtime from one bench result: GEMM as a
// fraction of the register-only probe (n ≥ 256 and the MLP shapes), simd128 NN
// against TensorFlow.js wasm, the training step against the rate its own GEMM
// speed allows, batch-64 inference against tfjs-wasm and batch-1 against ONNX
// Runtime Web. Reported, never asserted: the numbers are whatever the machine gave.

import { SIZES, TRAIN_BATCH } from './lib/common.mjs';

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * GEMM flops of one training step of the MLP: forward X·Wᵀ per layer, dW = dYᵀ·X
 * per layer, dX = dY·W for every layer but the first (the input needs no
 * gradient); each 2·B·in·out. Returns { nt, tn, nn } flops by GEMM kind.
 */
export function stepFlops(sizes = SIZES, batch = TRAIN_BATCH) {
  let fwd = 0;
  let dx = 0;
  for (let i = 0; i + 1 < sizes.length; i++) {
    const f = 2 * batch * sizes[i] * sizes[i + 1];
    fwd += f;
    if (i > 0) dx += f;
  }
  return { nt: fwd, tn: fwd, nn: dx };
}

/**
 * samples/s the step would reach if it were only its GEMMs at the speed the GEMM
 * table measured for the MLP shapes (forward NT, dX NN, dW TN) with `col`.
 */
export function gemmBoundRate(gemm, col) {
  const g = {};
  for (const r of gemm?.rows ?? []) if (r.name.startsWith('mlp')) g[r.kind] = num(r.gflops[col]);
  if (!g.nt || !g.nn || !g.tn) return null;
  const f = stepFlops();
  const sec = f.nt / (g.nt * 1e9) + f.nn / (g.nn * 1e9) + f.tn / (g.tn * 1e9);
  return TRAIN_BATCH / sec;
}

/** Lines: each target with its figure and whether it is met. */
export function formatTargets(gemm, e2e) {
  const lines = [];
  const mark = (ok) => (ok == null ? '?' : ok ? 'met' : 'SHORT');
  if (gemm) {
    const big = gemm.rows.filter((r) => r.name.startsWith('mlp') || r.M >= 256 || /\b(256|512|1024)³/.test(r.name));
    for (const [b, want] of [
      ['simd128', 0.92],
      ['relaxed', 0.88],
    ]) {
      const p = gemm.probe?.[b];
      const fr = big.map((r) => num(r.gflops[`simdgrad ${b}`])).filter((v) => v != null && p);
      if (!p || !fr.length) continue;
      const lo = Math.min(...fr) / p;
      lines.push(
        `GEMM ${b}, n ≥ 256 and MLP shapes: lowest ${(100 * lo).toFixed(0)}% of the probe (${p.toFixed(1)} GFLOP/s), median ${((100 * median(fr)) / p).toFixed(0)}% — target ≥ ${100 * want}%: ${mark(lo >= want)}`,
      );
    }
    const nn = gemm.rows.filter((r) => /^nn (256|512|1024)³/.test(r.name));
    const rs = nn.map((r) => num(r.gflops['simdgrad simd128']) / num(r.gflops['tfjs-wasm'])).filter(Number.isFinite);
    if (rs.length) {
      lines.push(
        `GEMM simd128 NN n ≥ 256 vs tfjs-wasm: lowest ${Math.min(...rs).toFixed(2)}× — target ≥ 1.05×: ${mark(Math.min(...rs) >= 1.05)}`,
      );
    }
  }
  const row = (id) => e2e?.[id];
  const s = row('simdgrad-simd128');
  const bound = gemmBoundRate(gemm, 'simdgrad simd128');
  const train = num(s?.train?.samplesPerSec);
  if (train && bound) {
    const f = stepFlops();
    lines.push(
      `training simd128: ${train.toFixed(0)} samples/s = ${((100 * train) / bound).toFixed(0)}% of ${bound.toFixed(0)}, the rate its GEMMs allow (${((f.nt + f.tn + f.nn) / 1e6).toFixed(1)} MFLOP per step of ${TRAIN_BATCH} at the MLP-shape GFLOP/s of the table) — target ≥ 85%: ${mark(train / bound >= 0.85)}`,
    );
  }
  const tf64 = num(row('tfjs-wasm')?.infer64?.ms);
  const ort1 = num(row('ort-wasm')?.infer1?.us);
  for (const id of ['simdgrad-simd128', 'simdgrad-relaxed']) {
    const r = row(id);
    const b64 = num(r?.infer64?.ms);
    const b1 = num(r?.infer1?.us);
    if (b64 && tf64)
      lines.push(`${id} batch-64: ${(tf64 / b64).toFixed(2)}× tfjs-wasm — target ≥ 1.3×: ${mark(tf64 / b64 >= 1.3)}`);
    if (b1 && ort1)
      lines.push(
        `${id} batch-1: ${(b1 / ort1).toFixed(2)}× ONNX Runtime Web's latency — target ≤ 0.8×: ${mark(b1 / ort1 <= 0.8)}`,
      );
  }
  return lines.join('\n');
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}
