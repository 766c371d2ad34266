// examples/mlp-chapter.ts runs in the suite and its numbers are the chapter's.
import { describe, expect, it } from 'vitest';
import { main } from '../examples/mlp-chapter.js';

describe('examples/mlp-chapter', () => {
  it('walks the chapter: derivatives, peaks, the tanh/sigmoid identity, the linear collapse', async () => {
    const r = await main();
    expect(r.x.length).toBe(160);
    const i0 = r.x.indexOf(0);
    expect(i0).toBe(80);
    // relu′ is 1 for x > 0 and 0 for x ≤ 0, including exactly 0
    expect(r.relu.grad).toEqual(r.x.map((v) => (v > 0 ? 1 : 0)));
    expect(r.reluGradAtZero).toBe(0);
    expect(r.relu.grad[i0]).toBe(0);
    // σ′ = σ(1 − σ) peaks at exactly 0.25 at x = 0; tanh′ = 1 − tanh² at exactly 1
    expect(r.sigmoidPeak).toEqual({ value: 0.25, at: 0 });
    expect(r.tanhPeak).toEqual({ value: 1, at: 0 });
    r.x.forEach((v, i) => {
      const s = 1 / (1 + Math.exp(-v));
      expect(Math.abs(r.sigmoid.grad[i] - s * (1 - s))).toBeLessThan(1e-6);
      expect(Math.abs(r.tanh.grad[i] - (1 - Math.tanh(v) ** 2))).toBeLessThan(1e-6);
    });
    expect(r.identityMaxError).toBeLessThan(1e-6);
    expect(r.collapsedShapes).toEqual({ W: [3, 4], b: [3] });
    expect(r.collapseMaxError).toBeLessThan(1e-6);
  });
});
