// AdamW, the learning-rate schedulers and clipGradNorm against PyTorch's
// formulas in float64 (torch/optim/adamw.py, lr_scheduler.py,
// torch/nn/utils/clip_grad.py): AdamW step by step vs an f64 reference, the
// schedulers' rates vs the recursive Python formulas, clipping vs the f64
// norm; bad input.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniform } from './util/close.js';
import { f64, labelsFor, trainStep } from './util/train.js';

beforeAll(async () => {
  await sg.init();
});

/** PyTorch's AdamW step in f64: p·(1 − lr·wd), then Adam without L2. */
function refAdamW(
  p: Float64Array,
  g: ArrayLike<number>,
  m: Float64Array,
  v: Float64Array,
  t: number,
  o: { lr: number; b1: number; b2: number; eps: number; wd: number },
) {
  const bc1 = 1 - o.b1 ** t;
  const bc2 = 1 - o.b2 ** t;
  for (let i = 0; i < p.length; i++) {
    p[i] *= 1 - o.lr * o.wd;
    m[i] = o.b1 * m[i] + (1 - o.b1) * g[i];
    v[i] = o.b2 * v[i] + (1 - o.b2) * g[i] * g[i];
    p[i] -= (o.lr / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + o.eps));
  }
}

describe('optim.AdamW', () => {
  it('each step within rel 1e-5 of the f64 decoupled-decay update, weightDecay default 1e-2', () => {
    const model = new sg.nn.MLP([12, 9, 6], { activation: 'tanh', seed: 41 });
    const params = model.parameters();
    const o = { lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 1e-2 };
    const opt = new sg.optim.AdamW(model, { lr: o.lr });
    expect(opt.weightDecay).toBe(1e-2);
    const x = sg.tensor(uniform(6 * 12, 42), [6, 12]);
    const y = labelsFor(6, 6, 43);
    const m = params.map((p) => new Float64Array(p.size));
    const v = params.map((p) => new Float64Array(p.size));
    for (let t = 1; t <= 5; t++) {
      trainStep(model, x, y);
      const refs = params.map((p) => f64(p));
      params.forEach((p, i) => {
        refAdamW(refs[i], p.grad?.data() as Float32Array, m[i], v[i], t, o);
      });
      opt.step();
      params.forEach((p, i) => {
        const got = p.data();
        for (let j = 0; j < got.length; j++) {
          const tol = 1e-5 * Math.max(Math.abs(refs[i][j]), o.lr);
          if (!(Math.abs(got[j] - refs[i][j]) <= tol))
            throw new Error(`step ${t} param ${i}[${j}]: ${got[j]} vs ${refs[i][j]}`);
        }
        // keep the f32 state the optimizer keeps, so the next step starts from the same place
        for (let j = 0; j < m[i].length; j++) {
          m[i][j] = Math.fround(m[i][j]);
          v[i][j] = Math.fround(v[i][j]);
        }
      });
    }
    x.dispose();
    opt.dispose();
  });

  it('with weightDecay 0 it is Adam bit for bit; with decay it differs from Adam’s L2 rule', () => {
    const run = (make: (m: sg.nn.Module) => sg.optim.Optimizer) => {
      const model = new sg.nn.MLP([5, 4, 3], { seed: 3 });
      const opt = make(model);
      const x = sg.tensor(uniform(4 * 5, 4), [4, 5]);
      for (let s = 0; s < 3; s++) {
        trainStep(model, x, labelsFor(4, 3, s));
        opt.step();
      }
      x.dispose();
      opt.dispose();
      return model.parameters().flatMap((p) => Array.from(p.data()));
    };
    const adam = run((m) => new sg.optim.Adam(m, { lr: 0.01 }));
    expect(run((m) => new sg.optim.AdamW(m, { lr: 0.01, weightDecay: 0 }))).toEqual(adam);
    const l2 = run((m) => new sg.optim.Adam(m, { lr: 0.01, weightDecay: 0.1 }));
    const decoupled = run((m) => new sg.optim.AdamW(m, { lr: 0.01, weightDecay: 0.1 }));
    expect(decoupled).not.toEqual(l2);
  });

  it('bad options name AdamW', () => {
    const m = new sg.nn.MLP([2, 2]);
    expect(() => new sg.optim.AdamW(m, { weightDecay: -1 })).toThrow(
      /optim.AdamW: weightDecay must be a non-negative number/,
    );
  });
});

