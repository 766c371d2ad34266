// SPDX-License-Identifier: MIT
// Test helpers shared by the kernel specs: ULP distance (AssemblyScript
// `ulperrf` style: the sign of zero counts), raw buffers with canaries, a seeded
// integer-only PRNG.

/** Distance in representable f32 values between a and b; NaN vs NaN is 0, NaN vs number is max. */
export function ulp(a: f32, b: f32): i64 {
  if (isNaN(a) && isNaN(b)) return 0;
  if (isNaN(a) || isNaN(b)) return i64.MAX_VALUE;
  const ia = key(a);
  const ib = key(b);
  const d = ia - ib;
  return d < 0 ? -d : d;
}

/** A monotonic integer line over f32 bit patterns: -0 -> -1, +0 -> 0. */
function key(x: f32): i64 {
  const bits = reinterpret<i32>(x);
  return bits >= 0 ? <i64>bits : -(<i64>(bits & 0x7fffffff)) - 1;
}

export const CANARY: u32 = 0xdeadbeef;

/**
 * A 16-aligned f32 block of n elements with 16 bytes of room on each side for
 * canaries (see guard). Never freed: specs are short-lived.
 */
export function alloc(n: i32): usize {
  const p = heap.alloc(<usize>(n * 4 + 64));
  return ((p + 15) & ~(<usize>15)) + 16;
}

/** Writes the canaries: 16 bytes before p and the 16 bytes of slack after n elements. */
export function guard(p: usize, n: i32): void {
  for (let i = 0; i < 4; i++) {
    store<u32>(p - 16 + <usize>(i * 4), CANARY);
    store<u32>(p + <usize>(n * 4) + <usize>(i * 4), CANARY);
  }
}

/** alloc + guard: the slack kernels may read but never write. */
export function buf(n: i32): usize {
  const p = alloc(n);
  guard(p, n);
  return p;
}

/** True when the canaries around a `buf(n)` are intact. */
export function canariesOk(p: usize, n: i32): bool {
  for (let i = 0; i < 4; i++) {
    if (load<u32>(p - 16 + <usize>(i * 4)) != CANARY) return false;
    if (load<u32>(p + <usize>(n * 4) + <usize>(i * 4)) != CANARY) return false;
  }
  return true;
}

let state: u32 = 0x9e3779b9;
export function seed(s: u32): void {
  state = s | 1;
}
/** xorshift32 in [-1, 1). */
export function rnd(): f32 {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return <f32>(<f64>(state >> 8) / 8388608.0 - 1.0);
}

export function fill(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f32>(p + <usize>(i * 4), rnd());
}
/** The raw bits of element i. */
export function bits(p: usize, i: i32): u32 {
  return load<u32>(p + <usize>(i * 4));
}
export function get(p: usize, i: i32): f32 {
  return load<f32>(p + <usize>(i * 4));
}
export function set(p: usize, i: i32, v: f32): void {
  store<f32>(p + <usize>(i * 4), v);
}
