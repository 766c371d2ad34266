import {
  abs_bwd, abs_fwd, add_fwd, copy_f32, div_fwd, exp_bwd, exp_fwd, fill_f32, log_bwd, log_fwd, maximum_bwd,
  maximum_fwd, minimum_bwd, minimum_fwd, mul_fwd, neg_fwd, pow_bwd, pow_fwd, scale_add, sqrt_bwd, sqrt_fwd,
  square_bwd, square_fwd, sub_fwd,
} from "../elementwise";
import { bits, checkUnary, fillUniform, isNegZero, isPosZero, one, TAILS } from "./check";
import { buf, canariesOk, fill, get, seed, set } from "./ulp";

type Bin = (a: usize, b: usize, out: usize, d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32, sb0: i32, sb1: i32, sb2: i32, sb3: i32) => void;
type Ref2 = (a: f32, b: f32) => f32;

function same(x: f32, y: f32): bool {
  return (isNaN(x) && isNaN(y)) || reinterpret<u32>(x) == reinterpret<u32>(y);
}
function rMax(a: f32, b: f32): f32 { return isNaN(a) || isNaN(b) ? NaN : (a == b ? (isNegZero(a) ? b : a) : (a > b ? a : b)); }
function rMin(a: f32, b: f32): f32 { return isNaN(a) || isNaN(b) ? NaN : (a == b ? (isNegZero(a) ? a : b) : (a < b ? a : b)); }
function rPow(a: f32, b: f32): f32 { return a == 1 ? 1 : <f32>Math.pow(<f64>a, <f64>b); }

/** Same-shape: every tail length, bit for bit vs the f32 reference, canaries, rotation, in place. */
function checkBin(k: Bin, r: Ref2, lo: f64, hi: f64): void {
  for (let t = 0; t < TAILS.length; t++) {
    const n = TAILS[t];
    const a = buf(n), b = buf(n), o = buf(n), a2 = buf(n), b2 = buf(n), o2 = buf(n);
    fillUniform(a, n, lo, hi);
    fillUniform(b, n, lo, hi);
    if (n > 3) set(b, 3, get(a, 3)); // a tie
    k(a, b, o, 1, 1, 1, n, 0, 0, 0, 1, 0, 0, 0, 1);
    expect(canariesOk(o, n)).toBe(true);
    let bad = 0;
    for (let i = 0; i < n; i++) if (!same(get(o, i), r(get(a, i), get(b, i)))) bad++;
    for (let i = 0; i < n; i++) { set(a2, i, get(a, (i + 1) % n)); set(b2, i, get(b, (i + 1) % n)); }
    k(a2, b2, o2, 1, 1, 1, n, 0, 0, 0, 1, 0, 0, 0, 1);
    for (let i = 0; i < n; i++) if (bits(o2, i) != bits(o, (i + 1) % n)) bad++;
    k(a, b, a, 1, 1, 1, n, 0, 0, 0, 1, 0, 0, 0, 1);
    for (let i = 0; i < n; i++) if (bits(a, i) != bits(o, i)) bad++;
    expect(bad).toBe(0);
  }
}

/** [2,3,M,N] ⊕ [3,1,N] and [M,1] ⊕ [1,N] and scalar ⊕ scalar, against the reference. */
function checkBroadcast(k: Bin, r: Ref2, lo: f64, hi: f64): void {
  const M = 5, N = 7;
  const a = buf(6 * M * N), b = buf(3 * N), o = buf(6 * M * N);
  fillUniform(a, 6 * M * N, lo, hi);
  fillUniform(b, 3 * N, lo, hi);
  k(a, b, o, 2, 3, M, N, 3 * M * N, M * N, N, 1, 0, N, 0, 1);
  for (let i = 0; i < 6 * M * N; i++) {
    const j = ((i / (M * N)) % 3) * N + i % N;
    expect(same(get(o, i), r(get(a, i), get(b, j)))).toBe(true);
  }
  expect(canariesOk(o, 6 * M * N)).toBe(true);
  k(b, a, o, 1, 1, M, N, 0, 0, 1, 0, 0, 0, 0, 1); // column b[M] against row a[N]
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) expect(same(get(o, i * N + j), r(get(b, i), get(a, j)))).toBe(true);
  k(a, b, o, 1, 1, 1, 9, 0, 0, 0, 0, 0, 0, 0, 0); // both splatted
  for (let j = 0; j < 9; j++) expect(same(get(o, j), r(get(a, 0), get(b, 0)))).toBe(true);
  expect(canariesOk(o, 6 * M * N)).toBe(true);
}

