import { relu_bwd, relu_fwd, sigmoid4, sigmoid_bwd, sigmoid_fwd, tanh4, tanh_bwd, tanh_fwd } from "../activations";
import { prelu_bwd, prelu_fwd } from "../prelu";
import { bits, checkUnary, fillUniform, isNegZero, isPosZero, one, TAILS, uniform } from "./check";
import { buf, canariesOk, fill, get, seed, set, ulp } from "./ulp";

const FLT_MIN: f64 = 1.1754943508222875e-38;
const U: f64 = 5.960464477539063e-8; // 2^-24

function refRelu(x: f64): f64 { return x > 0 ? x : 0; }
function refSigmoid(x: f64): f64 { return 1.0 / (1.0 + Math.exp(-x)); }
function refTanh(x: f64): f64 { return Math.tanh(x); }
function sig1(x: f32): f32 { return f32x4.extract_lane(sigmoid4(f32x4.splat(x)), 0); }
function tanh1(x: f32): f32 { return f32x4.extract_lane(tanh4(f32x4.splat(x)), 0); }

/** Max ULP of sigmoid4 / tanh4 over every 1009th f32 bit pattern with |ref| >= FLT_MIN. */
function sweep(tanh: bool): i64 {
  let worst: i64 = 0;
  for (let b: u64 = 0; b < 0x100000000; b += 1009) {
    const x = reinterpret<f32>(<u32>b);
    if (!isFinite(x)) continue;
    const r = tanh ? refTanh(<f64>x) : refSigmoid(<f64>x);
    const got = tanh ? tanh1(x) : sig1(x);
    if (isNaN(got)) return i64.MAX_VALUE; // never NaN for finite input
    if (Math.abs(r) < FLT_MIN) continue;
    const d = ulp(got, <f32>r);
    if (d > worst) worst = d;
  }
  return worst;
}

/** Checks a (y, dy) -> dx kernel against an f64 formula on every tail length; exact when tol = 0. */
function checkBwd(k: (y: usize, dy: usize, dx: usize, n: i32) => void, f: (y: f64, dy: f64) => f64, lo: f64, tol: f64): void {
  for (let t = 0; t < TAILS.length; t++) {
    const n = TAILS[t];
    const y = buf(n), dy = buf(n), dx = buf(n);
    fillUniform(y, n, lo, 1.0);
    fill(dy, n);
    k(y, dy, dx, n);
    expect(canariesOk(dx, n)).toBe(true);
    for (let i = 0; i < n; i++) {
      const r = f(<f64>get(y, i), <f64>get(dy, i));
      if (tol == 0) expect(get(dx, i)).toBe(<f32>r);
      else expect(Math.abs(<f64>get(dx, i) - r) <= tol * (Math.abs(<f64>get(dy, i)) + Math.abs(r))).toBe(true);
    }
    k(y, dy, dy, n); // in place: dx === dy
    for (let i = 0; i < n; i++) expect(bits(dy, i)).toBe(bits(dx, i));
  }
}

describe("relu", () => {
  it("matches max(x, 0) on every tail length, position-invariant and in place", () => {
    seed(11);
    checkUnary(relu_fwd, refRelu, -4.0, 4.0, 0);
  });
  it("NaN propagates, -0 and -inf give +0 (f32x4.max policy)", () => {
    expect(isNaN(one(relu_fwd, NaN))).toBe(true);
    expect(isPosZero(one(relu_fwd, -0.0))).toBe(true);
    expect(isPosZero(one(relu_fwd, -Infinity))).toBe(true);
    expect(isPosZero(one(relu_fwd, -1e30))).toBe(true);
    expect(one(relu_fwd, Infinity)).toBe(Infinity);
    expect(one(relu_fwd, reinterpret<f32>(1))).toBe(reinterpret<f32>(1));
    expect(isPosZero(one(relu_fwd, reinterpret<f32>(0x80000001)))).toBe(true);
  });
  it("relu(x) - relu(-x) = x exactly", () => {
    seed(12);
    const n = 1025;
    const x = buf(n), nx = buf(n), a = buf(n), b = buf(n);
    fillUniform(x, n, -1e30, 1e30);
    for (let i = 0; i < n; i++) set(nx, i, -get(x, i));
    relu_fwd(x, a, n);
    relu_fwd(nx, b, n);
    for (let i = 0; i < n; i++) expect(get(a, i) - get(b, i)).toBe(get(x, i));
  });
  it("relu_bwd passes dy where y > 0, else +0 (relu'(0) = 0, NaN y gives 0), bit for bit", () => {
    seed(13);
    checkBwd(relu_bwd, (y: f64, dy: f64): f64 => y > 0 ? dy : 0, -1.0, 0);
    const y = buf(4), dy = buf(4), dx = buf(4);
    set(y, 0, 0.0); set(y, 1, -0.0); set(y, 2, NaN); set(y, 3, 1e-45);
    for (let i = 0; i < 4; i++) set(dy, i, -3.0);
    relu_bwd(y, dy, dx, 4);
    expect(isPosZero(get(dx, 0))).toBe(true);
    expect(isPosZero(get(dx, 1))).toBe(true);
    expect(isPosZero(get(dx, 2))).toBe(true);
    expect(get(dx, 3)).toBe(-3.0);
  });
});

