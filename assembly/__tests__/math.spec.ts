import { exp_fdlibm, exp_rr2_p5, expm1_neg_rr2_p7, log_fdlibm, log_musl, pow_fdlibm } from "../math";
import { ulp } from "./ulp";

function exp1(x: f32): f32 {
  return f32x4.extract_lane(exp_rr2_p5(f32x4.splat(x)), 0);
}
function log1(x: f32): f32 {
  return f32x4.extract_lane(log_musl(f32x4.splat(x)), 0);
}
function em1(x: f32): f32 {
  return f32x4.extract_lane(expm1_neg_rr2_p7(f32x4.splat(x)), 0);
}
/** Lane independence: the same value in each lane, mixed with others, gives the same bits. */
function laneBits(x: f32): bool {
  const a = exp_rr2_p5(f32x4(x, 1.0, NaN, -200.0));
  const b = exp_rr2_p5(f32x4(-1.0, x, 100.0, 0.5));
  const c = exp_rr2_p5(f32x4(0.0, -3.0, x, Infinity));
  const d = exp_rr2_p5(f32x4(7.0, 8.0, 9.0, x));
  const r = reinterpret<u32>(exp1(x));
  return i32x4.extract_lane(a, 0) == r && i32x4.extract_lane(b, 1) == r &&
    i32x4.extract_lane(c, 2) == r && i32x4.extract_lane(d, 3) == r;
}

/** Max ULP error of exp over every 997th f32 bit pattern whose value lies in [lo, hi]. */
function sweepExp(lo: f32, hi: f32): i64 {
  let worst: i64 = 0;
  for (let b: u64 = 0; b < 0x100000000; b += 997) {
    const x = reinterpret<f32>(<u32>b);
    if (!(x >= lo && x <= hi)) continue;
    const d = ulp(exp1(x), <f32>Math.exp(<f64>x));
    if (d > worst) worst = d;
  }
  return worst;
}

describe("exp_rr2_p5", () => {
  it("is within 4 ULP of f64 exp on [-87.3, 88.72] (strided sweep of all f32)", () => {
    const w = sweepExp(-87.3, 88.72);
    trace("exp_rr2_p5 max ULP on [-87.3, 88.72]:", 1, <f64>w);
    expect(w).toBeLessThanOrEqual(4);
  });

  it("rounds denormal outputs to within 1 denormal step", () => {
    for (let i = 0; i <= 2000; i++) {
      const x = <f32>(-87.4 - <f64>i * 0.0083); // down to -104
      expect(ulp(exp1(x), <f32>Math.exp(<f64>x))).toBeLessThanOrEqual(1);
    }
  });

  it("overflows, underflows and propagates exactly", () => {
    expect(exp1(88.73)).toBe(Infinity);
    expect(exp1(89.0)).toBe(Infinity);
    expect(exp1(1e30)).toBe(Infinity);
    expect(exp1(Infinity)).toBe(Infinity);
    expect(isFinite(exp1(88.72))).toBe(true);
    expect(reinterpret<u32>(exp1(-104.0))).toBe(0);
    expect(reinterpret<u32>(exp1(-1e30))).toBe(0);
    expect(reinterpret<u32>(exp1(-Infinity))).toBe(0);
    expect(isNaN(exp1(NaN))).toBe(true);
    expect(exp1(0.0)).toBe(1.0);
    expect(exp1(-0.0)).toBe(1.0);
    expect(exp1(1.0e-30)).toBe(1.0);
    expect(ulp(exp1(1.0), <f32>Math.E)).toBeLessThanOrEqual(2);
  });

  it("gives the same bits in every lane", () => {
    expect(laneBits(0.3)).toBe(true);
    expect(laneBits(-95.5)).toBe(true);
    expect(laneBits(88.5)).toBe(true);
  });
});

describe("expm1_neg_rr2_p7", () => {
  it("is within 2 ULP of f64 expm1 on [-20, 0], relatively near 0", () => {
    let worst: i64 = 0;
    for (let b: u32 = 0x80000000; b < 0xC1A00001; b += 211) {
      const a = reinterpret<f32>(b);
      const d = ulp(em1(a), <f32>Math.expm1(<f64>a));
      if (d > worst) worst = d;
    }
    trace("expm1_neg_rr2_p7 max ULP on [-20, 0]:", 1, <f64>worst);
    expect(worst).toBeLessThanOrEqual(2);
    expect(em1(-1e-8)).toBe(-1e-8);
    expect(em1(-0.0)).toBe(0.0); // sign of zero not kept: tanh4 copies the sign itself
    expect(em1(-20.0)).toBe(<f32>Math.expm1(-20.0));
    expect(isNaN(em1(NaN))).toBe(true);
  });
});

