// SPDX-License-Identifier: MIT
// In-house f32x4 transcendentals used by every kernel (exp, expm1 on x <= 0, log).
// One algorithm per function, named by it (XNNPACK style), so a change of
// algorithm is a rename. NOTE: std `Mathf` is never used in kernels: its exp
// switches algorithm on ASC_SHRINK_LEVEL. Everything here is plain simd128
// (no relaxed ops), so both builds give identical bits; lanes are independent,
// so a value's result never depends on its index.

// Cody–Waite split of ln 2: LN2_HI has 15 significant bits, so n·LN2_HI is exact
// for |n| <= 2^8 and x − n·LN2_HI is exact (Sterbenz). see: XNNPACK
// src/f32-raddstoreexpminusmax/wasmsimd-rr2-p5.c.in (minus_ln2_hi / minus_ln2_lo).
const LOG2E: f32 = reinterpret<f32>(0x3FB8AA3B); // 0x1.715476p+0
const LN2_HI: f32 = reinterpret<f32>(0x3F317200); // 0x1.62E400p-1
const LN2_LO: f32 = reinterpret<f32>(0x35BFBE8E); // 0x1.7F7D1Cp-20

// Degree-5 minimax polynomial for (e^t − 1)/t on [−ln2/2, ln2/2].
// see: XNNPACK src/f32-raddstoreexpminusmax/wasmsimd-rr2-p5.c.in (c1..c5).
const P5_C1: f32 = reinterpret<f32>(0x3F7FFFFB); // 0x1.FFFFF6p-1
const P5_C2: f32 = reinterpret<f32>(0x3EFFFEE3); // 0x1.FFFDC6p-2
const P5_C3: f32 = reinterpret<f32>(0x3E2AAD40); // 0x1.555A80p-3
const P5_C4: f32 = reinterpret<f32>(0x3D2B9D0D); // 0x1.573A1Ap-5
const P5_C5: f32 = reinterpret<f32>(0x3C07CFCE); // 0x1.0F9F9Cp-7

/**
 * e^x per lane: exp with 2-constant range reduction and a degree-5 polynomial.
 * x = n·ln2 + t, |t| <= ln2/2, e^x = 2^n · (1 + t·p(t)).
 * NOTE: 2^n is applied as two exact power-of-two factors 2^(n>>1) · 2^(n − n>>1)
 * (both normal for n in [−150, 128]), so the only rounding after the polynomial
 * is the last multiply: overflow gives +inf (x >= 88.7228), outputs in the
 * denormal range are rounded once (gradual underflow), x <= −103.98 gives +0.
 * x is clamped to [−104, 89] with f32x4.min/max, which propagate NaN.
 * Measured (spec): <= 2 ULP against f64 exp on [−87.3, 88.72].
 */
@inline
export function exp_rr2_p5(x: v128): v128 {
  const xc = f32x4.min(f32x4.max(x, f32x4.splat(-104.0)), f32x4.splat(89.0));
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
  let t = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI)));
  t = f32x4.sub(t, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(P5_C5), t), f32x4.splat(P5_C4));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(P5_C3));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(P5_C2));
  p = f32x4.add(f32x4.mul(p, t), f32x4.splat(P5_C1));
  const e = f32x4.add(f32x4.mul(t, p), f32x4.splat(1.0)); // e^t in [0.70, 1.42]
  const ni = i32x4.trunc_sat_f32x4_s(n); // NaN lanes become 0; e is NaN there anyway
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(e, s1), s2);
}

// Taylor coefficients 1/k! for expm1(t) = t + t²·(1/2 + t/6 + … + t⁵/5040);
// the truncation error t⁸/8! is < 0.3 ULP of expm1(t) on |t| <= ln2/2.
const Q2: f32 = 0.5;
const Q3: f32 = <f32>(1.0 / 6.0);
const Q4: f32 = <f32>(1.0 / 24.0);
const Q5: f32 = <f32>(1.0 / 120.0);
const Q6: f32 = <f32>(1.0 / 720.0);
const Q7: f32 = <f32>(1.0 / 5040.0);