describe("broadcast binary", () => {
  it("add/sub/mul/div match IEEE f32 bit for bit, broadcast, in place", () => {
    seed(1);
    checkBin(add_fwd, (a: f32, b: f32): f32 => a + b, -10, 10);
    checkBin(sub_fwd, (a: f32, b: f32): f32 => a - b, -10, 10);
    checkBin(mul_fwd, (a: f32, b: f32): f32 => a * b, -10, 10);
    checkBin(div_fwd, (a: f32, b: f32): f32 => a / b, -10, 10);
    checkBroadcast(add_fwd, (a: f32, b: f32): f32 => a + b, -10, 10);
    checkBroadcast(sub_fwd, (a: f32, b: f32): f32 => a - b, -10, 10);
    checkBroadcast(mul_fwd, (a: f32, b: f32): f32 => a * b, -10, 10);
    checkBroadcast(div_fwd, (a: f32, b: f32): f32 => a / b, -10, 10);
  });
  it("add propagates NaN and infinities as IEEE says", () => {
    const a = buf(3), b = buf(3), o = buf(3);
    set(a, 0, NaN); set(b, 0, 1);
    set(a, 1, Infinity); set(b, 1, -Infinity);
    set(a, 2, Infinity); set(b, 2, 1);
    add_fwd(a, b, o, 1, 1, 1, 3, 0, 0, 0, 1, 0, 0, 0, 1);
    expect(isNaN(get(o, 0))).toBe(true);
    expect(isNaN(get(o, 1))).toBe(true);
    expect(get(o, 2)).toBe(Infinity);
  });
  it("maximum/minimum: NaN propagates, max(-0,+0) = +0, min(-0,+0) = -0", () => {
    seed(2);
    checkBin(maximum_fwd, rMax, -10, 10);
    checkBin(minimum_fwd, rMin, -10, 10);
    checkBroadcast(maximum_fwd, rMax, -10, 10);
    checkBroadcast(minimum_fwd, rMin, -10, 10);
    const a = buf(4), b = buf(4), o = buf(4);
    set(a, 0, NaN); set(b, 0, 1); set(a, 1, 1); set(b, 1, NaN);
    set(a, 2, -0.0); set(b, 2, 0.0); set(a, 3, 0.0); set(b, 3, -0.0);
    maximum_fwd(a, b, o, 1, 1, 1, 4, 0, 0, 0, 1, 0, 0, 0, 1);
    expect(isNaN(get(o, 0)) && isNaN(get(o, 1))).toBe(true);
    expect(isPosZero(get(o, 2)) && isPosZero(get(o, 3))).toBe(true);
    minimum_fwd(a, b, o, 1, 1, 1, 4, 0, 0, 0, 1, 0, 0, 0, 1);
    expect(isNaN(get(o, 0)) && isNaN(get(o, 1))).toBe(true);
    expect(isNegZero(get(o, 2)) && isNegZero(get(o, 3))).toBe(true);
  });
  it("pow: f64 pow rounded once, C99 special cases", () => {
    seed(3);
    checkBin(pow_fwd, rPow, 0, 4);
    checkBroadcast(pow_fwd, rPow, 0, 4);
    const a = buf(8), b = buf(8), o = buf(8);
    const av: StaticArray<f32> = [-2, -8, 0, NaN, 2, 0, -0.0, 1];
    const bv: StaticArray<f32> = [3, <f32>(1.0 / 3.0), 0, 0, 0.5, -1, -1, NaN];
    for (let i = 0; i < 8; i++) { set(a, i, av[i]); set(b, i, bv[i]); }
    pow_fwd(a, b, o, 1, 1, 1, 8, 0, 0, 0, 1, 0, 0, 0, 1);
    expect(get(o, 0)).toBe(-8.0);
    expect(isNaN(get(o, 1))).toBe(true);
    expect(get(o, 2)).toBe(1.0);
    expect(get(o, 3)).toBe(1.0);
    expect(get(o, 4)).toBe(<f32>Math.SQRT2);
    expect(get(o, 5)).toBe(Infinity);
    expect(get(o, 6)).toBe(-Infinity);
    expect(get(o, 7)).toBe(1.0);
  });
});