describe('opt.lr', () => {
  it('is read at every step and validated when set', () => {
    const model = new sg.nn.MLP([3, 2], { seed: 1 });
    const opt = new sg.optim.SGD(model, { lr: 0.1 });
    opt.lr = 0.25;
    expect(opt.lr).toBe(0.25);
    const x = sg.tensor(uniform(6, 2), [2, 3]);
    trainStep(model, x, Int32Array.of(0, 1));
    const before = f64(model.parameters()[0]);
    const g = model.parameters()[0].grad?.data() as Float32Array;
    opt.step();
    const after = model.parameters()[0].data();
    for (let j = 0; j < after.length; j++) expect(after[j]).toBe(Math.fround(before[j] + Math.fround(-0.25) * g[j]));
    expect(() => {
      opt.lr = -1;
    }).toThrow(/lr must be a non-negative number/);
    expect(opt.lr).toBe(0.25);
    x.dispose();
  });
});

/** PyTorch's recursive schedules in f64, written from lr_scheduler.py. */
const refStep = (base: number, stepSize: number, gamma: number, epochs: number) => {
  const out = [base];
  let lr = base;
  for (let e = 1; e <= epochs; e++) {
    if (e % stepSize === 0) lr *= gamma;
    out.push(lr);
  }
  return out;
};
const refCosine = (base: number, T: number, etaMin: number, epochs: number) => {
  const out = [base];
  let lr = base;
  for (let e = 1; e <= epochs; e++) {
    if ((e - 1 - T) % (2 * T) === 0) lr = lr + ((base - etaMin) * (1 - Math.cos(Math.PI / T))) / 2;
    else lr = ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (lr - etaMin) + etaMin;
    out.push(lr);
  }
  return out;
};

describe('schedulers', () => {
  const opt = () => new sg.optim.SGD(new sg.nn.MLP([2, 2], { seed: 0 }), { lr: 0.5 });
  const trace = (s: sg.optim.LRScheduler, o: sg.optim.Optimizer, epochs: number) => {
    const out = [o.lr];
    expect(s.getLastLr()).toEqual([o.lr]);
    for (let e = 0; e < epochs; e++) {
      s.step();
      expect(s.getLastLr()).toEqual([o.lr]);
      out.push(o.lr);
    }
    return out;
  };

  it('StepLR: lr·γ every stepSize epochs, bit for bit with the f64 Python rule', () => {
    const o = opt();
    expect(trace(new sg.optim.StepLR(o, { stepSize: 3, gamma: 0.3 }), o, 12)).toEqual(refStep(0.5, 3, 0.3, 12));
    const o2 = opt();
    expect(trace(new sg.optim.StepLR(o2, { stepSize: 1 }), o2, 4)).toEqual(refStep(0.5, 1, 0.1, 4));
  });

  it('CosineAnnealingLR: the recursive form within 4 ulp (f64) of Python, the closed form within 1e-12, and back up after tMax', () => {
    for (const [T, etaMin] of [
      [10, 0],
      [7, 0.01],
      [1, 0.1],
    ]) {
      const o = opt();
      const got = trace(new sg.optim.CosineAnnealingLR(o, { tMax: T, etaMin }), o, 3 * T);
      const ref = refCosine(0.5, T, etaMin, 3 * T);
      got.forEach((v, e) => {
        expect(Math.abs(v - ref[e])).toBeLessThanOrEqual(4 * Number.EPSILON * Math.max(Math.abs(ref[e]), 1e-3));
        const closed = etaMin + ((0.5 - etaMin) * (1 + Math.cos((Math.PI * e) / T))) / 2;
        expect(Math.abs(v - closed)).toBeLessThan(1e-12);
      });
      expect(got[T]).toBeCloseTo(etaMin, 12);
    }
  });

  it('LambdaLR: base·λ(epoch), λ(0) applied at construction', () => {
    const o = opt();
    const s = new sg.optim.LambdaLR(o, (e) => 0.95 ** e);
    expect(o.lr).toBe(0.5);
    expect(trace(s, o, 5)).toEqual([0, 1, 2, 3, 4, 5].map((e) => 0.5 * 0.95 ** e));
    const o2 = opt();
    new sg.optim.LambdaLR(o2, () => 0.1);
    expect(o2.lr).toBe(0.05);
  });

  it('stateDict / loadStateDict continue the schedule exactly', () => {
    const o = opt();
    const s = new sg.optim.CosineAnnealingLR(o, { tMax: 8 });
    for (let e = 0; e < 3; e++) s.step();
    const saved = JSON.parse(JSON.stringify(s.stateDict()));
    const lr = o.lr;
    const rest = [];
    for (let e = 0; e < 5; e++) {
      s.step();
      rest.push(o.lr);
    }
    const o2 = opt();
    const s2 = new sg.optim.CosineAnnealingLR(o2, { tMax: 8 }).loadStateDict(saved);
    o2.lr = lr;
    const rest2 = [];
    for (let e = 0; e < 5; e++) {
      s2.step();
      rest2.push(o2.lr);
    }
    expect(rest2).toEqual(rest);
    expect(() => new sg.optim.StepLR(opt(), { stepSize: 2 }).loadStateDict(saved)).toThrow(
      /StepLR.loadStateDict: the state is of a .*CosineAnnealingLR/,
    );
  });

  it('bad options are SimdgradErrors naming the scheduler', () => {
    expect(() => new sg.optim.StepLR(opt(), { stepSize: 0 })).toThrow(
      /optim.StepLR: stepSize must be a positive integer/,
    );
    expect(() => new sg.optim.CosineAnnealingLR(opt(), { tMax: 2.5 })).toThrow(/optim.CosineAnnealingLR: tMax/);
    // biome-ignore lint/suspicious/noExplicitAny: bad arguments on purpose
    expect(() => new sg.optim.LambdaLR(opt(), 3 as any)).toThrow(/optim.LambdaLR: expected a function/);
    expect(() => new sg.optim.LambdaLR(opt(), () => Number.NaN)).toThrow(/lrLambda\(0\) must be a finite number/);
    // biome-ignore lint/suspicious/noExplicitAny: bad arguments on purpose
    expect(() => new sg.optim.StepLR({} as any, { stepSize: 1 })).toThrow(/optim.StepLR: expected an optimizer/);
  });
});