/**
 * e^a − 1 per lane for a in [−20, 0] (callers clamp; NaN propagates):
 * 2-constant range reduction and a degree-7 Taylor polynomial,
 * expm1(a) = (2^n − 1) + 2^n·(t + t²·q(t)). Relatively accurate near 0
 * (expm1(a) = a exactly for |a| < 2^-26), which tanh needs.
 * NOTE: 2^n − 1 is exact for n in [−24, 0]; below that it rounds to −1, where
 * the result is −1 within half an ULP anyway.
 */
@inline
export function expm1_neg_rr2_p7(a: v128): v128 {
  const n = f32x4.nearest(f32x4.mul(a, f32x4.splat(LOG2E)));
  let t = f32x4.sub(a, f32x4.mul(n, f32x4.splat(LN2_HI)));
  t = f32x4.sub(t, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let q = f32x4.add(f32x4.mul(f32x4.splat(Q7), t), f32x4.splat(Q6));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(Q5));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(Q4));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(Q3));
  q = f32x4.add(f32x4.mul(q, t), f32x4.splat(Q2));
  const s = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  const ts = f32x4.mul(t, s);
  const tail = f32x4.add(ts, f32x4.mul(f32x4.mul(ts, t), q)); // 2^n·(e^t − 1)
  return f32x4.add(f32x4.sub(s, f32x4.splat(1.0)), tail);
}

// log: reduce x = 2^k·m with m in [√2/2, √2), f = m − 1, s = f/(2+f),
// log(1+f) = f − f²/2 + s·(f²/2 + R(s²)). see: musl src/math/logf.c (FreeBSD
// e_logf.c, pre-2017 table-free version), constants Lg1..Lg4, ln2_hi/ln2_lo.
const LG1: f32 = reinterpret<f32>(0x3F2AAAAA); // 0xaaaaaa.0p-24
const LG2: f32 = reinterpret<f32>(0x3ECCCE13); // 0xccce13.0p-25
const LG3: f32 = reinterpret<f32>(0x3E91E9EE); // 0x91e9ee.0p-25
const LG4: f32 = reinterpret<f32>(0x3E789E26); // 0xf89e26.0p-26
const LOG_LN2_HI: f32 = reinterpret<f32>(0x3F317180); // 6.9313812256e-01
const LOG_LN2_LO: f32 = reinterpret<f32>(0x3717F7D1); // 9.0580006145e-06

/**
 * Natural log per lane (musl's table-free logf, made branchless).
 * log(+0) = log(−0) = −inf, log(x<0) = NaN, log(+inf) = +inf, NaN → NaN;
 * denormal inputs are scaled by 2^25 first. Measured (spec): <= 1 ULP.
 */
