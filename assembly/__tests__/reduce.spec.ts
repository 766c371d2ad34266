import { argmax_fwd, argmin_fwd, max_fwd, min_fwd, sum_fwd, sum_to } from "../reduce";
import { isNegZero, isPosZero, TAILS } from "./check";
import { buf, canariesOk, fill, get, seed, set } from "./ulp";

const U: f64 = 5.960464477539063e-8;
const INNERS: StaticArray<i32> = [1, 2, 3, 4, 5, 7, 9];

/** The documented order, emulated in scalar f32. */
function refSum(x: usize, o: i32, L: i32, inner: i32, i: i32): f32 {
  if (inner > 1) {
    let s: f32 = 0;
    for (let k = 0; k < L; k++) s += get(x, (o * L + k) * inner + i);
    return s;
  }
  const p = new StaticArray<f32>(16);
  let k = 0;
  for (; k + 16 <= L; k += 16) for (let j = 0; j < 16; j++) p[j] += get(x, o * L + k + j);
  for (; k + 4 <= L; k += 4) for (let j = 0; j < 4; j++) p[j] += get(x, o * L + k + j);
  if (k < L) for (let j = 0; j < 4; j++) p[j] += k + j < L ? get(x, o * L + k + j) : 0;
  const l = new StaticArray<f32>(4);
  for (let j = 0; j < 4; j++) l[j] = (p[j] + p[4 + j]) + (p[8 + j] + p[12 + j]);
  return (l[0] + l[1]) + (l[2] + l[3]);
}

function refArg(x: usize, o: i32, L: i32, inner: i32, i: i32, isMax: bool): f32 {
  if (L == 0) return -1;
  let b = get(x, o * L * inner + i), bi = 0;
  for (let k = 1; k < L; k++) {
    const v = get(x, (o * L + k) * inner + i);
    if (isNaN(b)) break;
    if (isNaN(v) || (isMax ? v > b : v < b)) { b = v; bi = k; }
  }
  return <f32>bi;
}

describe("sum/max/min/argmax/argmin over [outer, axis, inner]", () => {
  it("sum follows the documented order bit for bit and is within gamma_n of f64", () => {
    seed(1);
    for (let t = 0; t < TAILS.length; t++) for (let q = 0; q < INNERS.length; q++) {
      const L = TAILS[t], inner = INNERS[q], outer = 2;
      if (L > 100 && inner > 3) continue;
      const x = buf(outer * L * inner), y = buf(outer * inner);
      fill(x, outer * L * inner);
      sum_fwd(x, y, outer, L, inner);
      expect(canariesOk(y, outer * inner)).toBe(true);
      let bad = 0;
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
        const got = get(y, o * inner + i);
        if (reinterpret<u32>(got) != reinterpret<u32>(refSum(x, o, L, inner, i))) bad++;
        let s: f64 = 0, sa: f64 = 0;
        for (let k = 0; k < L; k++) { const v = <f64>get(x, (o * L + k) * inner + i); s += v; sa += Math.abs(v); }
        if (Math.abs(<f64>got - s) > <f64>L * U / (1 - <f64>L * U) * sa) bad++;
      }
      expect(bad).toBe(0);
    }
  });

  it("max/min/argmax/argmin match the scalar reference (first index on ties) on every shape", () => {
    seed(2);
    for (let t = 0; t < TAILS.length; t++) for (let q = 0; q < INNERS.length; q++) {
      const L = TAILS[t], inner = INNERS[q], outer = 2;
      if (L > 100 && inner > 3) continue;
      const N = outer * L * inner;
      const x = buf(N), y = buf(outer * inner), a = buf(outer * inner), b = buf(outer * inner), c = buf(outer * inner);
      fill(x, N);
      for (let i = 0; i < N; i += 3) set(x, i, <f32>Math.round(<f64>get(x, i) * 4)); // ties
      max_fwd(x, y, outer, L, inner);
      min_fwd(x, c, outer, L, inner);
      argmax_fwd(x, a, outer, L, inner);
      argmin_fwd(x, b, outer, L, inner);
      let bad = 0;
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
        const j = o * inner + i;
        const im = refArg(x, o, L, inner, i, true), in_ = refArg(x, o, L, inner, i, false);
        if (get(a, j) != im || get(b, j) != in_) bad++;
        const mx: f32 = L == 0 ? -Infinity : get(x, (o * L + <i32>im) * inner + i);
        const mn: f32 = L == 0 ? Infinity : get(x, (o * L + <i32>in_) * inner + i);
        if (get(y, j) != mx || get(c, j) != mn) bad++;
      }
      expect(bad).toBe(0);
      expect(canariesOk(y, outer * inner) && canariesOk(a, outer * inner)).toBe(true);
      expect(canariesOk(b, outer * inner) && canariesOk(c, outer * inner)).toBe(true);
    }
  });

  it("NaN: max/min give NaN, argmax/argmin give the first NaN; -0/+0 ties keep the first index", () => {
    const Ls: StaticArray<i32> = [5, 23];
    for (let s = 0; s < 2; s++) for (let inner = 1; inner <= 2; inner++) {
      const L = Ls[s];
      const x = buf(L * inner), y = buf(inner), a = buf(inner);
      for (let i = 0; i < L * inner; i++) set(x, i, <f32>(i % 7));
      set(x, 3 * inner, NaN); set(x, (L - 1) * inner, NaN);
      max_fwd(x, y, 1, L, inner); expect(isNaN(get(y, 0))).toBe(true);
      min_fwd(x, y, 1, L, inner); expect(isNaN(get(y, 0))).toBe(true);
      argmax_fwd(x, a, 1, L, inner); expect(get(a, 0)).toBe(3);
      argmin_fwd(x, a, 1, L, inner); expect(get(a, 0)).toBe(3);
    }
    const z = buf(6), r = buf(1);
    set(z, 0, -1); set(z, 1, -0.0); set(z, 2, 0.0); set(z, 3, -0.0); set(z, 4, -2); set(z, 5, -0.0);
    argmax_fwd(z, r, 1, 6, 1); expect(get(r, 0)).toBe(1);
    max_fwd(z, r, 1, 6, 1); expect(isPosZero(get(r, 0))).toBe(true);
    min_fwd(z, r, 1, 4, 1); expect(get(r, 0)).toBe(-1);
    set(z, 0, 0.0);
    min_fwd(z, r, 1, 4, 1); expect(isNegZero(get(r, 0))).toBe(true);
  });

  it("empty axis: sum 0, max -inf, min +inf, arg -1", () => {
    const x = buf(0), y = buf(3);
    sum_fwd(x, y, 1, 0, 3); expect(get(y, 2)).toBe(0);
    sum_fwd(x, y, 3, 0, 1); expect(get(y, 2)).toBe(0);
    max_fwd(x, y, 3, 0, 1); expect(get(y, 1)).toBe(-Infinity);
    min_fwd(x, y, 1, 0, 3); expect(get(y, 1)).toBe(Infinity);
    argmax_fwd(x, y, 3, 0, 1); expect(get(y, 2)).toBe(-1);
    expect(canariesOk(y, 3)).toBe(true);
  });
});

