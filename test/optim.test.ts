// Optimizers against PyTorch's rules in float64 (test/util/mlpref.ts): each
// SGD-with-momentum and Adam step from the same f32 state, five-step training
// runs against a pure f64 run, dampening/Nesterov, zeroGrad, bad options, and a
// huge learning rate that goes to NaN/inf without a crash or a leak.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertClose, uniform } from './util/close.js';
import { refAdam, refBackward, refForward, refSgd, refXent, relNorm } from './util/mlpref.js';
import { f64, labelsFor, refOf, trainStep, ulpOf } from './util/train.js';

beforeAll(async () => {
  await sg.init();
});

describe('optimizers against PyTorch rules in float64', () => {
  it('SGD with momentum and weight decay: each step within the f32 error bound of the f64 update', () => {
    const model = new sg.nn.MLP([12, 9, 6], { activation: 'relu', seed: 21 });
    const params = model.parameters();
    const [lr, mu, wd] = [0.1, 0.9, 1e-3];
    const opt = new sg.optim.SGD(model, { lr, momentum: mu, weightDecay: wd });
    const x = sg.tensor(uniform(6 * 12, 22), [6, 12]);
    const y = labelsFor(6, 6, 23);
    const bufs = params.map((p) => new Float64Array(p.size));
    const u = 2 ** -24;
    for (let step = 0; step < 5; step++) {
      trainStep(model, x, y);
      const before = params.map((p) => f64(p));
      const grads = params.map((p) => p.grad?.data() as Float32Array);
      const versions = params.map((p) => (p as unknown as { version: number }).version);
      opt.step();
      params.forEach((p, i) => {
        // the f64 update from the same f32 inputs; the momentum buffer is stored in f32, as the optimizer's
        const ref = before[i].slice();
        const bufOld = bufs[i].slice();
        refSgd(ref, grads[i], bufs[i], lr, mu, wd);
        for (let j = 0; j < bufs[i].length; j++) bufs[i][j] = Math.fround(bufs[i][j]);
        const got = p.data();
        for (let j = 0; j < ref.length; j++) {
          // 4 ULP of the result, or the rounding of the f32 operands when p − lr·buf cancels
          const ops = lr * (mu * Math.abs(bufOld[j]) + Math.abs(grads[i][j]) + wd * Math.abs(before[i][j]));
          const tol = Math.max(4 * ulpOf(ref[j]), 3 * u * ops);
          if (!(Math.abs(got[j] - ref[j]) <= tol))
            throw new Error(`step ${step} param ${i}[${j}]: ${got[j]} vs ${ref[j]} (tol ${tol})`);
        }
        expect((p as unknown as { version: number }).version).toBe(versions[i] + 1);
      });
    }
    x.dispose();
    opt.dispose();
  });

  it('Adam: each step within rel 1e-5 of max(|p|, lr) of the f64 update', () => {
    const model = new sg.nn.MLP([12, 9, 6], { activation: 'tanh', seed: 31 });
    const params = model.parameters();
    const o = { lr: 1e-2, b1: 0.8, b2: 0.99, eps: 1e-8, wd: 1e-2 };
    const opt = new sg.optim.Adam(model.parameters(), { lr: o.lr, betas: [o.b1, o.b2], eps: o.eps, weightDecay: o.wd });
    const x = sg.tensor(uniform(6 * 12, 32), [6, 12]);
    const y = labelsFor(6, 6, 33);
    const m = params.map((p) => new Float64Array(p.size));
    const v = params.map((p) => new Float64Array(p.size));
    for (let t = 1; t <= 6; t++) {
      trainStep(model, x, y);
      const before = params.map((p) => f64(p));
      const grads = params.map((p) => p.grad?.data() as Float32Array);
      opt.step();
      params.forEach((p, i) => {
        const ref = before[i].slice();
        refAdam(ref, grads[i], m[i], v[i], t, o);
        const got = p.data();
        for (let j = 0; j < ref.length; j++) {
          const tol = 1e-5 * Math.max(Math.abs(ref[j]), o.lr);
          if (Math.abs(got[j] - ref[j]) > tol) throw new Error(`step ${t} param ${i}[${j}]: ${got[j]} vs ${ref[j]}`);
        }
      });
    }
    x.dispose();
    opt.dispose();
  });

  for (const kind of ['sgd', 'adam'] as const) {
    it(`${kind}: five training steps track a pure float64 training run`, () => {
      const model = new sg.nn.MLP([10, 8, 4], { activation: 'sigmoid', seed: 41 });
      const ref = refOf(model, 'sigmoid');
      const x = uniform(5 * 10, 42, -1, 1);
      const y = labelsFor(5, 4, 43);
      const xt = sg.tensor(x, [5, 10]);
      const opt =
        kind === 'sgd' ? new sg.optim.SGD(model, { lr: 0.5, momentum: 0.9 }) : new sg.optim.Adam(model, { lr: 1e-2 });
      const state = ref.layers
        .flatMap((L) => [L.w, L.b])
        .map((p) => [new Float64Array(p.length), new Float64Array(p.length)]);
      for (let t = 1; t <= 5; t++) {
        trainStep(model, xt, y);
        opt.step();
        const f = refForward(ref, Float64Array.from(x), 5);
        const g = refBackward(ref, f, refXent(f.logits, y, 5, 4).dlogits, 5).flatMap((l) => [l.w, l.b]);
        ref.layers
          .flatMap((L) => [L.w, L.b])
          .forEach((p, i) => {
            if (kind === 'sgd') refSgd(p, g[i], state[i][0], 0.5, 0.9, 0);
            else refAdam(p, g[i], state[i][0], state[i][1], t, { lr: 1e-2, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0 });
          });
      }
      const ours = model.parameters();
      ref.layers
        .flatMap((L) => [L.w, L.b])
        .forEach((p, i) => {
          expect(relNorm(ours[i].data(), p)).toBeLessThan(1e-4);
        });
      xt.dispose();
      opt.dispose();
    });
  }

  it('SGD dampening and Nesterov follow torch.optim.SGD; Adam bumps versions', () => {
    const lin = new sg.nn.Linear(4, 3, { seed: 12 });
    const x = sg.tensor(uniform(8, 13), [2, 4]);
    const [lr, mu, damp] = [0.2, 0.8, 0.3];
    for (const nesterov of [false, true]) {
      const d = nesterov ? 0 : damp;
      const opt = new sg.optim.SGD(lin, { lr, momentum: mu, dampening: d, nesterov });
      const buf = new Float64Array(12);
      for (let t = 0; t < 3; t++) {
        sg.tidy(() => sg.autograd.record(() => lin.forward(x).square().sum()).backward());
        const p = f64(lin.weight);
        const g = lin.weight.grad?.data() as Float32Array;
        opt.step();
        // torch: buf = g on the first step, else μ·buf + (1 − dampening)·g; nesterov: d = g + μ·buf
        for (let j = 0; j < 12; j++) {
          buf[j] = t === 0 ? g[j] : Math.fround(mu * buf[j] + (1 - d) * g[j]);
          p[j] -= lr * (nesterov ? g[j] + mu * buf[j] : buf[j]);
        }
        assertClose(lin.weight.data(), p, { rtol: 1e-5, atol: 1e-7 }, `nesterov=${nesterov} step ${t}`);
      }
      opt.dispose();
    }
    expect(() => new sg.optim.SGD(lin, { lr: 0.1, nesterov: true })).toThrow(
      /nesterov momentum requires a momentum > 0/,
    );
    const adam = new sg.optim.Adam(lin);
    const v0 = (lin.bias as unknown as { version: number }).version;
    adam.step();
    expect((lin.bias as unknown as { version: number }).version).toBe(v0 + 1);
    adam.dispose();
    x.dispose();
  });

  it('zeroGrad clears accumulated gradients; bad options are SimdgradErrors', () => {
    const lin = new sg.nn.Linear(3, 2, { seed: 1 });
    lin.weight.attachGrad({ accumulate: true });
    const opt = new sg.optim.SGD([lin.weight], { lr: 0.1 });
    opt.zeroGrad();
    expect(Array.from(lin.weight.grad?.data() ?? [1])).toEqual([0, 0, 0, 0, 0, 0]);
    expect(() => new sg.optim.SGD([], { lr: 0.1 })).toThrow(/empty parameter list/);
    expect(() => new sg.optim.SGD(lin, { lr: -1 })).toThrow(/lr must be a non-negative number/);
    expect(() => new sg.optim.Adam(lin, { betas: [1, 0.9] })).toThrow(/betas\[0\] must be in \[0, 1\)/);
    const plain = sg.ones([2]);
    expect(() => new sg.optim.Adam([plain])).toThrow(/takes no gradient/);
    plain.dispose();
  });
});

describe('a huge learning rate', () => {
  it('drives the loss to NaN/inf without a crash or a leak, and the engine stays usable', () => {
    const model = new sg.nn.MLP([16, 8, 4], { seed: 9 });
    const opt = new sg.optim.SGD(model, { lr: 1e30, momentum: 0.9 });
    const x = sg.tensor(uniform(4 * 16, 10, -5, 5), [4, 16]);
    const y = new Int32Array([0, 1, 2, 3]);
    trainStep(model, x, y);
    opt.step();
    const m0 = sg.memory();
    let last = 0;
    for (let i = 0; i < 10; i++) {
      last = trainStep(model, x, y);
      opt.step();
    }
    expect(Number.isFinite(last)).toBe(false);
    expect(sg.memory()).toEqual(m0);
    const t = sg.add(sg.ones([2]), 1);
    expect(Array.from(t.data())).toEqual([2, 2]);
    t.dispose();
    x.dispose();
    opt.dispose();
  });
});