describe('optim.clipGradNorm', () => {
  /** Gives every parameter a seeded gradient through a backward of Σ c·p. */
  const gradsOf = (model: sg.nn.Module, seed: number, scale: number) => {
    const ps = model.parameters();
    const cs = ps.map((p, i) => sg.tensor(uniform(p.size, seed + i, -scale, scale), p.shape));
    sg.tidy(() => {
      const loss = sg.autograd.record(() => ps.map((p, i) => p.mul(cs[i]).sum()).reduce((a, b) => a.add(b)));
      loss.backward();
    });
    for (const c of cs) c.dispose();
    return ps.map((p) => f64(p.grad as sg.Tensor));
  };

  it('returns the total 2-norm (f64 reference) and scales by maxNorm/(norm+1e-6) above it, in f32', () => {
    const model = new sg.nn.MLP([13, 7, 5], { seed: 2 });
    const g = gradsOf(model, 10, 3);
    const ref = Math.sqrt(g.reduce((a, x) => a + x.reduce((s, v) => s + v * v, 0), 0));
    const total = sg.optim.clipGradNorm(model, 1.5);
    expect(total).toBe(Math.fround(ref));
    const coef = Math.fround(Math.fround(1.5) / Math.fround(total + Math.fround(1e-6)));
    model.parameters().forEach((p, i) => {
      expect(Array.from((p.grad as sg.Tensor).data())).toEqual(
        Array.from(g[i], (v) => Math.fround(Math.fround(v) * coef)),
      );
    });
    const after = model.parameters().map((p) => f64(p.grad as sg.Tensor));
    const n2 = Math.sqrt(after.reduce((a, x) => a + x.reduce((s, v) => s + v * v, 0), 0));
    expect(Math.abs(n2 - 1.5)).toBeLessThan(1e-5);
  });

  it('leaves gradients untouched (bit for bit) below maxNorm; norm types 1 and Infinity', () => {
    const model = new sg.nn.MLP([9, 6, 3], { seed: 5 });
    const g = gradsOf(model, 20, 0.01);
    const flat = g.flatMap((x) => Array.from(x));
    const l1 = flat.reduce((a, v) => a + Math.abs(v), 0);
    expect(sg.optim.clipGradNorm(model.parameters(), 1e6, { normType: 1 })).toBe(Math.fround(l1));
    expect(sg.optim.clipGradNorm(model, 1e6, { normType: Number.POSITIVE_INFINITY })).toBe(
      Math.max(...flat.map(Math.abs)),
    );
    model.parameters().forEach((p, i) => {
      expect(f64(p.grad as sg.Tensor)).toEqual(g[i]);
    });
    const before = sg.memory();
    for (let k = 0; k < 100; k++) sg.optim.clipGradNorm(model, 0.001);
    expect(sg.memory().tensors).toBe(before.tensors);
    expect(sg.memory().bytes).toBe(before.bytes);
  });

  it('bad input is a SimdgradError', () => {
    const model = new sg.nn.MLP([2, 2]);
    expect(() => sg.optim.clipGradNorm(model, -1)).toThrow(/clipGradNorm: maxNorm must be a non-negative number/);
    expect(() => sg.optim.clipGradNorm(model, 1, { normType: 3 })).toThrow(/normType must be 2, 1 or Infinity/);
    // biome-ignore lint/suspicious/noExplicitAny: bad arguments on purpose
    expect(() => sg.optim.clipGradNorm(5 as any, 1)).toThrow(/clipGradNorm: params must be/);
  });
});