function checkSumTo(d0: i32, d1: i32, d2: i32, n: i32, s0: i32, s1: i32, s2: i32, s3: i32, m: i32): void {
  const N = d0 * d1 * d2 * n;
  const g = buf(N), y = buf(m);
  fill(g, N);
  fill(y, m); // must be overwritten
  sum_to(g, y, d0, d1, d2, n, s0, s1, s2, s3, m);
  expect(canariesOk(y, m)).toBe(true);
  const ref = new StaticArray<f64>(m), abs = new StaticArray<f64>(m), cnt = new StaticArray<i32>(m);
  let p = 0;
  for (let i0 = 0; i0 < d0; i0++) for (let i1 = 0; i1 < d1; i1++) for (let i2 = 0; i2 < d2; i2++)
    for (let j = 0; j < n; j++) {
      const k = i0 * s0 + i1 * s1 + i2 * s2 + j * s3;
      ref[k] += <f64>get(g, p); abs[k] += Math.abs(<f64>get(g, p)); cnt[k]++; p++;
    }
  let bad = 0;
  for (let k = 0; k < m; k++) {
    const gam = <f64>cnt[k] * U / (1 - <f64>cnt[k] * U);
    if (Math.abs(<f64>get(y, k) - ref[k]) > gam * abs[k]) bad++;
  }
  expect(bad).toBe(0);
}

describe("sum_to (adjoint of add_fwd's broadcast read)", () => {
  it("reduces onto row, column, middle-axis, scalar and identity operands", () => {
    seed(3);
    for (let t = 0; t < 23; t++) {
      const n = TAILS[t] > 40 ? 37 : TAILS[t];
      checkSumTo(1, 1, 5, n, 0, 0, 0, 1, n); // [5,n] -> [n]
      checkSumTo(1, 1, 5, n, 0, 0, 1, 0, 5); // [5,n] -> [5,1]
      checkSumTo(2, 3, 5, n, 0, n, 0, 1, 3 * n); // [2,3,5,n] -> [3,1,n]
      checkSumTo(1, 4, 3, n, 0, 0, 0, 0, 1); // -> scalar
      checkSumTo(1, 1, 3, n, 0, 0, n, 1, 3 * n); // identity
    }
  });
});
