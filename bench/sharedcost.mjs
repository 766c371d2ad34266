// SPDX-License-Identifier: MIT
// What the shared-memory build costs one thread: the plain build and the
// -shared build (threads > 1), each over its own memory, run the training
// step's largest GEMM (X·Wᵀ, 256×256×784, gemm_part on the 6×8 tile) in
// alternating samples, in one process. A round another process disturbed is
// dropped (bench/lib/quiet.mjs). Prints each build's GFLOP/s (medians) and the
// median of the per-round ratios. Run it with and without explicit bounds checks:
//   deno run -A [--v8-flags=--no-wasm-bounds-checks] bench/sharedcost.mjs [--build relaxed|simd128]
//   node --experimental-wasm-relaxed-simd [--wasm-enforce-bounds-checks] bench/sharedcost.mjs
//   bun bench/sharedcost.mjs
// (under flock /tmp/simdgrad-heavy.lock)
import { readFileSync } from 'node:fs';
import { arg, fillUniform, median, runtimeLabel } from './lib/common.mjs';
import { quietSamples } from './lib/quiet.mjs';

const [M, N, K] = [256, 256, 784];

/** gemm_part(nt) over the whole product on `build`, over a fresh (shared or plain) memory. */
async function gemm(build, shared) {
  const bytes = readFileSync(new URL(`../build/${build}.wasm`, import.meta.url));
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared });
  const { instance } = await WebAssembly.instantiate(bytes, { env: { memory } });
  const X = instance.exports;
  const page = (n) => Math.ceil(n / 4096) * 4096;
  const ws = page(Number(X.heap_base()));
  const a = ws + page(X.gemm_ws_bytes());
  const b = a + page(4 * M * K);
  const c = b + page(4 * N * K);
  const f32 = new Float32Array(memory.buffer);
  fillUniform(f32.subarray(a / 4, a / 4 + M * K), 1);
  fillUniform(f32.subarray(b / 4, b / 4 + N * K), 2);
  X.gemm_ws_set_tile(ws, 6);
  return () => X.gemm_part(1, a, b, c, M, N, K, 0, ws, 0, M, 0, N);
}

const build = arg('build', 'relaxed');
const plain = await gemm(build, false);
const shared = await gemm(`${build}-shared`, true);
const time = (fn) => {
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) fn();
  return (performance.now() - t0) / 10;
};
for (let i = 0; i < 30; i++) {
  plain();
  shared();
}
let flip = false;
const round = () => {
  flip = !flip;
  if (flip) {
    const p = time(plain);
    return [p, time(shared)];
  }
  const s = time(shared);
  return [time(plain), s];
};
const { samples, dropped } = quietSamples(round, { want: 31, maxTries: 93 });
const gf = (ms) => ((2 * M * N * K) / ms / 1e6).toFixed(1);
console.log(
  `${runtimeLabel()} ${build}: plain ${gf(median(samples.map(([p]) => p)))} GFLOP/s, shared ${gf(median(samples.map(([, s]) => s)))} GFLOP/s, shared ÷ plain speed per round ${median(samples.map(([p, s]) => p / s)).toFixed(3)} (${samples.length} rounds, ${dropped} dropped)`,
);
if (globalThis.Deno) globalThis.Deno.exit(0);
