// examples/mlp-chapter.ts runs in the suite and its numbers are the chapter's.
import { describe, expect, it } from 'vitest';
import { main, weights } from '../examples/mlp-chapter.js';
import { assertClose } from './util/close.js';

/** (X·W₁ᵀ + b₁)·W₂ᵀ + b₂ in float64 from the example's float32 weights. */
function twoLayersRef(n: number, d: number, h: number, o: number): Float64Array {
  const [X, W1, b1, W2, b2] = [weights(n * d, 1), weights(h * d, 2), weights(h, 3), weights(o * h, 4), weights(o, 5)];
  const out = new Float64Array(n * o);
  for (let i = 0; i < n; i++) {
    const hid = new Float64Array(h);
    for (let j = 0; j < h; j++) {
      let s = b1[j];
      for (let k = 0; k < d; k++) s += X[i * d + k] * W1[j * d + k];
      hid[j] = s;
    }
    for (let j = 0; j < o; j++) {
      let s = b2[j];
      for (let k = 0; k < h; k++) s += hid[k] * W2[j * h + k];
      out[i * o + j] = s;
    }
  }
  return out;
}

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
    // the curves themselves against float64 (the identity below is engine against engine)
    r.x.forEach((v, i) => {
      expect(Math.abs(r.sigmoid.y[i] - 1 / (1 + Math.exp(-v)))).toBeLessThan(1e-6);
      expect(Math.abs(r.tanh.y[i] - Math.tanh(v))).toBeLessThan(1e-6);
      expect(r.relu.y[i]).toBe(Math.max(0, v));
    });
    expect(r.identityMaxError).toBeLessThan(1e-6);
    assertClose(r.twoLayers, twoLayersRef(5, 4, 8, 3), { rtol: 1e-5, atol: 1e-6 }, 'two linear layers vs float64');
    expect(r.collapsedShapes).toEqual({ W: [3, 4], b: [3] });
    expect(r.collapseMaxError).toBeLessThan(1e-6);
  });
});