describe("sigmoid", () => {
  it("is within 4 ULP of f64 on a strided sweep of all f32 where y >= FLT_MIN", () => {
    const w = sweep(false);
    trace("sigmoid max ULP:", 1, <f64>w);
    expect(w).toBeLessThanOrEqual(4);
  });
  it("kernel: tails, canaries, position invariance, in place", () => {
    seed(21);
    checkUnary(sigmoid_fwd, refSigmoid, -30.0, 30.0, 4);
    checkUnary(sigmoid_fwd, refSigmoid, -110.0, 110.0, 4);
  });
  it("saturates exactly and never gives NaN for finite input", () => {
    expect(isPosZero(one(sigmoid_fwd, -1000.0))).toBe(true);
    expect(isPosZero(one(sigmoid_fwd, -Infinity))).toBe(true);
    expect(one(sigmoid_fwd, 1000.0)).toBe(1.0);
    expect(one(sigmoid_fwd, Infinity)).toBe(1.0);
    expect(one(sigmoid_fwd, -0.0)).toBe(0.5);
    expect(one(sigmoid_fwd, 0.0)).toBe(0.5);
    expect(isNaN(one(sigmoid_fwd, NaN))).toBe(true);
    const edges: StaticArray<f32> = [88.7, 89.0, 104.0, -88.7, -89.0, -104.0, 3e38, -3e38];
    for (let i = 0; i < edges.length; i++) {
      const v = one(sigmoid_fwd, edges[i]);
      expect(isFinite(v)).toBe(true);
      expect(v >= 0 && v <= 1).toBe(true);
      expect(Math.abs(<f64>v - refSigmoid(<f64>edges[i])) <= FLT_MIN).toBe(true);
    }
  });
  // On |x| <= 1.09 (sigma in [0.25, 0.75]) 1 - sigma(x) is exact in f32; further out
  // the f32 subtraction itself would dominate the comparison.
  it("sigma(-x) = 1 - sigma(x) within 2 ULP on |x| <= 1.09", () => {
    seed(22);
    for (let i = 0; i < 4000; i++) {
      const x = uniform(-1.09, 1.09);
      expect(ulp(sig1(-x), 1.0 - sig1(x))).toBeLessThanOrEqual(2);
    }
  });
  it("sigmoid_bwd = dy*y*(1-y) from the saved output (atol 16u|dy| + rtol 16u)", () => {
    seed(23);
    checkBwd(sigmoid_bwd, (y: f64, dy: f64): f64 => dy * y * (1 - y), 0.0, 16 * U);
    const y = buf(2), dy = buf(2), dx = buf(2);
    set(y, 0, one(sigmoid_fwd, 1000.0)); set(y, 1, one(sigmoid_fwd, -1000.0));
    set(dy, 0, 1.0); set(dy, 1, 1.0);
    sigmoid_bwd(y, dy, dx, 2);
    expect(get(dx, 0)).toBe(0.0);
    expect(get(dx, 1)).toBe(0.0);
  });
});

describe("tanh", () => {
  it("is within 4 ULP of f64 on a strided sweep of all f32 where |y| >= FLT_MIN", () => {
    const w = sweep(true);
    trace("tanh max ULP:", 1, <f64>w);
    expect(w).toBeLessThanOrEqual(4);
  });
  it("kernel: tails, canaries, position invariance, in place", () => {
    seed(31);
    checkUnary(tanh_fwd, refTanh, -3.0, 3.0, 4);
    checkUnary(tanh_fwd, refTanh, -0.01, 0.01, 4);
  });
  it("is odd bit for bit", () => {
    for (let b: u32 = 0; b < 0x7F800000; b += 100003) {
      const x = reinterpret<f32>(b);
      expect(reinterpret<u32>(tanh1(-x))).toBe(reinterpret<u32>(tanh1(x)) ^ 0x80000000);
    }
  });
  it("exact at the edges", () => {
    expect(one(tanh_fwd, 1e-8)).toBe(1e-8);
    expect(one(tanh_fwd, -1e-8)).toBe(-1e-8);
    expect(isNegZero(one(tanh_fwd, -0.0))).toBe(true);
    expect(isPosZero(one(tanh_fwd, 0.0))).toBe(true);
    expect(one(tanh_fwd, reinterpret<f32>(1))).toBe(reinterpret<f32>(1));
    expect(one(tanh_fwd, 10.0)).toBe(1.0);
    expect(one(tanh_fwd, -10.0)).toBe(-1.0);
    expect(one(tanh_fwd, 50.0)).toBe(1.0);
    expect(one(tanh_fwd, -50.0)).toBe(-1.0);
    expect(one(tanh_fwd, Infinity)).toBe(1.0);
    expect(one(tanh_fwd, -Infinity)).toBe(-1.0);
    expect(one(tanh_fwd, 3e38)).toBe(1.0);
    expect(isNaN(one(tanh_fwd, NaN))).toBe(true);
  });
  it("tanh_bwd = dy*(1-y^2) from the saved output; tanh'(50) = 0", () => {
    seed(32);
    checkBwd(tanh_bwd, (y: f64, dy: f64): f64 => dy * (1 - y * y), -1.0, 16 * U);
    const y = buf(1), dy = buf(1), dx = buf(1);
    set(y, 0, one(tanh_fwd, 50.0)); set(dy, 0, 2.5);
    tanh_bwd(y, dy, dx, 1);
    expect(get(dx, 0)).toBe(0.0);
  });
});

