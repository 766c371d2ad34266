import { dropout_bwd, dropout_fwd, rand_fill, randn_fill } from "../rng";
import { bits, TAILS } from "./check";
import { buf, canariesOk, fill, get, seed } from "./ulp";

/** Reference splitmix64, sequential form (Vigna's splitmix64.c). */
let sm: u64 = 0;
function next(): u64 {
  sm += 0x9E3779B97F4A7C15;
  let z = sm;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
  return z ^ (z >> 31);
}

describe("rand_fill", () => {
  it("element i is the i-th splitmix64 output's top 24 bits (known answer for seed 0)", () => {
    sm = 0;
    expect(next()).toBe(0xE220A8397B1DCDAF); // published first output of splitmix64(0)
    const n = 1025;
    const o = buf(n);
    rand_fill(o, n, 0x89abcdef, 0x01234567, 0, 1);
    sm = 0x0123456789abcdef;
    let bad = 0;
    for (let i = 0; i < n; i++) if (get(o, i) != <f32>(<f64>(next() >> 40) / 16777216.0)) bad++;
    expect(bad).toBe(0);
  });

  it("depends only on seed and index: every prefix length gives the same bits; canaries", () => {
    const big = buf(1025);
    rand_fill(big, 1025, 42, 7, -2, 3);
    let bad = 0;
    for (let t = 0; t < TAILS.length; t++) {
      const n = TAILS[t];
      const o = buf(n);
      rand_fill(o, n, 42, 7, -2, 3);
      for (let i = 0; i < n; i++) if (bits(o, i) != bits(big, i)) bad++;
      if (!canariesOk(o, n)) bad++;
    }
    expect(bad).toBe(0);
    const other = buf(16);
    rand_fill(other, 16, 43, 7, -2, 3);
    let same = 0;
    for (let i = 0; i < 16; i++) if (bits(other, i) == bits(big, i)) same++;
    expect(same).toBeLessThan(2);
  });

  it("lies in [low, high] with the moments of a uniform", () => {
    const n = 65536;
    const o = buf(n);
    rand_fill(o, n, 1, 0, -1, 3);
    let s: f64 = 0, s2: f64 = 0, bad = 0;
    for (let i = 0; i < n; i++) {
      const v = <f64>get(o, i);
      if (!(v >= -1 && v <= 3)) bad++;
      s += v; s2 += v * v;
    }
    const mean = s / n, variance = s2 / n - mean * mean;
    expect(bad).toBe(0);
    expect(Math.abs(mean - 1) < 0.03).toBe(true); // 5 sigma = 5 * 1.155 / 256
    expect(Math.abs(variance - 16.0 / 12.0) < 0.05).toBe(true);
  });
});

describe("randn_fill", () => {
  it("depends only on seed and index (odd lengths included); finite; canaries", () => {
    const big = buf(1025);
    randn_fill(big, 1025, 9, 0, 0, 1);
    let bad = 0;
    for (let t = 0; t < TAILS.length; t++) {
      const n = TAILS[t];
      const o = buf(n);
      randn_fill(o, n, 9, 0, 0, 1);
      for (let i = 0; i < n; i++) if (bits(o, i) != bits(big, i) || !isFinite(get(o, i))) bad++;
      if (!canariesOk(o, n)) bad++;
    }
    expect(bad).toBe(0);
  });

  it("has mean, variance and tail mass of N(mean, std^2)", () => {
    const n = 65536;
    const o = buf(n);
    randn_fill(o, n, 123, 456, 2, 3);
    let s: f64 = 0, s2: f64 = 0, s4: f64 = 0, out2 = 0;
    for (let i = 0; i < n; i++) {
      const z = (<f64>get(o, i) - 2) / 3;
      s += z; s2 += z * z; s4 += z * z * z * z;
      if (Math.abs(z) > 2) out2++;
    }
    const mean = s / n, variance = s2 / n - mean * mean;
    expect(Math.abs(mean) < 0.02).toBe(true); // 5 sigma
    expect(Math.abs(variance - 1) < 0.03).toBe(true);
    expect(Math.abs(s4 / n - 3) < 0.15).toBe(true); // kurtosis of a Gaussian
    expect(Math.abs(<f64>out2 / n - 0.0455) < 0.005).toBe(true);
  });
});

describe("dropout_fwd / dropout_bwd", () => {
  it("element j is dropped iff the low (even j) / high (odd j) half of splitmix64 output j/2 is below p·2³²; survivors x·scale", () => {
    const n = 1031;
    const x = buf(n), y = buf(n);
    seed(3);
    fill(x, n);
    const scale: f32 = <f32>1 / <f32>(1 - 0.3);
    dropout_fwd(x, y, n, 0, 0x89abcdef, 0x01234567, 0.3, scale);
    sm = 0x0123456789abcdef;
    const threshold = <u64>(0.3 * 4294967296.0);
    let bad = 0;
    let h: u64 = 0;
    for (let i = 0; i < n; i++) {
      if ((i & 1) == 0) h = next();
      const u = (i & 1) != 0 ? h >> 32 : h & 0xFFFFFFFF;
      const keep = u >= threshold;
      const want: f32 = get(x, i) * (keep ? scale : <f32>0);
      if (reinterpret<u32>(want) != bits(y, i)) bad++;
    }
    expect(bad).toBe(0);
    expect(canariesOk(y, n)).toBe(true);
  });

  it("any split into chunks (first = the chunk's offset) gives the whole call's bits; bwd applies the same mask", () => {
    const n = 1025;
    const x = buf(n), whole = buf(n), back = buf(n);
    seed(4);
    fill(x, n);
    dropout_fwd(x, whole, n, 0, 77, 1, 0.5, 2);
    dropout_bwd(x, back, n, 0, 77, 1, 0.5, 2);
    let bad = 0;
    for (let i = 0; i < n; i++) if (bits(back, i) != bits(whole, i)) bad++;
    for (let t = 0; t < TAILS.length; t++) {
      const chunk = TAILS[t];
      if (chunk == 0) continue;
      const y = buf(n);
      for (let s = 0; s < n; s += chunk) {
        const len = min(chunk, n - s);
        dropout_fwd(x + (<usize>s << 2), y + (<usize>s << 2), len, s, 77, 1, 0.5, 2);
      }
      for (let i = 0; i < n; i++) if (bits(y, i) != bits(whole, i)) bad++;
      if (!canariesOk(y, n)) bad++;
    }
    expect(bad).toBe(0);
  });

  it("p = 0 keeps every element (x·1), p = 1 drops every one (x·0: −x gives −0, NaN stays NaN)", () => {
    const n = 7;
    const x = buf(n), y = buf(n);
    seed(5);
    fill(x, n);
    store<f32>(x, -1.5);
    store<f32>(x + 4, NaN);
    dropout_fwd(x, y, n, 0, 1, 2, 0, 1);
    let bad = 0;
    for (let i = 0; i < n; i++) if (bits(y, i) != bits(x, i)) bad++;
    dropout_fwd(x, y, n, 0, 1, 2, 1, Infinity);
    if (bits(y, 0) != 0x80000000) bad++;
    if (!isNaN(get(y, 1))) bad++;
    for (let i = 2; i < n; i++) if (get(y, i) != 0) bad++;
    expect(bad).toBe(0);
  });
});
