// The training-section examples (examples/initialization, weight-decay,
// dropout) run in the suite: initialization and weight decay at the book's
// size (they are small), dropout on a 3,000-image subset for 3 epochs (its
// full-size result is in the README). Each must show the book's effect.
import { describe, expect, it } from 'vitest';
import { run as dropout } from '../examples/dropout/index.js';
import { run as initialization } from '../examples/initialization/index.js';
import { run as weightDecay } from '../examples/weight-decay/index.js';

const isSvg = (s: string) => s.startsWith('<svg') && s.includes('</svg>');

describe('examples/initialization', () => {
  it("sigmoid's gradient vanishes away from 0; the product of 100 4×4 matrices explodes; Xavier keeps the scale", async () => {
    const r = await initialization();
    const at = (v: number) => r.grad[r.x.findIndex((x) => Math.abs(x - v) < 1e-6)]!;
    expect(at(0)).toBe(0.25);
    expect(at(-6)).toBeLessThan(3e-3);
    expect(at(7.9)).toBeLessThan(4e-4);
    r.x.forEach((x, i) => {
      const s = 1 / (1 + Math.exp(-x));
      expect(Math.abs(r.grad[i]! - s * (1 - s))).toBeLessThan(1e-6);
    });
    expect(r.productMax).toHaveLength(101);
    expect(r.productMax[100]).toBeGreaterThan(1e15);
    expect(r.stdNormal.at(-1)).toBeGreaterThan(1e20); // ≈ 16 per layer
    for (const s of r.stdXavier) expect(s).toBeGreaterThan(0.1);
    for (const s of r.stdXavier) expect(s).toBeLessThan(10);
    for (const svg of Object.values(r.figures)) expect(isSvg(svg)).toBe(true);
  });
});

describe('examples/weight-decay', () => {
  it('λ = 0 overfits (train loss → 0, test loss large); λ = 3 does not', async () => {
    const [free, decayed] = await weightDecay();
    expect(free!.lambda).toBe(0);
    expect(decayed!.lambda).toBe(3);
    expect(free!.epochs).toHaveLength(20);
    expect(free!.trainLoss.at(-1)).toBeLessThan(1e-6);
    expect(free!.testLoss.at(-1)).toBeGreaterThan(10);
    expect(decayed!.testLoss.at(-1)).toBeLessThan(1);
    expect(decayed!.testLoss.at(-1)! * 100).toBeLessThan(free!.testLoss.at(-1)!);
    expect(decayed!.weightNorm).toBeLessThan(free!.weightNorm / 10);
    expect(isSvg(free!.svg) && isSvg(decayed!.svg)).toBe(true);
  });
});

describe('examples/dropout (reduced: 3,000 images, 3 epochs of batch 64)', () => {
  it('trains the book’s dropout MLP and draws its curves', async () => {
    const r = await dropout({ limit: 3000, epochs: 3, batch: 64 });
    expect(r.epochs).toEqual([1, 2, 3]);
    expect(r.trainLoss[2]).toBeLessThan(r.trainLoss[0]!);
    expect(r.testAcc[2]).toBeGreaterThan(0.6);
    expect(isSvg(r.svg)).toBe(true);
    expect(r.svg).toContain('test acc');
  });
});
