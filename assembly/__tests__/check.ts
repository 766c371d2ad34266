// SPDX-License-Identifier: MIT
// Shared checks for the elementwise-style kernel specs: the tail-length grid,
// f64 references with a ULP bound, canaries, position invariance, in-place.

import { buf, canariesOk, get, rnd, set, ulp } from "./ulp";

/** Tail lengths from docs/testing.md §1 (XNNPACK batch_lt/eq/gt, PyTorch (23,)). */
export const TAILS: StaticArray<i32> = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 23, 31, 33, 1023, 1025];

export function bits(p: usize, i: i32): u32 {
  return load<u32>(p + <usize>(i * 4));
}

/** Uniform in [lo, hi). */
export function uniform(lo: f64, hi: f64): f32 {
  return <f32>(lo + (hi - lo) * (<f64>rnd() + 1.0) * 0.5);
}

export function fillUniform(p: usize, n: i32, lo: f64, hi: f64): void {
  for (let i = 0; i < n; i++) set(p, i, uniform(lo, hi));
}

/** Distance in ULPs of f32 `got` from the f64 reference (rounded to f32 first, ±0.5 ULP). */
export function ulpRef(got: f32, ref: f64): i64 {
  return ulp(got, <f32>ref);
}

export type Unary = (x: usize, y: usize, n: i32) => void;
export type Ref = (x: f64) => f64;

/**
 * Runs a unary kernel on every tail length with inputs uniform in [lo, hi):
 * checks each output against `ref` within `maxUlp` (outputs below `floor` in
 * magnitude are compared absolutely against `floor`), canaries, position
 * invariance (rotated input gives rotated output, bit for bit) and in-place
 * bits. Returns the largest ULP error seen.
 */
export function checkUnary(k: Unary, ref: Ref, lo: f64, hi: f64, maxUlp: i64, floor: f64 = 1.1754943508222875e-38): i64 {
  let worst: i64 = 0;
  for (let t = 0; t < TAILS.length; t++) {
    const n = TAILS[t];
    const x = buf(n), y = buf(n), x2 = buf(n), y2 = buf(n);
    fillUniform(x, n, lo, hi);
    k(x, y, n);
    expect(canariesOk(y, n)).toBe(true);
    for (let i = 0; i < n; i++) {
      const r = ref(<f64>get(x, i));
      if (Math.abs(r) < floor) {
        if (!(Math.abs(<f64>get(y, i) - r) <= floor)) expect(<f64>get(y, i)).toBe(r);
        continue;
      }
      const d = ulpRef(get(y, i), r);
      if (d > worst) worst = d;
      if (d > maxUlp) {
        trace("ulp error at x =", 2, <f64>get(x, i), <f64>get(y, i));
        expect(d).toBeLessThanOrEqual(maxUlp);
      }
    }
    // position invariance: rotate by one element
    for (let i = 0; i < n; i++) set(x2, i, get(x, (i + 1) % n));
    k(x2, y2, n);
    let bad = 0;
    for (let i = 0; i < n; i++) if (bits(y2, i) != bits(y, (i + 1) % n)) bad++;
    // in place
    k(x, x, n);
    for (let i = 0; i < n; i++) if (bits(x, i) != bits(y, i)) bad++;
    expect(bad).toBe(0);
    expect(canariesOk(x, n)).toBe(true);
  }
  return worst;
}

/** Applies a unary kernel to one value (through a 1-element buffer). */
export function one(k: Unary, v: f32): f32 {
  const x = buf(1), y = buf(1);
  set(x, 0, v);
  k(x, y, 1);
  return get(y, 0);
}

/** True when v is +0 (not −0). */
export function isPosZero(v: f32): bool {
  return reinterpret<u32>(v) == 0;
}
/** True when v is −0. */
export function isNegZero(v: f32): bool {
  return reinterpret<u32>(v) == 0x80000000;
}