@inline
export function log_musl(x: v128): v128 {
  // NOTE: denormals are rescaled so the exponent trick below sees a normal number.
  const isDen = f32x4.lt(x, f32x4.splat(reinterpret<f32>(0x00800000)));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(33554432.0)), x, isDen);
  let ix = i32x4.add(xs, i32x4.splat(0x3F800000 - 0x3F3504F3));
  const k = i32x4.sub(
    i32x4.sub(i32x4.shr_u(ix, 23), i32x4.splat(0x7F)),
    v128.and(isDen, i32x4.splat(25)),
  );
  ix = i32x4.add(v128.and(ix, i32x4.splat(0x007FFFFF)), i32x4.splat(0x3F3504F3));
  const f = f32x4.sub(ix, f32x4.splat(1.0));
  const s = f32x4.div(f, f32x4.add(f32x4.splat(2.0), f));
  const z = f32x4.mul(s, s);
  const w = f32x4.mul(z, z);
  const t1 = f32x4.mul(w, f32x4.add(f32x4.splat(LG2), f32x4.mul(w, f32x4.splat(LG4))));
  const t2 = f32x4.mul(z, f32x4.add(f32x4.splat(LG1), f32x4.mul(w, f32x4.splat(LG3))));
  const r = f32x4.add(t2, t1);
  const hfsq = f32x4.mul(f32x4.mul(f32x4.splat(0.5), f), f);
  const dk = f32x4.convert_i32x4_s(k);
  let y = f32x4.add(f32x4.mul(s, f32x4.add(hfsq, r)), f32x4.mul(dk, f32x4.splat(LOG_LN2_LO)));
  y = f32x4.add(f32x4.sub(y, hfsq), f);
  y = f32x4.add(y, f32x4.mul(dk, f32x4.splat(LOG_LN2_HI)));
  // Special lanes: ±0 → −inf; x < 0 or NaN → NaN; +inf → +inf.
  const zero = f32x4.splat(0.0);
  y = v128.bitselect(f32x4.splat(-Infinity), y, f32x4.eq(x, zero));
  y = v128.bitselect(f32x4.splat(Infinity), y, f32x4.eq(x, f32x4.splat(Infinity)));
  const bad = v128.or(f32x4.lt(x, zero), f32x4.ne(x, x));
  return v128.bitselect(f32x4.splat(NaN), y, bad);
}

// ---- Scalar f64 helpers (pow kernels, Gaussian fills) ------------------------
// NOTE: in-house, table-free fdlibm algorithms instead of std `Math.log/exp/pow`:
// std picks a table-driven variant by ASC_SHRINK_LEVEL (and its tables cost
// ~12 KB of wasm data). see: FreeBSD/musl e_log.c and e_exp.c (fdlibm 5.3).

const LN2_HI64: f64 = 6.93147180369123816490e-01; // 0x3fe62e42fee00000
const LN2_LO64: f64 = 1.90821492927058770002e-10; // 0x3dea39ef35793c76
const LG1_64: f64 = 6.666666666666735130e-01;
const LG2_64: f64 = 3.999999999940941908e-01;
const LG3_64: f64 = 2.857142874366239149e-01;
const LG4_64: f64 = 2.222219843214978396e-01;
const LG5_64: f64 = 1.818357216161805012e-01;
const LG6_64: f64 = 1.531383769920937332e-01;
const LG7_64: f64 = 1.479819860511658591e-01;

/** ln x in f64, < 1 ULP (fdlibm e_log.c). ln ±0 = −inf, ln(x < 0) = NaN, NaN → NaN, +inf → +inf. */
export function log_fdlibm(x: f64): f64 {
  let u = reinterpret<u64>(x);
  let hx = <u32>(u >> 32);
  let k = 0;
  if (hx < 0x00100000 || (hx >> 31) != 0) {
    if ((u << 1) == 0) return -Infinity;
    if ((hx >> 31) != 0) return NaN;
    k -= 54; // subnormal: scale up
    x *= 18014398509481984.0; // 2^54
    u = reinterpret<u64>(x);
    hx = <u32>(u >> 32);
  } else if (hx >= 0x7FF00000) {
    return x;
  } else if (hx == 0x3FF00000 && (u << 32) == 0) {
    return 0;
  }
  hx += 0x3FF00000 - 0x3FE6A09E; // reduce x into [√2/2, √2]
  k += <i32>(hx >> 20) - 0x3FF;
  hx = (hx & 0x000FFFFF) + 0x3FE6A09E;
  x = reinterpret<f64>((<u64>hx << 32) | (u & 0xFFFFFFFF));
  const f = x - 1.0;
  const hfsq = 0.5 * f * f;
  const s = f / (2.0 + f);
  const z = s * s;
  const w = z * z;
  const t1 = w * (LG2_64 + w * (LG4_64 + w * LG6_64));
  const t2 = z * (LG1_64 + w * (LG3_64 + w * (LG5_64 + w * LG7_64)));
  const dk = <f64>k;
  return s * (hfsq + t2 + t1) + dk * LN2_LO64 - hfsq + f + dk * LN2_HI64;
}