describe("binary backward", () => {
  it("maximum_bwd/minimum_bwd: dy to the winner, dy/2 each on ties, output-shaped, broadcast", () => {
    seed(4);
    const M = 3, N = 9;
    const a = buf(M * N), b = buf(N), dy = buf(M * N), da = buf(M * N), db = buf(M * N);
    fill(a, M * N); fill(b, N); fill(dy, M * N);
    set(a, 4, get(b, 4)); set(a, N + 2, get(b, 2));
    for (let pass = 0; pass < 2; pass++) {
      if (pass == 0) maximum_bwd(a, b, dy, da, db, 1, 1, M, N, 0, 0, N, 1, 0, 0, 0, 1);
      else minimum_bwd(a, b, dy, da, db, 1, 1, M, N, 0, 0, N, 1, 0, 0, 0, 1);
      for (let i = 0; i < M * N; i++) {
        const x = get(a, i), y = get(b, i % N), g = get(dy, i);
        const aw = pass == 0 ? x > y : x < y;
        const bw = pass == 0 ? y > x : y < x;
        expect(get(da, i)).toBe(x == y ? g * 0.5 : (aw ? g : 0));
        expect(get(db, i)).toBe(x == y ? g * 0.5 : (bw ? g : 0));
      }
      expect(canariesOk(da, M * N) && canariesOk(db, M * N)).toBe(true);
    }
  });
  it("pow_bwd matches f64 central differences; masks at b = 0 and a = 0", () => {
    seed(5);
    const n = 13;
    const a = buf(n), b = buf(n), y = buf(n), dy = buf(n), da = buf(n), db = buf(n);
    fillUniform(a, n, 0.5, 2.0); fillUniform(b, n, -2.0, 3.0); fill(dy, n);
    set(b, 0, 0.0); set(a, 1, 0.0); set(b, 1, 2.0);
    pow_fwd(a, b, y, 1, 1, 1, n, 0, 0, 0, 1, 0, 0, 0, 1);
    pow_bwd(a, b, y, dy, da, db, 1, 1, 1, n, 0, 0, 0, 1, 0, 0, 0, 1);
    expect(canariesOk(da, n) && canariesOk(db, n)).toBe(true);
    expect(get(da, 0)).toBe(0.0);
    expect(get(db, 1)).toBe(0.0);
    expect(get(da, 1)).toBe(0.0); // 2·0^1
    for (let i = 2; i < n; i++) {
      const x = <f64>get(a, i), e = <f64>get(b, i), g = <f64>get(dy, i), h = 1e-6;
      const fa = g * (Math.pow(x + h, e) - Math.pow(x - h, e)) / (2 * h);
      const fb = g * (Math.pow(x, e + h) - Math.pow(x, e - h)) / (2 * h);
      expect(Math.abs(<f64>get(da, i) - fa) <= 1e-5 + 1e-4 * Math.abs(fa)).toBe(true);
      expect(Math.abs(<f64>get(db, i) - fb) <= 1e-5 + 1e-4 * Math.abs(fb)).toBe(true);
    }
  });
});