describe("log_musl", () => {
  it("is within 1 ULP of f64 log on all positive f32 (strided sweep, denormals included)", () => {
    let worst: i64 = 0;
    for (let b: u32 = 1; b < 0x7F800000; b += 499) {
      const x = reinterpret<f32>(b);
      const d = ulp(log1(x), <f32>Math.log(<f64>x));
      if (d > worst) worst = d;
    }
    trace("log_musl max ULP:", 1, <f64>worst);
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("handles the special values", () => {
    expect(log1(0.0)).toBe(-Infinity);
    expect(log1(-0.0)).toBe(-Infinity);
    expect(isNaN(log1(-1.0))).toBe(true);
    expect(isNaN(log1(-Infinity))).toBe(true);
    expect(isNaN(log1(NaN))).toBe(true);
    expect(log1(Infinity)).toBe(Infinity);
    expect(reinterpret<u32>(log1(1.0))).toBe(0);
    expect(log1(reinterpret<f32>(1))).toBe(<f32>Math.log(<f64>reinterpret<f32>(1)));
    expect(log1(<f32>Math.E)).toBe(1.0);
  });
});

/** ULP distance between two f64 (finite, same sign region). */
function ulp64(a: f64, b: f64): i64 {
  if (isNaN(a) && isNaN(b)) return 0;
  const ka = reinterpret<i64>(a), kb = reinterpret<i64>(b);
  const ia = ka >= 0 ? ka : -(ka & 0x7FFFFFFFFFFFFFFF) - 1;
  const ib = kb >= 0 ? kb : -(kb & 0x7FFFFFFFFFFFFFFF) - 1;
  return ia > ib ? ia - ib : ib - ia;
}

describe("f64 helpers (fdlibm, table-free)", () => {
  it("log_fdlibm and exp_fdlibm are within 1 f64 ULP of std Math", () => {
    let wl: i64 = 0, we: i64 = 0;
    for (let b: u64 = 1; b < 0x7FF0000000000000; b += 0x0000A3D70A3D70A3) {
      const x = reinterpret<f64>(b);
      const d = ulp64(log_fdlibm(x), Math.log(x));
      if (d > wl) wl = d;
    }
    for (let i = 0; i <= 200000; i++) {
      const x = -708.0 + <f64>i * (1417.7 / 200000.0);
      const d = ulp64(exp_fdlibm(x), Math.exp(x));
      if (d > we) we = d;
    }
    trace("log_fdlibm / exp_fdlibm max f64 ULP:", 2, <f64>wl, <f64>we);
    expect(wl).toBeLessThanOrEqual(1);
    expect(we).toBeLessThanOrEqual(1);
    expect(log_fdlibm(0)).toBe(-Infinity);
    expect(isNaN(log_fdlibm(-1))).toBe(true);
    expect(log_fdlibm(Infinity)).toBe(Infinity);
    expect(log_fdlibm(4.9e-324)).toBe(Math.log(4.9e-324));
    expect(exp_fdlibm(710)).toBe(Infinity);
    expect(exp_fdlibm(-746)).toBe(0);
    expect(exp_fdlibm(709.78)).toBe(Math.exp(709.78));
  });

  it("pow_fdlibm: C99 special cases and f32-rounded agreement with std pow", () => {
    expect(pow_fdlibm(NaN, 0)).toBe(1);
    expect(pow_fdlibm(1, NaN)).toBe(1);
    expect(pow_fdlibm(-1, Infinity)).toBe(1);
    expect(isNaN(pow_fdlibm(2, NaN))).toBe(true);
    expect(pow_fdlibm(-2, 3)).toBe(-8);
    expect(pow_fdlibm(-2, 2)).toBe(4);
    expect(isNaN(pow_fdlibm(-8, 1.0 / 3.0))).toBe(true);
    expect(pow_fdlibm(0, -1)).toBe(Infinity);
    expect(pow_fdlibm(-0.0, -1)).toBe(-Infinity);
    expect(pow_fdlibm(-0.0, -2)).toBe(Infinity);
    expect(reinterpret<u64>(pow_fdlibm(-0.0, 3))).toBe(0x8000000000000000);
    expect(reinterpret<u64>(pow_fdlibm(-0.0, 0.5))).toBe(0);
    expect(pow_fdlibm(-Infinity, 3)).toBe(-Infinity);
    expect(pow_fdlibm(-Infinity, 2)).toBe(Infinity);
    expect(reinterpret<u64>(pow_fdlibm(-Infinity, -3))).toBe(0x8000000000000000);
    expect(pow_fdlibm(Infinity, -1)).toBe(0);
    expect(pow_fdlibm(0.5, Infinity)).toBe(0);
    expect(pow_fdlibm(0.5, -Infinity)).toBe(Infinity);
    expect(pow_fdlibm(2, Infinity)).toBe(Infinity);
    expect(pow_fdlibm(2, -Infinity)).toBe(0);
    expect(<f32>pow_fdlibm(2, 128)).toBe(Infinity);
    expect(<f32>pow_fdlibm(2, -150)).toBe(0);
    let bad = 0;
    let s: u32 = 12345;
    for (let i = 0; i < 50000; i++) {
      s ^= s << 13; s ^= s >> 17; s ^= s << 5;
      const x = <f64><f32>(<f64>(s >> 8) / 65536.0 * 0.01); // (0, 2.56)
      s ^= s << 13; s ^= s >> 17; s ^= s << 5;
      const y = <f64><f32>(<f64>(s >> 8) / 131072.0 - 64.0); // [-64, 64)
      const r = Math.pow(x, y);
      if (Math.abs(pow_fdlibm(x, y) - r) > 1e-13 * r) bad++;
    }
    expect(bad).toBe(0);
  });
});