function refPrelu(x: f32, a: f32): f32 { return x > 0 ? x : a * x; }

describe("prelu", () => {
  it("scalar alpha (channels = 1): every tail length, bit for bit, canaries, in place", () => {
    seed(41);
    const a = buf(1);
    set(a, 0, 0.25);
    for (let t = 0; t < TAILS.length; t++) {
      const n = TAILS[t];
      const x = buf(n), y = buf(n);
      fill(x, n);
      prelu_fwd(x, a, y, n, 1, 1);
      expect(canariesOk(y, n)).toBe(true);
      for (let i = 0; i < n; i++) expect(get(y, i)).toBe(refPrelu(get(x, i), 0.25));
      prelu_fwd(x, a, x, n, 1, 1);
      for (let i = 0; i < n; i++) expect(bits(x, i)).toBe(bits(y, i));
    }
  });
  it("per-channel alpha over [outer, C, inner], inner = 1 and inner > 1", () => {
    seed(42);
    const Cs: StaticArray<i32> = [2, 3, 4, 5, 7, 8, 9, 17];
    const inners: StaticArray<i32> = [1, 1, 3, 5];
    for (let ci = 0; ci < Cs.length; ci++) {
      for (let ii = 0; ii < inners.length; ii++) {
        const C = Cs[ci], inner = inners[ii], outer = 3 + ii;
        const n = outer * C * inner;
        const x = buf(n), a = buf(C), y = buf(n);
        fill(x, n);
        fillUniform(a, C, 0.0, 0.5);
        prelu_fwd(x, a, y, n, C, inner);
        expect(canariesOk(y, n)).toBe(true);
        for (let i = 0; i < n; i++) expect(get(y, i)).toBe(refPrelu(get(x, i), get(a, (i / inner) % C)));
      }
    }
  });
  it("edge values: prelu(-inf) = -inf, NaN stays NaN, -0 gives alpha*(-0) = -0", () => {
    const x = buf(4), a = buf(1), y = buf(4);
    set(a, 0, 0.1);
    set(x, 0, -Infinity); set(x, 1, NaN); set(x, 2, -0.0); set(x, 3, Infinity);
    prelu_fwd(x, a, y, 4, 1, 1);
    expect(get(y, 0)).toBe(-Infinity);
    expect(isNaN(get(y, 1))).toBe(true);
    expect(isNegZero(get(y, 2))).toBe(true);
    expect(get(y, 3)).toBe(Infinity);
  });
  it("prelu_bwd: dx bit for bit (alpha at x = 0), dalpha within gamma_n of the f64 sum", () => {
    seed(43);
    const Cs: StaticArray<i32> = [1, 1, 2, 3, 5, 8, 9];
    const inners: StaticArray<i32> = [1, 7, 1, 1, 4, 1, 6];
    const outers: StaticArray<i32> = [1025, 3, 13, 7, 3, 31, 2];
    for (let k = 0; k < Cs.length; k++) {
      const C = Cs[k], inner = inners[k], outer = outers[k];
      const n = outer * C * inner;
      const x = buf(n), a = buf(C), dy = buf(n), dx = buf(n), da = buf(C);
      fill(x, n);
      fill(dy, n);
      for (let i = 0; i < n; i += 5) set(x, i, 0.0); // the kink: derivative alpha
      fillUniform(a, C, 0.0, 0.5);
      prelu_bwd(x, a, dy, dx, da, n, C, inner);
      expect(canariesOk(dx, n)).toBe(true);
      expect(canariesOk(da, C)).toBe(true);
      for (let c = 0; c < C; c++) {
        let s: f64 = 0, sa: f64 = 0;
        let cnt = 0;
        for (let i = 0; i < n; i++) {
          if ((i / inner) % C != c) continue;
          const xv = get(x, i), g = get(dy, i);
          const ac = get(a, c);
          expect(get(dx, i)).toBe(xv > 0 ? g : ac * g);
          if (!(xv > 0)) { s += <f64>g * <f64>xv; sa += Math.abs(<f64>g * <f64>xv); }
          cnt++;
        }
        const gamma = <f64>cnt * U / (1 - <f64>cnt * U);
        expect(Math.abs(<f64>get(da, c) - s) <= gamma * sa + 1e-30).toBe(true);
      }
      prelu_bwd(x, a, dy, dy, da, n, C, inner); // in place dx === dy
      for (let i = 0; i < n; i++) expect(bits(dy, i)).toBe(bits(dx, i));
    }
  });
});
