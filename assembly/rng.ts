// SPDX-License-Identifier: MIT
// Seeded, counter-based random fills: element i depends only on the 64-bit seed
// (seedHi:seedLo) and on i, never on n, on the call history or on the runtime.
// Integer hashing (splitmix64's finalizer over seed + (i+1)·γ, i.e. the i-th
// output of splitmix64 seeded with `seed`) plus, for Gaussians, Box–Muller in
// f64: the in-house table-free log_fdlibm (math.ts), the sqrt instruction and
// AssemblyScript's pure-wasm NativeMath sin/cos (table-free, independent of the
// shrink level), so every engine gives the same bits. Never allocates; the same seed
// gives the same values on each call, so the caller derives one seed per call.
// see: Steele, Lea, Flood, "Fast splittable pseudorandom number generators" (2014).

import { log_fdlibm } from "./math";

const GAMMA: u64 = 0x9E3779B97F4A7C15;

/** splitmix64 output number i (0-based) for a given seed. */
@inline
function mix(seed: u64, i: u64): u64 {
  let z = seed + (i + 1) * GAMMA;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
  return z ^ (z >> 31);
}

@inline
function seed64(lo: u32, hi: u32): u64 {
  return (<u64>hi << 32) | <u64>lo;
}

/**
 * out[i] = low + (high − low)·u_i in f32, u_i = (top 24 bits of mix(seed, i))·2⁻²⁴
 * in [0, 1) exactly. NOTE: the f32 rounding of low + (high − low)·u can reach
 * `high` itself when the interval is not a power-of-two multiple of u.
 */
export function rand_fill(out: usize, n: i32, seedLo: u32, seedHi: u32, low: f32, high: f32): void {
  const s = seed64(seedLo, seedHi);
  const span = high - low;
  for (let i = 0; i < n; i++) {
    const u = <f32>(<u32>(mix(s, <u64>i) >> 40)) * <f32>5.9604644775390625e-8; // exact
    store<f32>(out + ((<usize>i) << 2), low + span * u);
  }
}

/**
 * out[i] = f32(mean + std·z_i), z from Box–Muller on the pair k = ⌊i/2⌋:
 * u1 = (top 53 bits of mix(seed, 2k) + 1)·2⁻⁵³ in (0, 1], u2 = (top 53 bits of
 * mix(seed, 2k+1))·2⁻⁵³, r = √(−2 ln u1) (ln: log_fdlibm), z_{2k} = r·cos(2πu2), z_{2k+1} = r·sin(2πu2),
 * all in f64, rounded once to f32. |z| <= 8.57 (u1 >= 2⁻⁵³).
 */
export function randn_fill(out: usize, n: i32, seedLo: u32, seedHi: u32, mean: f32, std: f32): void {
  const s = seed64(seedLo, seedHi);
  const TWO_PI: f64 = 6.283185307179586;
  const INV53: f64 = 1.1102230246251565e-16; // 2^-53
  const m = <f64>mean, sd = <f64>std;
  for (let i = 0; i < n; i += 2) {
    const k = <u64>i;
    const u1 = <f64>((mix(s, k) >> 11) + 1) * INV53;
    const u2 = <f64>(mix(s, k + 1) >> 11) * INV53;
    const r = Math.sqrt(-2.0 * log_fdlibm(u1));
    const t = TWO_PI * u2;
    store<f32>(out + ((<usize>i) << 2), <f32>(m + sd * (r * Math.cos(t))));
    if (i + 1 < n) store<f32>(out + ((<usize>(i + 1)) << 2), <f32>(m + sd * (r * Math.sin(t))));
  }
}

/**
 * Dropout of n elements starting at element index `first` (a caller that splits
 * the work into chunks passes each chunk's offset, so the mask never depends on
 * the split). Element j draws u_j = 32 bits of splitmix64 output ⌊j/2⌋ (the low
 * half for even j, the high half for odd j: one 64-bit output per two elements)
 * and is dropped when u_j < ⌊p·2³²⌋ (probability p; p ≥ 1 drops all). A survivor
 * is x·scale (scale = f32(1 / f32(1 − p)), PyTorch's), a dropped element x·0, as
 * PyTorch's input·mask (NaN and ±inf give NaN, −x gives −0). Mask and product in
 * one pass: the mask is never stored, the backward regenerates it from the seed.
 * The body hashes two outputs per i64x2 vector (four elements); the scalar head
 * (to an even index) and tail give the same bits per element.
 */
@inline
function dropoutMask(x: usize, y: usize, n: i32, first: i32, seedLo: u32, seedHi: u32, p: f64, scale: f32): void {
  const s = seed64(seedLo, seedHi);
  const all = p >= 1.0;
  const threshold = all ? <u32>0 : <u32>(p * 4294967296.0);
  let i = 0;
  // scalar: element j = first + i
  while (i < n && ((first + i) & 1) != 0) {
    dropOne(x, y, i, first + i, s, threshold, all, scale);
    i++;
  }
  const vgamma = i64x2.splat(<i64>GAMMA), vs = i64x2.splat(<i64>s);
  const c1 = i64x2.splat(<i64>0xBF58476D1CE4E5B9), c2 = i64x2.splat(<i64>0x94D049BB133111EB);
  const vt = i32x4.splat(<i32>threshold), vscale = f32x4.splat(all ? <f32>0 : scale), zero = f32x4.splat(0);
  for (; i + 4 <= n; i += 4) {
    const pair = <i64>((first + i) >>> 1); // outputs pair and pair + 1 cover elements j … j + 3
    let z = i64x2.add(vs, i64x2.mul(i64x2(pair + 1, pair + 2), vgamma));
    z = i64x2.mul(v128.xor(z, i64x2.shr_u(z, 30)), c1);
    z = i64x2.mul(v128.xor(z, i64x2.shr_u(z, 27)), c2);
    z = v128.xor(z, i64x2.shr_u(z, 31));
    const keep = i32x4.ge_u(z, vt); // lanes: lo(pair), hi(pair), lo(pair + 1), hi(pair + 1)
    const o = (<usize>i) << 2;
    v128.store(y + o, f32x4.mul(v128.load(x + o), v128.bitselect(vscale, zero, keep)));
  }
  for (; i < n; i++) dropOne(x, y, i, first + i, s, threshold, all, scale);
}

@inline
function dropOne(x: usize, y: usize, i: i32, j: i32, s: u64, threshold: u32, all: bool, scale: f32): void {
  const h = mix(s, <u64>(j >>> 1));
  const u = (j & 1) != 0 ? <u32>(h >> 32) : <u32>h;
  const keep = !all && u >= threshold;
  const o = (<usize>i) << 2;
  store<f32>(y + o, load<f32>(x + o) * (keep ? scale : <f32>0));
}

/** y = dropout(x): zero with probability p, else x·scale (see dropoutMask). */
export function dropout_fwd(x: usize, y: usize, n: i32, first: i32, seedLo: u32, seedHi: u32, p: f64, scale: f32): void {
  dropoutMask(x, y, n, first, seedLo, seedHi, p, scale);
}

/** dx = the same mask and scale applied to dy (the mask regenerated from the seed). */
export function dropout_bwd(dy: usize, dx: usize, n: i32, first: i32, seedLo: u32, seedHi: u32, p: f64, scale: f32): void {
  dropoutMask(dy, dx, n, first, seedLo, seedHi, p, scale);
}