const EP1: f64 = 1.66666666666666019037e-01;
const EP2: f64 = -2.77777777770155933842e-03;
const EP3: f64 = 6.61375632143793436117e-05;
const EP4: f64 = -1.65339022054652515390e-06;
const EP5: f64 = 4.13813679705723846039e-08;

/**
 * e^x in f64, < 1 ULP (fdlibm e_exp.c reduction and Remez polynomial).
 * +inf above 709.78; results below 2^-1022 flush to +0 (callers round to f32,
 * where they are 0 anyway); NaN → NaN.
 */
export function exp_fdlibm(x: f64): f64 {
  if (x != x) return x;
  if (x > 709.782712893384) return Infinity;
  if (x < -708.3964185322641) return 0;
  const k = <i32>nearest<f64>(x * 1.44269504088896338700);
  const dk = <f64>k;
  const hi = x - dk * LN2_HI64;
  const lo = dk * LN2_LO64;
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (EP1 + t * (EP2 + t * (EP3 + t * (EP4 + t * EP5))));
  const y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
  const k1 = k >> 1;
  // two exact power-of-two factors keep k = 1024 and k = −1022 in range
  return y * reinterpret<f64>(<u64>(k1 + 1023) << 52) * reinterpret<f64>(<u64>(k - k1 + 1023) << 52);
}

/**
 * x^y in f64 with the C99 special cases: pow(x, ±0) = 1, pow(1, y) = 1 (NaN y
 * too), pow(−1, ±inf) = 1, signed zeros/infinities for odd integer y, NaN for
 * x < 0 and non-integer y. Integer |y| <= 2^16 by binary powering, otherwise
 * ±exp(y·ln|x|): relative error ~2^-44, so the f32 rounding of the result is
 * correct except within 2^-20 ULP of a tie.
 */
export function pow_fdlibm(x: f64, y: f64): f64 {
  if (y == 0 || x == 1) return 1;
  if (x != x || y != y) return NaN;
  const ax = Math.abs(x);
  const yInt = Math.floor(y) == y;
  const yOdd = yInt && Math.abs(y) < 9007199254740992.0 && (<i64>y & 1) != 0;
  const neg = x < 0 || (x == 0 && (reinterpret<u64>(x) >> 63) != 0);
  if (!isFinite(y)) {
    if (ax == 1) return 1;
    return (ax < 1) == (y > 0) ? 0 : Infinity;
  }
  if (x == 0 || ax == Infinity) {
    const big = (x == 0) == (y < 0); // 0^(neg) and inf^(pos) are infinite
    const r = big ? Infinity : 0.0;
    return neg && yOdd ? -r : r;
  }
  if (x < 0 && !yInt) return NaN;
  if (yInt && Math.abs(y) <= 65536) {
    // NOTE: small integer exponents by binary powering: exact whenever the
    // intermediate powers are (2^3, (−2)^3, 2^-150), at most 33 roundings otherwise.
    let e = <i32>Math.abs(y), b = x, p: f64 = 1;
    while (e != 0) {
      if (e & 1) p *= b;
      e >>= 1;
      if (e != 0) b *= b;
    }
    return y < 0 ? 1 / p : p;
  }
  const r = exp_fdlibm(y * log_fdlibm(ax));
  return x < 0 && yOdd ? -r : r;
}

/**
 * cos in f64 for the few scalars the TS side needs (the cosine learning-rate
 * schedule): AssemblyScript's pure-wasm NativeMath.cos, so every runtime gets the
 * same bits (a JS engine's Math.cos may differ in the last place).
 */
export function cos_f64(x: f64): f64 {
  return Math.cos(x);
}
