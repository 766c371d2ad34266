// Seeded random tensors: the same bits for a seed, the right moments, bounds.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await sg.init();
});

// An independent reference of the documented generator (assembly/rng.ts): the
// i-th splitmix64 output in BigInt, then the uniform (exact) or Box–Muller in
// float64 with JavaScript's Math, rounded once to float32.
const M64 = (1n << 64n) - 1n;
function mix(seed: bigint, i: bigint): bigint {
  let z = (seed + (i + 1n) * 0x9e3779b97f4a7c15n) & M64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}
function randRef(n: number, seed: number, low: number, high: number): Float32Array {
  const out = new Float32Array(n);
  const span = Math.fround(high - low);
  for (let i = 0; i < n; i++) {
    const u = Math.fround(Number(mix(BigInt(seed), BigInt(i)) >> 40n) * 2 ** -24);
    out[i] = Math.fround(low + Math.fround(span * u));
  }
  return out;
}
function randnRef(n: number, seed: number, mean = 0, std = 1): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = Number((mix(BigInt(seed), BigInt(i)) >> 11n) + 1n) * 2 ** -53;
    const u2 = Number(mix(BigInt(seed), BigInt(i + 1)) >> 11n) * 2 ** -53;
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = mean + std * r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

describe('rand / randn', () => {
  it('give the same numbers for the same seed and different ones for another', () => {
    const a = sg.randn([1000], { seed: 7 }).data();
    const b = sg.randn([1000], { seed: 7 }).data();
    const c = sg.randn([1000], { seed: 8 }).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(sg.rand([64], { seed: 1 }).data())).toEqual(Array.from(sg.rand([64], { seed: 1 }).data()));
  });

  it('rand matches the reference generator exactly; randn within one float32 rounding', () => {
    for (const seed of [0, 1, 7, 2 ** 31 + 5]) {
      expect(Array.from(sg.rand([33], { seed, low: -2, high: 3 }).data())).toEqual(
        Array.from(randRef(33, seed, -2, 3)),
      );
      const got = sg.randn([33], { seed, mean: 0.5, std: 2 }).data();
      const ref = randnRef(33, seed, 0.5, 2);
      for (let i = 0; i < ref.length; i++) {
        // log/sin/cos may differ from fdlibm's by an f64 ulp: at most one f32 step apart after rounding
        expect(Math.abs(got[i] - ref[i]), `randn seed ${seed} [${i}]: ${got[i]} vs ${ref[i]}`).toBeLessThanOrEqual(
          Math.abs(ref[i]) * 2 ** -23 + 1e-30,
        );
      }
    }
  });

  it('value i depends only on the seed and i (a prefix of a longer draw)', () => {
    const short = sg.rand([10], { seed: 3 }).data();
    const long = sg.rand([1000], { seed: 3 }).data();
    expect(Array.from(short)).toEqual(Array.from(long.subarray(0, 10)));
  });

  it('uniform in [low, high) and Gaussian with the asked moments', () => {
    const u = sg.rand([20000], { seed: 11, low: -2, high: 3 }).data();
    let mn = Number.POSITIVE_INFINITY;
    let mx = Number.NEGATIVE_INFINITY;
    let s = 0;
    for (const v of u) {
      mn = Math.min(mn, v);
      mx = Math.max(mx, v);
      s += v;
    }
    expect(mn).toBeGreaterThanOrEqual(-2);
    expect(mx).toBeLessThan(3);
    expect(s / u.length).toBeCloseTo(0.5, 1);
    const g = sg.randn([20000], { seed: 12, mean: 1, std: 2 }).data();
    let m = 0;
    for (const v of g) m += v;
    m /= g.length;
    let v2 = 0;
    for (const v of g) v2 += (v - m) ** 2;
    expect(m).toBeCloseTo(1, 1);
    expect(Math.sqrt(v2 / g.length)).toBeCloseTo(2, 1);
    for (const v of g) expect(Number.isFinite(v)).toBe(true);
  });

  it('unseeded draws come from a deterministic counter that seed() resets', () => {
    sg.seed(42);
    const a = sg.rand([5]).data();
    const b = sg.rand([5]).data();
    sg.seed(42);
    expect(Array.from(sg.rand([5]).data())).toEqual(Array.from(a));
    expect(Array.from(b)).not.toEqual(Array.from(a));
  });

  it('validates before allocating', () => {
    const m0 = sg.memory();
    expect(() => sg.randn([2, -1])).toThrow(/randn: .*negative/);
    expect(() => sg.rand([2], { seed: 1.5 })).toThrow(/rand: seed must be an integer/);
    expect(() => sg.rand([2], { low: 'a' as unknown as number })).toThrow(/rand: low must be a number/);
    expect(sg.memory()).toEqual(m0);
    expect(sg.randn([0]).size).toBe(0);
  });
});
