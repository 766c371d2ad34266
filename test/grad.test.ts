// Gradients, in three layers (docs/testing.md §2), generated from test/opinfo.ts:
// A — each op's f64 VJP formula against f64 central differences;
// B — simdgrad's f32 backward against that formula, with a random head gradient;
//     plus a per-op leak check (memory back to where it started);
// C — an end-to-end f32 VJP check on a tiny 20-16-10 MLP built from ops.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { type OpInfo, opinfo } from './opinfo.js';
import { type Arr, binaryRef, binaryVjp, matmulRef, matmulVjp, transposeRef } from './reference/f64.js';
import { assertClose, uniform } from './util/close.js';
import { inputs, label } from './util/gen.js';

beforeAll(async () => {
  await sg.init();
});

const diffable = (Object.entries(opinfo) as [string, OpInfo][]).filter(([, info]) => info.vjp !== null);

function headFor(info: OpInfo, arrs: Arr[], args: unknown[], seed: number): Arr {
  const y = info.ref(arrs, args);
  return { shape: y.shape, data: Float64Array.from(uniform(y.data.length, seed, -1, 1)) };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

describe('A: f64 VJP formulas against central differences', () => {
  for (const [name, info] of diffable) {
    for (const s of info.samples.slice(0, 4)) {
      it(label(name, s), () => {
        const args = s.args ?? [];
        const { tensors, arrs } = inputs(info, s, 3);
        for (const t of tensors) t.dispose();
        const dy = headFor(info, arrs, args, 11);
        const grads = info.vjp!(arrs, dy, args);
        arrs.forEach((x, k) => {
          const g = grads[k];
          if (!g) return;
          for (let i = 0; i < x.data.length; i++) {
            const v = x.data[i];
            const h = 1e-6 * Math.max(1, Math.abs(v));
            x.data[i] = v + h;
            const fp = dot(info.ref(arrs, args).data, dy.data);
            x.data[i] = v - h;
            const fm = dot(info.ref(arrs, args).data, dy.data);
            x.data[i] = v;
            const num = (fp - fm) / (2 * h);
            expect(Math.abs(g.data[i] - num), `input ${k} index ${i}: ${g.data[i]} vs ${num}`).toBeLessThanOrEqual(
              1e-5 + 1e-3 * Math.abs(num),
            );
          }
        });
      });
    }
  }
});

describe('B: f32 backward against the f64 formula (random head gradient), and no leak', () => {
  for (const [name, info] of diffable) {
    for (const s of info.samples) {
      it(label(name, s), () => {
        const args = s.args ?? [];
        const m0 = sg.memory();
        const { tensors, arrs } = inputs(info, s, 5);
        const dy = headFor(info, arrs, args, 13);
        const ref = info.vjp!(arrs, dy, args);
        for (const t of tensors) t.attachGrad();
        const y = sg.autograd.record(() => info.call(tensors, args));
        const head = sg.tensor(Float32Array.from(dy.data), dy.shape);
        y.backward(head);
        tensors.forEach((t, k) => {
          const r = ref[k];
          if (!r) return;
          const g = t.grad!.data();
          const tol = info.gradTol ?? 1e-6;
          if (tol === 0) assertClose(g, r.data.map(Math.fround), { exact: true }, `${name} d${k}`);
          else {
            let num = 0;
            let den = 0;
            for (let i = 0; i < g.length; i++) {
              num += (g[i] - r.data[i]) ** 2;
              den += r.data[i] ** 2;
            }
            expect(Math.sqrt(num), `${name} d${k}: ‖g − g_ref‖ vs ‖g_ref‖ = ${Math.sqrt(den)}`).toBeLessThanOrEqual(
              tol * Math.sqrt(den) + 1e-30,
            );
          }
        });
        y.dispose();
        head.dispose();
        for (const t of tensors) t.dispose();
        const m1 = sg.memory();
        expect({ tensors: m1.tensors, bytes: m1.bytes }).toEqual({ tensors: m0.tensors, bytes: m0.bytes });
      });
    }
  }
});

describe('C: end to end, a 20-16-10 MLP from ops (f32 VJP check)', () => {
  const acts = {
    relu: (x: sg.Tensor) => sg.relu(x),
    sigmoid: (x: sg.Tensor) => sg.sigmoid(x),
    tanh: (x: sg.Tensor) => sg.tanh(x),
    prelu: (x: sg.Tensor, a?: sg.Tensor) => sg.prelu(x, a!),
  };
  for (const [actName, act] of Object.entries(acts)) {
    it(actName, () => {
      const x = sg.tensor(uniform(4 * 20, 1, -1, 1), [4, 20]);
      const target = sg.tensor(uniform(4 * 10, 2, -1, 1), [4, 10]);
      const params = [
        sg.tensor(uniform(16 * 20, 3, -0.4, 0.4), [16, 20]),
        sg.tensor(uniform(16, 4, -0.2, 0.2), [16]),
        sg.tensor(uniform(10 * 16, 5, -0.4, 0.4), [10, 16]),
        sg.tensor(uniform(10, 6, -0.2, 0.2), [10]),
        sg.tensor([0.25]),
      ];
      const loss = (p: sg.Tensor[]) =>
        sg.tidy(() => {
          const h = act(sg.add(sg.matmul(x, p[0].T), p[1]), p[4]);
          const out = sg.add(sg.matmul(h, p[2].T), p[3]);
          return sg.mean(sg.square(sg.sub(out, target)));
        });
      const [value, grads] = sg.valueAndGrad((...p: sg.Tensor[]) => loss(p))(...params);
      expect(Number.isFinite(value.item())).toBe(true);
      const used = actName === 'prelu' ? params.length : params.length - 1;
      for (let k = 0; k < used; k++) {
        const p = params[k];
        const v = uniform(p.size, 100 + k, -1, 1);
        const h = 2 ** -10;
        const base = p.data();
        const shifted = (sgn: number) => {
          const q = sg.tensor(
            base.map((b, i) => b + sgn * h * v[i]),
            p.shape,
          );
          const ps = params.slice();
          ps[k] = q;
          const l = loss(ps);
          const r = l.item();
          l.dispose();
          q.dispose();
          return r;
        };
        const num = (shifted(1) - shifted(-1)) / (2 * h);
        const ana = dot(grads[k].data(), v);
        expect(Math.abs(ana - num), `param ${k}: ${ana} vs ${num}`).toBeLessThanOrEqual(2e-3 + 2e-3 * Math.abs(num));
      }
      if (actName !== 'prelu') expect(Array.from(grads[4].data())).toEqual([0]); // unused argument: zero gradient
      // every parameter gradient against the f64 chain rule on identical weights
      const ref = mlpRef(
        actName,
        Array.from(params, (p) => ({ shape: p.shape.slice(), data: Float64Array.from(p.data()) })),
        {
          shape: [4, 20],
          data: Float64Array.from(x.data()),
        },
        { shape: [4, 10], data: Float64Array.from(target.data()) },
      );
      for (let k = 0; k < used; k++) {
        const g = grads[k].data();
        let num = 0;
        let den = 0;
        for (let i = 0; i < g.length; i++) {
          num += (g[i] - ref[k].data[i]) ** 2;
          den += ref[k].data[i] ** 2;
        }
        expect(Math.sqrt(num / den), `param ${k} vs the f64 reference`).toBeLessThanOrEqual(1e-5);
      }
    });
  }
});

/** The same MLP and loss in float64, differentiated by hand (reverse order of the forward). */
function mlpRef(act: string, [w1, b1, w2, b2, alpha]: Arr[], x: Arr, t: Arr): Arr[] {
  const a = alpha.data[0];
  const f = (v: number) =>
    act === 'relu'
      ? Math.max(v, 0)
      : act === 'sigmoid'
        ? 1 / (1 + Math.exp(-v))
        : act === 'tanh'
          ? Math.tanh(v)
          : v > 0
            ? v
            : a * v;
  const df = (v: number) =>
    act === 'relu'
      ? v > 0
        ? 1
        : 0
      : act === 'sigmoid'
        ? f(v) * (1 - f(v))
        : act === 'tanh'
          ? 1 - Math.tanh(v) ** 2
          : v > 0
            ? 1
            : a;
  const z1 = binaryRef(matmulRef(x, transposeRef(w1)), b1, (p, q) => p + q);
  const h = { shape: z1.shape, data: z1.data.map(f) };
  const out = binaryRef(matmulRef(h, transposeRef(w2)), b2, (p, q) => p + q);
  const n = out.data.length;
  const dOut = { shape: out.shape, data: out.data.map((v, i) => (2 * (v - t.data[i])) / n) };
  const [dhw, db2] = binaryVjp(
    matmulRef(h, transposeRef(w2)),
    b2,
    dOut,
    () => 1,
    () => 1,
  );
  const [dh, dw2T] = matmulVjp(h, transposeRef(w2), dhw);
  const dz1 = { shape: z1.shape, data: z1.data.map((v, i) => dh.data[i] * df(v)) };
  const dAlpha = z1.data.reduce((s, v, i) => (v > 0 ? s : s + dh.data[i] * v), 0);
  const [dxw, db1] = binaryVjp(
    matmulRef(x, transposeRef(w1)),
    b1,
    dz1,
    () => 1,
    () => 1,
  );
  const [, dw1T] = matmulVjp(x, transposeRef(w1), dxw);
  return [transposeRef(dw1T), db1, transposeRef(dw2T), db2, { shape: [1], data: Float64Array.of(dAlpha) }];
}
