// gelu, both forms (assembly/activations.ts Act.GELU / Act.GELU_TANH): the
// whole-f32-line ULP sweep against f64 references computed by other algorithms
// (alternating Taylor series and a deep continued fraction with the std exp for
// erfc; 1 + tanh for the tanh form), the kernel contract (tails, canaries,
// position invariance, in place), the edges, the backward against f′ in f64,
// and the fused Linear epilogue (bits of gemm_nt + add_fwd + act_fwd).
import { Act, act_bwd, act_fwd } from "../activations";
import { add_fwd } from "../elementwise";
import { gemm_nt, gemm_ws_bytes } from "../gemm";
import { linear_bwd, linear_fwd } from "../linear";
import { bits, checkUnary, fillUniform, isNegZero, isPosZero, one, TAILS } from "./check";
import { alloc, buf, canariesOk, fill, get, seed, set, ulp } from "./ulp";

const FLT_MIN: f64 = 1.1754943508222875e-38;
const U: f64 = 5.960464477539063e-8; // 2^-24

/** erfc(z), z ≥ 0, by another route than the kernel: alternating Taylor below 2, a 200-deep continued fraction above (std exp). */
function refErfc(z: f64): f64 {
  if (z < 2.0) {
    let term = z, s = z;
    for (let n = 1; n < 80; n++) {
      term *= -z * z / <f64>n;
      const add = term / <f64>(2 * n + 1);
      s += add;
      if (Math.abs(add) < 1e-18 * Math.abs(s)) break;
    }
    return 1.0 - 1.1283791670955126 * s;
  }
  let f = z;
  for (let k = 200; k >= 1; k--) f = z + (<f64>k * 0.5) / f;
  return Math.exp(-z * z) * 0.5641895835477563 / f;
}
function refGelu(x: f64): f64 {
  const r = 0.7071067811865476;
  return x >= 0 ? x * (1.0 - 0.5 * refErfc(x * r)) : x * 0.5 * refErfc(-x * r);
}
function refGeluTanh(x: f64): f64 {
  const u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
  if (u >= -5.0) return 0.5 * x * (1.0 + Math.tanh(u));
  const e = Math.exp(2.0 * u);
  return x * e / (1.0 + e);
}
function refGeluGrad(x: f64): f64 {
  const phi = x >= 0 ? 1.0 - 0.5 * refErfc(x * 0.7071067811865476) : 0.5 * refErfc(-x * 0.7071067811865476);
  return phi + x * 0.3989422804014327 * Math.exp(-0.5 * x * x);
}
function refGeluTanhGrad(x: f64): f64 {
  const u = 0.7978845608028654 * (x + 0.044715 * x * x * x);
  const t = Math.tanh(u);
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * 0.7978845608028654 * (1.0 + 3.0 * 0.044715 * x * x);
}

function geluK(x: usize, y: usize, n: i32): void { act_fwd(x, y, n, Act.GELU); }
function geluTanhK(x: usize, y: usize, n: i32): void { act_fwd(x, y, n, Act.GELU_TANH); }

/** Max ULP over every 1009th f32 bit pattern with |ref| >= FLT_MIN (never NaN for finite input). */
function sweep(tanhForm: bool): i64 {
  const x = buf(4), y = buf(4);
  let worst: i64 = 0;
  for (let b: u64 = 0; b < 0x100000000; b += 1009) {
    const v = reinterpret<f32>(<u32>b);
    if (!isFinite(v)) continue;
    set(x, 0, v);
    act_fwd(x, y, 1, tanhForm ? Act.GELU_TANH : Act.GELU);
    const got = get(y, 0);
    if (isNaN(got)) return i64.MAX_VALUE;
    const r = tanhForm ? refGeluTanh(<f64>v) : refGelu(<f64>v);
    if (Math.abs(r) < FLT_MIN) continue;
    const d = ulp(got, <f32>r);
    if (d > worst) worst = d;
  }
  return worst;
}

describe("gelu (approximate 'none': x·Φ(x))", () => {
  it("is within 8 ULP of f64 on a strided sweep of all f32 where |y| >= FLT_MIN", () => {
    const w = sweep(false);
    trace("gelu max ULP:", 1, <f64>w);
    expect(w).toBeLessThanOrEqual(8);
  });
  it("kernel: tails, canaries, position invariance, in place", () => {
    seed(61);
    checkUnary(geluK, refGelu, -6.0, 6.0, 8);
    checkUnary(geluK, refGelu, -14.0, 14.0, 8);
  });
});

