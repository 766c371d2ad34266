// Property tests (fast-check, fixed seed, ~100 runs): softmax shift invariance
// and row sums, tanh/sigmoid identities, matmul on random shapes within the γ_K
// bound, relu(x) − relu(−x) = x exactly.
import { fc, it } from '@fast-check/vitest';
import * as sg from 'simdgrad';
import { beforeAll, describe, expect } from 'vitest';
import { matmulAbs, matmulRef } from './reference/f64.js';
import { ulpDistance, uniform } from './util/close.js';

beforeAll(async () => {
  await sg.init();
});

const params = { seed: 20261128, numRuns: 100 };
const f32 = (lo: number, hi: number) =>
  fc.float({ min: Math.fround(lo), max: Math.fround(hi), noNaN: true, noDefaultInfinity: true });
const vec = (lo: number, hi: number, n = 40) => fc.array(f32(lo, hi), { minLength: 1, maxLength: n });

describe('properties', () => {
  it.prop([vec(-50, 50, 33), f32(-1e4, 1e4)], params)(
    'softmax(x + c) ≈ softmax(x); rows sum to 1; in [0, 1]',
    (x, c) => {
      sg.tidy(() => {
        const t = sg.tensor(x);
        const a = sg.softmax(t).data();
        const b = sg.softmax(sg.add(t, c)).data();
        const n = x.length;
        let s = 0;
        for (let i = 0; i < n; i++) {
          expect(a[i]).toBeGreaterThanOrEqual(0);
          expect(a[i]).toBeLessThanOrEqual(1);
          // x + c rounds each entry: |Δx| ≤ ulp(|c| + 50), which moves softmax by that much relatively
          const shift = 2 ** -23 * (Math.abs(c) + 50) * 2;
          expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(a[i] * (shift + (n + 6) * 2 ** -22) + 1e-7);
          s += a[i];
        }
        expect(Math.abs(s - 1)).toBeLessThanOrEqual((n + 6) * 2 ** -23);
      });
    },
  );

  it.prop([vec(-30, 30)], params)('σ(−x) = 1 − σ(x) within 2 ULP (of the side ≥ 1/2)', (x) => {
    sg.tidy(() => {
      const t = sg.tensor(x);
      const s = sg.sigmoid(t).data();
      const sn = sg.sigmoid(sg.neg(t)).data();
      for (let i = 0; i < x.length; i++) {
        // the side ≥ 1/2 carries the rounding of 1 − (small side): compare it there
        const [big, small] = s[i] >= 0.5 ? [s[i], sn[i]] : [sn[i], s[i]];
        expect(ulpDistance(big, Math.fround(1 - small)), `x = ${x[i]}`).toBeLessThanOrEqual(2);
      }
    });
  });

  it.prop([vec(-20, 20)], params)('tanh is odd bit for bit; tanh(x) ≈ 2σ(2x) − 1', (x) => {
    sg.tidy(() => {
      const t = sg.tensor(x);
      const th = sg.tanh(t).data();
      const thn = sg.tanh(sg.neg(t)).data();
      const via = sg.sub(sg.mul(sg.sigmoid(sg.mul(t, 2)), 2), 1).data();
      for (let i = 0; i < x.length; i++) {
        expect(Object.is(thn[i], -th[i])).toBe(true);
        expect(Math.abs(th[i] - via[i])).toBeLessThanOrEqual(8 * 2 ** -24);
      }
    });
  });

  it.prop(
    [
      fc.array(fc.oneof(f32(-1e30, 1e30), f32(-2, 2), fc.constant(-0), fc.constant(0)), {
        minLength: 1,
        maxLength: 40,
      }),
    ],
    params,
  )('relu(x) − relu(−x) = x exactly', (x) => {
    sg.tidy(() => {
      const t = sg.tensor(x);
      const d = sg.sub(sg.relu(t), sg.relu(sg.neg(t))).data();
      for (let i = 0; i < x.length; i++) expect(d[i] === Math.fround(x[i])).toBe(true);
    });
  });

  it.prop(
    [fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 70 }), fc.nat()],
    {
      ...params,
      numRuns: 60,
    },
  )('matmul on random M, K, N within γ_K·Σ|a||b|', (M, K, N, seed) => {
    sg.tidy(() => {
      const a = uniform(M * K, seed, -1, 1);
      const b = uniform(K * N, seed + 1, -1, 1);
      const c = sg.matmul(sg.tensor(a, [M, K]), sg.tensor(b, [K, N])).data();
      const A = { shape: [M, K], data: Float64Array.from(a) };
      const B = { shape: [K, N], data: Float64Array.from(b) };
      const ref = matmulRef(A, B).data;
      const abs = matmulAbs(A, B).data;
      const g = ((K + 1) * 2 ** -24) / (1 - (K + 1) * 2 ** -24);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(c[i] - ref[i])).toBeLessThanOrEqual(g * abs[i] + 1e-45);
      // (AB)ᵀ = BᵀAᵀ through the NT/TN paths, bit for bit against the materialized transposes
      if (M && N) {
        const at = sg.tensor(a, [M, K]);
        const bt = sg.tensor(b, [K, N]);
        const lazy = sg.matmul(bt.T, at.T).data();
        const copied = sg.matmul(sg.clone(bt.T), sg.clone(at.T)).data();
        expect(Array.from(lazy)).toEqual(Array.from(copied));
      }
    });
  });
});