describe("unary", () => {
  it("exp <= 2 ULP, log <= 1 ULP; sqrt, square, abs, neg exact; tails, rotation, in place", () => {
    seed(6);
    trace("exp_fwd max ULP:", 1, <f64>checkUnary(exp_fwd, (x: f64): f64 => Math.exp(x), -87.3, 88.7, 2));
    trace("log_fwd max ULP:", 1, <f64>checkUnary(log_fwd, (x: f64): f64 => Math.log(x), 0, 1e6, 1));
    checkUnary(sqrt_fwd, (x: f64): f64 => Math.sqrt(x), 0, 1e6, 0);
    checkUnary(square_fwd, (x: f64): f64 => x * x, -1e10, 1e10, 0);
    checkUnary(abs_fwd, (x: f64): f64 => Math.abs(x), -5, 5, 0);
    checkUnary(neg_fwd, (x: f64): f64 => -x, -5, 5, 0);
  });
  it("edge values", () => {
    expect(one(exp_fwd, 88.73)).toBe(Infinity);
    expect(isPosZero(one(exp_fwd, -104.0))).toBe(true);
    expect(isNaN(one(exp_fwd, NaN))).toBe(true);
    expect(one(log_fwd, 0.0)).toBe(-Infinity);
    expect(isNaN(one(log_fwd, -1.0))).toBe(true);
    expect(isNegZero(one(sqrt_fwd, -0.0))).toBe(true);
    expect(isNaN(one(sqrt_fwd, -1.0))).toBe(true);
    expect(isPosZero(one(abs_fwd, -0.0))).toBe(true);
    expect(isNegZero(one(neg_fwd, 0.0))).toBe(true);
    expect(one(square_fwd, 1e20)).toBe(Infinity);
  });
  it("backward helpers match their one-rounding f32 formulas on every tail length", () => {
    seed(7);
    for (let t = 0; t < TAILS.length; t++) {
      const n = TAILS[t];
      const s = buf(n), dy = buf(n), dx = buf(n);
      fill(s, n); fill(dy, n);
      if (n > 2) { set(s, 1, 0.0); set(s, 2, -0.0); }
      exp_bwd(s, dy, dx, n);
      for (let i = 0; i < n; i++) expect(get(dx, i)).toBe(get(dy, i) * get(s, i));
      log_bwd(s, dy, dx, n);
      for (let i = 0; i < n; i++) expect(same(get(dx, i), get(dy, i) / get(s, i))).toBe(true);
      sqrt_bwd(s, dy, dx, n);
      for (let i = 0; i < n; i++) expect(same(get(dx, i), get(dy, i) / (get(s, i) * 2))).toBe(true);
      square_bwd(s, dy, dx, n);
      for (let i = 0; i < n; i++) expect(get(dx, i)).toBe(get(dy, i) * (get(s, i) * 2));
      abs_bwd(s, dy, dx, n);
      for (let i = 0; i < n; i++) {
        const x = get(s, i);
        expect(get(dx, i)).toBe(x > 0 ? get(dy, i) : (x < 0 ? -get(dy, i) : 0));
      }
      expect(canariesOk(dx, n)).toBe(true);
      abs_bwd(s, dy, dy, n); // in place
      for (let i = 0; i < n; i++) expect(bits(dy, i)).toBe(bits(dx, i));
    }
    const x = buf(1), g = buf(1), d = buf(1);
    set(x, 0, NaN); set(g, 0, 1);
    abs_bwd(x, g, d, 1);
    expect(isNaN(get(d, 0))).toBe(true);
  });
});

describe("tape helpers", () => {
  it("fill_f32, copy_f32, scale_add on every tail length with canaries", () => {
    seed(8);
    for (let t = 0; t < TAILS.length; t++) {
      const n = TAILS[t];
      const x = buf(n), y = buf(n), o = buf(n);
      fill(x, n); fill(y, n);
      fill_f32(o, n, -2.5);
      for (let i = 0; i < n; i++) expect(get(o, i)).toBe(-2.5);
      expect(canariesOk(o, n)).toBe(true);
      copy_f32(x, o, n);
      for (let i = 0; i < n; i++) expect(bits(o, i)).toBe(bits(x, i));
      expect(canariesOk(o, n)).toBe(true);
      scale_add(x, y, o, n, 0.3, -1.7);
      for (let i = 0; i < n; i++) expect(get(o, i)).toBe(<f32>0.3 * get(x, i) + <f32>-1.7 * get(y, i));
      expect(canariesOk(o, n)).toBe(true);
      copy_f32(x, o, n);
      scale_add(x, y, x, n, 1.0, 1.0); // accumulate in place: exactly x + y
      for (let i = 0; i < n; i++) expect(get(x, i)).toBe(get(o, i) + get(y, i));
      expect(canariesOk(x, n)).toBe(true);
    }
  });
});