describe("gelu (approximate 'tanh')", () => {
  it("is within 4 ULP of f64 on a strided sweep of all f32 where |y| >= FLT_MIN", () => {
    const w = sweep(true);
    trace("gelu tanh max ULP:", 1, <f64>w);
    expect(w).toBeLessThanOrEqual(4);
  });
  it("kernel: tails, canaries, position invariance, in place", () => {
    seed(62);
    checkUnary(geluTanhK, refGeluTanh, -6.0, 6.0, 4);
    checkUnary(geluTanhK, refGeluTanh, -25.0, 25.0, 4);
  });
});

describe("gelu edges, both forms", () => {
  it("signed zeros, NaN, infinities and the far negative side", () => {
    for (let f = 0; f < 2; f++) {
      const k = f == 0 ? geluK : geluTanhK;
      expect(isPosZero(one(k, 0.0))).toBe(true);
      expect(isNegZero(one(k, -0.0))).toBe(true);
      expect(isNaN(one(k, NaN))).toBe(true);
      expect(one(k, Infinity)).toBe(Infinity);
      expect(isNegZero(one(k, -Infinity))).toBe(true);
      expect(isNegZero(one(k, -1e30))).toBe(true);
      expect(isNegZero(one(k, -40.5))).toBe(true);
      expect(one(k, 1e30)).toBe(1e30);
      expect(one(k, 3e38)).toBe(3e38);
    }
  });
});

/** act_bwd from the saved input against dy·f′(x) in f64 (relative 8u plus 8u·|dy| absolute), on every tail, in place. */
function checkBwd(op: i32, lo: f64, hi: f64): void {
  for (let t = 0; t < TAILS.length; t++) {
    const n = TAILS[t];
    const x = buf(n), dy = buf(n), dx = buf(n);
    fillUniform(x, n, lo, hi);
    fill(dy, n);
    act_bwd(x, 0, dy, dx, n, op);
    expect(canariesOk(dx, n)).toBe(true);
    for (let i = 0; i < n; i++) {
      const g = <f64>get(dy, i);
      const r = g * (op == Act.GELU ? refGeluGrad(<f64>get(x, i)) : refGeluTanhGrad(<f64>get(x, i)));
      expect(Math.abs(<f64>get(dx, i) - r) <= 8 * U * (Math.abs(r) + Math.abs(g))).toBe(true);
    }
    act_bwd(x, 0, dy, dy, n, op); // dx === dy
    for (let i = 0; i < n; i++) expect(bits(dy, i)).toBe(bits(dx, i));
  }
}

describe("gelu backward (from the saved input)", () => {
  it("matches dy·Φ(x) + dy·x·φ(x) and the tanh form's derivative", () => {
    seed(63);
    checkBwd(Act.GELU, -8.0, 8.0);
    checkBwd(Act.GELU_TANH, -8.0, 8.0);
  });
});

describe("gelu fused in linear_fwd / linear_bwd", () => {
  it("gives the bits of gemm_nt + add_fwd + act_fwd, saves Z, and dZ is act_bwd's", () => {
    seed(64);
    const M = 7, N = 13, K = 19;
    const X = alloc(M * K), W = alloc(N * K), B = alloc(N), Y = alloc(M * N), Z = alloc(M * N);
    const R = alloc(M * N), R2 = alloc(M * N), DY = alloc(M * N), DZ = alloc(M * N), DZ2 = alloc(M * N);
    const DX = alloc(M * K), DW = alloc(N * K), DB = alloc(N);
    const WS = alloc(gemm_ws_bytes() / 4);
    for (let f = 0; f < 2; f++) {
      const op = f == 0 ? Act.GELU : Act.GELU_TANH;
      fillUniform(X, M * K, -1.0, 1.0);
      fillUniform(W, N * K, -1.0, 1.0);
      fillUniform(B, N, -1.0, 1.0);
      fill(DY, M * N);
      linear_fwd(X, W, B, 0, Z, Y, M, N, K, op, 1, WS);
      gemm_nt(X, W, R2, M, N, K, 0, WS);
      add_fwd(R2, B, R2, 1, 1, M, N, 0, 0, N, 1, 0, 0, 0, 1);
      act_fwd(R2, R, M * N, op);
      let bad = 0;
      for (let i = 0; i < M * N; i++) {
        if (bits(Y, i) != bits(R, i)) bad++;
        if (bits(Z, i) != bits(R2, i)) bad++;
      }
      linear_bwd(X, W, 0, Z, 0, DY, DZ, DX, DW, DB, 0, M, N, K, op, 1, 0, WS);
      act_bwd(Z, 0, DY, DZ2, M * N, op);
      for (let i = 0; i < M * N; i++) if (bits(DZ, i) != bits(DZ2, i)) bad++;
      expect(bad).toBe(0);
    }
  });
});
