// SPDX-License-Identifier: MIT
// Module facts the engine reads at start-up: which build this is and where the
// static data ends (the TypeScript heap starts above it).

/** 1 = simd128 (deterministic), 2 = relaxed (relaxed_madd in the micro-kernels). */
export function build_id(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 2 : 1;
}

/** First byte past the module's static data; the TypeScript heap starts above it. */
export function heap_base(): usize {
  return __heap_base;
}
