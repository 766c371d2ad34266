// SPDX-License-Identifier: MIT
// A simdgrad wasm build instantiated on its own, without the engine: the raw
// kernel exports over a fresh memory holding the GEMM scratch and three float
// slabs (A, B, C) of `elems` floats each, for benches that time kernels alone
// (bench/gemm.mjs, bench/boundscheck.mjs).

import { readFileSync } from 'node:fs';

/**
 * { X: exports, memory, ws, a, b, c } (byte offsets; ws holds gemm_ws_bytes()),
 * or null when this runtime cannot validate the build.
 */
export async function rawBuild(build, elems) {
  const bytes = readFileSync(new URL(`../../build/${build}.wasm`, import.meta.url));
  if (!WebAssembly.validate(bytes)) return null;
  const memory = new WebAssembly.Memory({ initial: 2 });
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: {
      memory,
      abort() {
        throw new Error(`${build}.wasm aborted`);
      },
    },
  });
  const X = instance.exports;
  const slab = (elems * 4 + 64 + 15) & ~15;
  const ws = (Number(X.heap_base()) + 15) & ~15;
  const a = ws + ((X.gemm_ws_bytes() + 64 + 15) & ~15);
  const b = a + slab;
  const c = b + slab;
  const need = c + slab;
  if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
  return { X, memory, ws, a, b, c };
}

/**
 * Readies the register-only probe (gemm_peak: the tiles' multiply-adds on
 * registers, no loads) of a rawBuild: zeroes the floats it starts from and runs
 * it past the baseline compiler (wasm has no on-stack replacement: optimized
 * code only serves later calls). Returns `steps => X.gemm_peak(ws, steps)`, 96 flops a step.
 */
export function warmProbe({ X, memory, ws }) {
  new Float32Array(memory.buffer, ws, 3).fill(0);
  for (let i = 0; i < 40; i++) X.gemm_peak(ws, 2000);
  return (steps) => X.gemm_peak(ws, steps);
}
