// Seeded random tensors: the same bits for a seed, the right moments, bounds.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await sg.init();
});

describe('rand / randn', () => {
  it('give the same numbers for the same seed and different ones for another', () => {
    const a = sg.randn([1000], { seed: 7 }).data();
    const b = sg.randn([1000], { seed: 7 }).data();
    const c = sg.randn([1000], { seed: 8 }).data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(sg.rand([64], { seed: 1 }).data())).toEqual(Array.from(sg.rand([64], { seed: 1 }).data()));
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
