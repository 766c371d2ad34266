// nn against a float64 reference written from PyTorch's formulas
// (test/util/mlpref.ts): MLP forward, loss and every parameter gradient; the
// fused hot path (one kernel call per Linear+activation each way, counted at the
// wasm boundary); fused vs unfused; losses; PyTorch names; loadStateDict
// atomicity; the numpy fixture; bad input. Optimizers: optim.test.ts.
import { readFileSync } from 'node:fs';
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertClose, uniform } from './util/close.js';
import { type Act, refBackward, refForward, refXent, relNorm } from './util/mlpref.js';
import { labelsFor, refOf, trainStep } from './util/train.js';

// Count kernel calls at the wasm boundary (this file runs in its own process).
const calls = new Map<string, number>();
beforeAll(async () => {
  const orig = WebAssembly.instantiate;
  WebAssembly.instantiate = (async (m: WebAssembly.Module, imports: WebAssembly.Imports) => {
    const inst = (await orig(m, imports)) as WebAssembly.Instance;
    const exports: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(inst.exports)) {
      exports[k] =
        typeof v === 'function'
          ? (...a: unknown[]) => {
              calls.set(k, (calls.get(k) ?? 0) + 1);
              return (v as (...a: unknown[]) => unknown)(...a);
            }
          : v;
    }
    return { exports } as unknown as WebAssembly.Instance;
  }) as typeof WebAssembly.instantiate;
  await sg.init();
  WebAssembly.instantiate = orig;
});

/** x·Wᵀ + b in float64 for rows of x ([rows, in]); W is [out, in]. */
function linearRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, inF: number): Float64Array {
  const outF = b.length;
  const rows = x.length / inF;
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < outF; j++) {
      let s = b[j];
      for (let k = 0; k < inF; k++) s += x[r * inF + k] * w[j * inF + k];
      y[r * outF + j] = s;
    }
  return y;
}

const ACTS: Act[] = ['relu', 'sigmoid', 'tanh', 'prelu'];
const SIZES = [20, 16, 12, 10];
const B = 7;

describe('MLP against the float64 reference', () => {
  for (const act of ACTS) {
    it(`${act}: forward, loss and every parameter gradient`, () => {
      const model = new sg.nn.MLP(SIZES, { activation: act, seed: 11 });
      if (act === 'prelu') {
        // α values other than the init (per-layer), loaded through loadStateDict
        const st = new Map(model.stateDict());
        st.set('1.weight', sg.tensor([-0.3]));
        st.set('3.weight', sg.tensor([0.6]));
        model.loadStateDict(st);
        st.get('1.weight')?.dispose();
        st.get('3.weight')?.dispose();
      }
      const xv = uniform(B * SIZES[0], 5, -2, 2);
      const y = labelsFor(B, 10, 6);
      const x = sg.tensor(xv, [B, SIZES[0]]);
      const ref = refOf(model, act);
      const fwd = refForward(ref, Float64Array.from(xv), B);
      const { loss: refLoss, dlogits } = refXent(fwd.logits, y, B, 10);
      const refGrads = refBackward(ref, fwd, dlogits, B);

      const logits = model.forward(x);
      expect(logits.shape).toEqual([B, 10]);
      expect(relNorm(logits.data(), fwd.logits)).toBeLessThan(1e-5);
      logits.dispose();
      const loss = trainStep(model, x, y);
      expect(Math.abs(loss - refLoss) / refLoss).toBeLessThan(1e-5);
      const p = model.namedParameters();
      refGrads.forEach((g, li) => {
        const i = 2 * li;
        expect(relNorm((p.get(`${i}.weight`) as sg.Tensor).grad?.data() ?? [], g.w), `${i}.weight`).toBeLessThan(1e-5);
        expect(relNorm((p.get(`${i}.bias`) as sg.Tensor).grad?.data() ?? [], g.b), `${i}.bias`).toBeLessThan(1e-5);
        if (g.alpha) {
          expect(
            relNorm((p.get(`${i + 1}.weight`) as sg.Tensor).grad?.data() ?? [], g.alpha),
            `${i + 1}.weight`,
          ).toBeLessThan(1e-5);
        }
      });
      x.dispose();
    });
  }

  for (const act of ACTS) {
    it(`${act}: the gradient matches an f32 central difference along a random direction (JAX's check)`, () => {
      const model = new sg.nn.MLP([20, 16, 10], { activation: act, seed: 77 });
      const x = sg.tensor(uniform(4 * 20, 78, -2, 2), [4, 20]);
      const y = labelsFor(4, 10, 79);
      trainStep(model, x, y);
      const base = [...model.stateDict()].map(([n, t]) => [n, t.data()] as const);
      const dirs = base.map(([, d], i) => uniform(d.length, 80 + i));
      let analytic = 0;
      model.parameters().forEach((p, i) => {
        const g = p.grad?.data() as Float32Array;
        for (let j = 0; j < g.length; j++) analytic += g[j] * dirs[i][j];
      });
      const lossAt = (s: number) => {
        const st = new Map(
          base.map(([n, d], i) => [
            n,
            sg.tensor(
              d.map((v, j) => v + s * dirs[i][j]),
              model.stateDict().get(n)?.shape,
            ),
          ]),
        );
        model.loadStateDict(st);
        for (const t of st.values()) t.dispose();
        return sg.tidy(() => sg.nn.softmaxCrossEntropy(model.forward(x), y).item());
      };
      const h = 2 ** -10;
      const numeric = (lossAt(h) - lossAt(-h)) / (2 * h);
      expect(Math.abs(analytic)).toBeGreaterThan(0.1); // a direction the loss actually changes along
      expect(Math.abs(numeric - analytic)).toBeLessThanOrEqual(2e-3 + 2e-3 * Math.abs(numeric));
      x.dispose();
    });
  }

  it('backward twice on fresh tapes gives identical gradient bits', () => {
    const model = new sg.nn.MLP([9, 7, 5], { activation: 'tanh', seed: 3 });
    const x = sg.tensor(uniform(5 * 9, 8), [5, 9]);
    const y = [0, 1, 2, 3, 4];
    const grads = () => {
      trainStep(model, x, Int32Array.from(y));
      return model.parameters().map((t) => t.grad?.data() as Float32Array);
    };
    const a = grads();
    const b = grads();
    a.forEach((g, i) => {
      expect(new Uint32Array(g.buffer)).toEqual(new Uint32Array(b[i].buffer));
    });
    x.dispose();
  });
});

describe('the fused hot path', () => {
  const count = (fn: () => void) => {
    calls.clear();
    fn();
    return Object.fromEntries(calls);
  };

  it('a Linear+activation is one kernel call forward and one backward; the loss one each way', () => {
    const model = new sg.nn.MLP([20, 16, 10], { activation: 'relu', seed: 1 });
    const x = sg.tensor(uniform(8 * 20, 2), [8, 20]);
    const y = labelsFor(8, 10, 3);
    sg.tidy(() => {
      let loss: sg.Tensor | undefined;
      const fwd = count(() => {
        loss = sg.autograd.record(() => sg.nn.softmaxCrossEntropy(model.forward(x), y));
      });
      expect(fwd.linear_fwd).toBe(2); // Linear+ReLU and the last Linear: one call each
      for (const k of ['act_fwd', 'linear_packed_fwd']) expect(fwd[k], k).toBeUndefined();
      expect(fwd.softmax_xent_fwd).toBe(1);
      for (const k of ['gemm_nt', 'gemm_nn', 'add_fwd']) expect(fwd[k], k).toBeUndefined();
      const bwd = count(() => loss?.backward());
      expect(bwd.linear_bwd).toBe(2);
      expect(bwd.act_bwd, 'act_bwd').toBeUndefined();
      expect(bwd.softmax_xent_bwd).toBe(1);
      for (const k of ['gemm_tn', 'gemm_nn']) expect(bwd[k], k).toBeUndefined();
    });
    x.dispose();
  });

  it('inference reads the packed weights from the second use of a version on: no packing of W per call, same bits', () => {
    const model = new sg.nn.MLP([37, 45, 13, 10], { activation: 'tanh', seed: 2 });
    const x = sg.tensor(uniform(67 * 37, 9), [67, 37]);
    const bits = (f: Float32Array) => Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length));
    const runs = [0, 1, 2].map(() => {
      let out: Float32Array = new Float32Array(0);
      const c = count(() => {
        out = sg.tidy(() => model.forward(x).data());
      });
      return { out: bits(out), c };
    });
    expect(runs[0].c.linear_fwd).toBe(3); // first use of the version: the GEMM packs W
    expect(runs[0].c.gemv_nt_pack).toBeUndefined();
    expect(runs[1].c.gemv_nt_pack).toBe(3); // second use: W packed once per layer
    for (const r of runs.slice(1)) {
      expect(r.c.linear_fwd).toBeUndefined();
      expect(r.c.linear_packed_fwd).toBeGreaterThanOrEqual(3);
      expect(r.out).toEqual(runs[0].out);
    }
    expect(runs[2].c.gemv_nt_pack).toBeUndefined();
    // a recording forward never uses (or builds) the copy, with the same bits
    const rec = count(() => {
      const out = sg.tidy(() => sg.autograd.record(() => model.forward(x)).data());
      expect(bits(out)).toEqual(runs[0].out);
    });
    expect(rec.linear_packed_fwd).toBeUndefined();
    for (const p of model.parameters()) p.dispose();
    x.dispose();
  });

  for (const act of ['relu', 'sigmoid', 'tanh', 'prelu'] as const) {
    it(`fused linear_${act} agrees with matmul + add + ${act} (forward and gradients)`, () => {
      const xv = sg.tensor(uniform(6 * 9, 50), [6, 9]);
      const w = sg.tensor(uniform(5 * 9, 51), [5, 9]);
      const b = sg.tensor(uniform(5, 52), [5]);
      const alpha = sg.tensor(uniform(5, 53, 0, 0.5), [5]);
      const head = sg.tensor(uniform(6 * 5, 54), [6, 5]);
      for (const t of [xv, w, b, alpha]) t.attachGrad();
      const run = (fused: boolean) =>
        sg.tidy(() => {
          const y = sg.autograd.record(() => {
            if (fused) return sg.nn.linear(xv, w, b, act, act === 'prelu' ? alpha : null);
            const z = sg.matmul(xv, w.T).add(b);
            return act === 'prelu' ? sg.prelu(z, alpha) : z[act]();
          });
          y.backward(head);
          return [y.data(), ...[xv, w, b, alpha].map((t) => t.grad?.data() as Float32Array)];
        });
      const f = run(true);
      const u = run(false);
      f.forEach((v, i) => {
        if (i === 4 && act !== 'prelu') return;
        assertClose(v, u[i], { rtol: 1e-5, atol: 1e-6 }, `output ${i}`);
      });
      for (const t of [xv, w, b, alpha, head]) t.dispose();
    });
  }

  it('softmaxCrossEntropy agrees with −logSoftmax at the label, for every reduction', () => {
    const z = sg.tensor(uniform(5 * 7, 60, -3, 3), [5, 7]);
    const y = [6, 0, 3, 3, 1];
    z.attachGrad();
    for (const reduction of ['none', 'sum', 'mean'] as const) {
      const head = reduction === 'none' ? sg.tensor(uniform(5, 61), [5]) : sg.tensor(1.5);
      const run = (fused: boolean) =>
        sg.tidy(() => {
          const l = sg.autograd.record(() => {
            if (fused) return sg.nn.softmaxCrossEntropy(z, y, { reduction });
            const picked = sg
              .logSoftmax(z)
              .mul(
                sg.tensor(
                  y.flatMap((c) => Array.from({ length: 7 }, (_, k) => (k === c ? -1 : 0))),
                  [5, 7],
                ),
              )
              .sum(1);
            return reduction === 'none' ? picked : reduction === 'sum' ? picked.sum() : picked.mean();
          });
          l.backward(head);
          return [l.data(), z.grad?.data() as Float32Array];
        });
      const f = run(true);
      const u = run(false);
      assertClose(f[0], u[0], { rtol: 1e-5, atol: 1e-6 }, `${reduction} loss`);
      assertClose(f[1], u[1], { rtol: 1e-5, atol: 1e-6 }, `${reduction} grad`);
      head.dispose();
    }
    z.dispose();
  });
});

describe('softmaxCrossEntropy', () => {
  it('is stable for huge logits: [0,1000] label 0 → loss 1000, gradient [−1, 1]', () => {
    const z = sg.tensor([[0, 1000]]);
    z.attachGrad();
    const l = sg.autograd.record(() => sg.nn.softmaxCrossEntropy(z, [0]));
    expect(Math.abs(l.item() - 1000) / 1000).toBeLessThan(1e-6);
    l.backward();
    expect(Array.from(z.grad?.data() ?? [])).toEqual([-1, 1]);
    l.dispose();
    const l2 = sg.nn.softmaxCrossEntropy(sg.tensor([[0, -1e4]]), new Int32Array([1]));
    expect(l2.item()).toBe(1e4);
    // a −inf logit at the label: +inf loss, finite gradient (softmax − onehot)
    const zi = sg.tensor([[Number.NEGATIVE_INFINITY, 0, 1]]);
    zi.attachGrad();
    const li = sg.autograd.record(() => sg.nn.softmaxCrossEntropy(zi, [0]));
    expect(li.item()).toBe(Number.POSITIVE_INFINITY);
    li.backward();
    const gi = zi.grad?.data() as Float32Array;
    expect(gi[0]).toBe(-1);
    assertClose(gi.slice(1), [1 / (1 + Math.E), Math.E / (1 + Math.E)], { rtol: 1e-6, atol: 0 });
    zi.dispose();
    li.dispose();
    const l3 = sg.nn.softmaxCrossEntropy(sg.zeros([3, 10]), [0, 5, 9], { reduction: 'none' });
    assertClose(l3.data(), [Math.log(10), Math.log(10), Math.log(10)], { ulp: 2 });
    for (const t of [z, l2, l3]) t.dispose();
  });

  it('meets the logSoftmax error bound per row against float64, at scales 1e-3, 1 and 1e3', () => {
    const u = 2 ** -24;
    const [B, C] = [9, 13];
    for (const scale of [1e-3, 1, 1e3]) {
      const zv = uniform(B * C, 95).map((v) => v * scale);
      const y = labelsFor(B, C, 96);
      const z = sg.tensor(zv, [B, C]);
      const rows = sg.nn.softmaxCrossEntropy(z, y, { reduction: 'none' }).data();
      const mean = sg.nn.softmaxCrossEntropy(z, y).item();
      let refMean = 0;
      for (let i = 0; i < B; i++) {
        const r = Array.from(zv.subarray(i * C, (i + 1) * C));
        const mx = Math.max(...r);
        const ref = Math.log(r.reduce((s, v) => s + Math.exp(v - mx), 0)) + mx - r[y[i]];
        refMean += ref / B;
        const bound = 4 * u * (Math.abs(r[y[i]] - mx) + Math.abs(ref)) + (C + 16) * u;
        expect(Math.abs(rows[i] - ref), `row ${i} at scale ${scale}`).toBeLessThanOrEqual(bound);
      }
      expect(Math.abs(mean - refMean)).toBeLessThanOrEqual(
        (B + 2) * u * Math.abs(refMean) + (4 + C + 16) * u * (scale + 1),
      );
      z.dispose();
    }
  });

  it('labels out of range, non-integer or miscounted name the index; memory unchanged', () => {
    const z = sg.zeros([3, 4]);
    const flat = sg.zeros([4]);
    const m0 = sg.memory();
    expect(() => sg.nn.softmaxCrossEntropy(z, [0, 4, 1])).toThrow(/label 4 at index 1 is out of range for 4 classes/);
    expect(() => sg.nn.softmaxCrossEntropy(z, [0, 1, -1])).toThrow(/label -1 at index 2 is out of range/);
    expect(() => sg.nn.softmaxCrossEntropy(z, [0, 1.5, 1])).toThrow(/label at index 1 is number 1.5, not an integer/);
    expect(() => sg.nn.softmaxCrossEntropy(z, [0, 1])).toThrow(/expected 3 labels .* got 2 labels/);
    expect(() => sg.nn.softmaxCrossEntropy(z, 'abc' as unknown as number[])).toThrow(/labels must be/);
    expect(() => sg.nn.softmaxCrossEntropy(flat, [0])).toThrow(/logits must be 2-D/);
    expect(() => sg.nn.softmaxCrossEntropy(z, [0, 1, 2], { reduction: 'avg' as 'mean' })).toThrow(/reduction must be/);
    const lt = sg.tensor([0, 2, 3]);
    expect(sg.memory().tensors).toBe(m0.tensors + 1);
    const l = sg.nn.softmaxCrossEntropy(z, lt);
    assertClose([l.item()], [Math.log(4)], { ulp: 2 });
    l.dispose();
    lt.dispose();
    expect(sg.memory().tensors).toBe(m0.tensors);
    z.dispose();
    flat.dispose();
  });
});

describe('mseLoss', () => {
  it('matches mean((p − t)²) and its gradient 2(p − t)/n', () => {
    const pv = uniform(12, 70);
    const tv = uniform(12, 71);
    const p = sg.tensor(pv, [3, 4]);
    const t = sg.tensor(tv, [3, 4]);
    p.attachGrad();
    const l = sg.autograd.record(() => sg.nn.mseLoss(p, t));
    let ref = 0;
    for (let i = 0; i < 12; i++) ref += (pv[i] - tv[i]) ** 2;
    expect(Math.abs(l.item() - ref / 12)).toBeLessThan(1e-6 * (ref / 12) + 1e-7);
    l.backward();
    assertClose(
      p.grad?.data() ?? [],
      Array.from(pv, (v, i) => (2 * (v - tv[i])) / 12),
      { rtol: 1e-5, atol: 1e-7 },
    );
    const s = sg.nn.mseLoss(p, t, { reduction: 'sum' });
    expect(Math.abs(s.item() - ref)).toBeLessThan(1e-5 * ref);
    const n = sg.nn.mseLoss(p, t, { reduction: 'none' });
    expect(n.shape).toEqual([3, 4]);
    expect(() => sg.nn.mseLoss(p, sg.zeros([4, 3]))).toThrow(
      /pred \[3,4\] and target \[4,3\] must have the same shape/,
    );
    for (const x of [p, t, l, s, n]) x.dispose();
  });
});

describe('Module', () => {
  it('uses PyTorch names, layouts and default init bounds', () => {
    const m = new sg.nn.MLP([5, 4, 3, 2], { activation: 'prelu', seed: 7 });
    const shapes = [...m.namedParameters()].map(([n, t]) => [n, t.shape]);
    expect(shapes).toEqual([
      ['0.weight', [4, 5]],
      ['0.bias', [4]],
      ['1.weight', [1]],
      ['2.weight', [3, 4]],
      ['2.bias', [3]],
      ['3.weight', [1]],
      ['4.weight', [2, 3]],
      ['4.bias', [2]],
    ]);
    expect(m.parameters()).toHaveLength(8);
    expect([...m.stateDict().keys()]).toEqual([...m.namedParameters().keys()]);
    const lin = new sg.nn.Linear(100, 50, { seed: 1 });
    const w = lin.weight.data();
    const bound = 1 / Math.sqrt(100);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.9 * bound);
    expect(Math.max(...(lin.bias?.data() ?? []).map(Math.abs))).toBeLessThanOrEqual(bound);
    // seeded: the same seed gives the same weights, another seed different ones
    expect(new sg.nn.Linear(100, 50, { seed: 1 }).weight.data()).toEqual(w);
    expect(new sg.nn.Linear(100, 50, { seed: 2 }).weight.data()).not.toEqual(w);
    expect(new sg.nn.Linear(3, 2, { bias: false }).bias).toBeNull();
    expect(new sg.nn.PReLU({ numParameters: 3, init: 0.1 }).weight.toArray()).toEqual([0.1, 0.1, 0.1].map(Math.fround));
  });

  it('parameters survive tidy and take gradients without attachGrad', () => {
    const m0 = sg.memory();
    const model = sg.tidy(() => new sg.nn.Linear(3, 2, { seed: 5 }));
    expect(model.weight.disposed).toBe(false);
    expect(model.weight.grad).not.toBeNull();
    // weight, bias and their two gradients
    expect(sg.memory().tensors).toBe(m0.tensors + 4);
    const x = sg.ones([1, 3]);
    const y = sg.autograd.record(() => model.forward(x).sum());
    y.backward();
    expect(Array.from(model.weight.grad?.data() ?? [])).toEqual([1, 1, 1, 1, 1, 1]);
    expect(model.train().training).toBe(true);
    expect(model.eval().training).toBe(false);
    x.dispose();
    y.dispose();
  });

  it('loadStateDict is atomic: missing, extra or misshaped entries name the key and change nothing', () => {
    const model = new sg.nn.MLP([4, 3, 2], { seed: 1 });
    const other = new sg.nn.MLP([4, 3, 2], { seed: 2 });
    const before = model.parameters().map((p) => p.data());
    const good = other.stateDict();
    const withWrong = new Map(good);
    withWrong.set('2.bias', sg.zeros([3]));
    const missing = new Map(good);
    missing.delete('0.bias');
    const extra = new Map(good);
    extra.set('4.weight', sg.zeros([1]));
    const m0 = sg.memory();
    expect(() => model.loadStateDict(withWrong)).toThrow(
      /entry "2.bias" has shape \[3\], but the parameter has shape \[2\]/,
    );
    expect(() => model.loadStateDict(missing)).toThrow(/missing entry "0.bias"/);
    expect(() => model.loadStateDict(extra)).toThrow(/unexpected entry "4.weight"/);
    expect(() => model.loadStateDict(5 as unknown as Map<string, sg.Tensor>)).toThrow(sg.SimdgradError);
    expect(sg.memory()).toEqual(m0);
    model.parameters().forEach((p, i) => {
      expect(p.data()).toEqual(before[i]);
    });
    model.loadStateDict(good);
    model.parameters().forEach((p, i) => {
      expect(p.data()).toEqual(other.parameters()[i].data());
    });
  });

  it('a numpy-written PyTorch state dict loads into nn.MLP and gives the script’s logits', () => {
    const dir = new URL('./fixtures/', import.meta.url);
    const expected = JSON.parse(readFileSync(new URL('mlp-8-16-12-4.expected.json', dir), 'utf8'));
    const state = sg.io.loadSafetensors(new Uint8Array(readFileSync(new URL('mlp-8-16-12-4.safetensors', dir))));
    for (const act of ['relu', 'tanh'] as const) {
      const model = new sg.nn.MLP(expected.sizes, { activation: act });
      model.loadStateDict(state);
      const x = sg.tensor(expected.input);
      const logits = model.forward(x);
      assertClose(logits.data(), expected.logits[act].flat(), { rtol: 1e-5, atol: 1e-6 }, `${act} logits`);
      // and back: saving the model gives the same tensors
      const again = sg.io.loadSafetensors(sg.io.saveSafetensors(model));
      for (const [n, t] of again) expect(t.data()).toEqual(state.get(n)?.data());
      for (const t of [x, logits, ...again.values()]) t.dispose();
    }
    for (const t of state.values()) t.dispose();
  });

  it('Linear takes [in], [B, in] and [A, B, in]; an empty batch gives an empty result', () => {
    const lin = new sg.nn.Linear(4, 3, { seed: 2 });
    const x2 = sg.tensor(uniform(2 * 3 * 4, 90), [2, 3, 4]);
    const y3 = lin.forward(x2);
    expect(y3.shape).toEqual([2, 3, 3]);
    const rows = lin.forward(x2.reshape([6, 4]));
    expect(y3.data()).toEqual(rows.data());
    const ref = linearRef(x2.data(), lin.weight.data(), lin.bias!.data(), 4);
    assertClose(rows.data(), ref, { rtol: 1e-6, atol: 1e-7 }, 'Linear vs float64');
    const one = lin.forward(x2.reshape([24]).slice([0], [4]));
    expect(one.shape).toEqual([3]);
    assertClose(one.data(), rows.data().slice(0, 3), { rtol: 1e-6, atol: 1e-7 });
    const empty = lin.forward(sg.zeros([0, 4]));
    expect(empty.shape).toEqual([0, 3]);
    // zero output features: dX is zeros, not garbage
    const none = new sg.nn.Linear(4, 0);
    const xin = sg.tensor(uniform(8, 92), [2, 4]);
    xin.attachGrad();
    sg.autograd.record(() => lin.forward(xin).sum()).backward(); // leaves a non-zero xin.grad
    expect(xin.grad?.data().some((v) => v !== 0)).toBe(true);
    const y0 = sg.autograd.record(() => none.forward(xin));
    expect(y0.shape).toEqual([2, 0]);
    y0.backward();
    expect(Array.from(xin.grad?.data() ?? [1])).toEqual(new Array(8).fill(0));
  });

  it('Sequential runs unfusable layers as they are: Flatten, a lone activation, Softmax', () => {
    const model = new sg.nn.Sequential(
      new sg.nn.Flatten(),
      new sg.nn.Linear(6, 5, { seed: 3 }),
      new sg.nn.Tanh(),
      new sg.nn.ReLU(),
      new sg.nn.Linear(5, 4, { seed: 4 }),
      new sg.nn.Softmax(),
    );
    expect([...model.namedParameters().keys()]).toEqual(['1.weight', '1.bias', '4.weight', '4.bias']);
    const xs = uniform(2 * 6, 91);
    const x = sg.tensor(xs, [2, 3, 2]);
    const p = model.forward(x).data();
    // float64 reference: flatten, linear, tanh, relu, linear, softmax
    const w = (n: string) => (model.namedParameters().get(n) as sg.Tensor).data();
    const h = linearRef(xs, w('1.weight'), w('1.bias'), 6).map((v) => Math.max(0, Math.tanh(v)));
    const z = linearRef(h, w('4.weight'), w('4.bias'), 5);
    const ref = new Float64Array(8);
    for (let r = 0; r < 2; r++) {
      const row = z.subarray(r * 4, r * 4 + 4);
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let j = 0; j < 4; j++) ref[r * 4 + j] = e[j] / sum;
    }
    assertClose(p, ref, { rtol: 1e-5, atol: 1e-7 }, 'Sequential vs float64');
    expect(p[0] + p[1] + p[2] + p[3]).toBeCloseTo(1, 6);
  });

  it('lazy transposes keep the values they had when a step or loadStateDict writes in place', () => {
    const lin = new sg.nn.Linear(3, 2, { seed: 8 });
    const opt = new sg.optim.SGD(lin, { lr: 0.5 });
    const w0 = lin.weight.data();
    const wt = lin.weight.T;
    sg.autograd.record(() => lin.forward(sg.ones([1, 3])).sum()).backward();
    opt.step();
    expect(lin.weight.data()).not.toEqual(w0);
    expect(wt.toArray()).toEqual([0, 1, 2].map((k) => [w0[k], w0[3 + k]]));
    // and a lazy transpose loads and saves as its values
    const sq = new sg.nn.Linear(2, 2, { seed: 9, bias: false });
    const src = sg.tensor([1, 2, 3, 4], [2, 2]);
    sq.loadStateDict(new Map([['weight', src.T]]));
    expect(sq.weight.toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    const back = sg.io.loadSafetensors(sg.io.saveSafetensors({ t: src.T }));
    expect(back.get('t')?.toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  it('an optimizer step inside record is caught at backward as an in-place modification', () => {
    const model = new sg.nn.MLP([3, 2], { seed: 5 });
    const opt = new sg.optim.SGD(model, { lr: 0.1 });
    const x = sg.ones([1, 3]);
    trainStep(model, x, new Int32Array([1]));
    const l = sg.autograd.record(() => {
      const loss = sg.nn.softmaxCrossEntropy(model.forward(x), [0]);
      opt.step();
      return loss;
    });
    expect(() => l.backward()).toThrow(/modified/);
    x.dispose();
  });

  it('bad construction and shapes are SimdgradErrors', () => {
    expect(() => new sg.nn.Linear(-1, 2)).toThrow(/inFeatures must be a non-negative integer/);
    expect(() => new sg.nn.MLP([4])).toThrow(/at least an input and an output/);
    expect(() => new sg.nn.MLP([4, 2], { activation: 'swish' as 'relu' })).toThrow(/activation must be/);
    expect(() => new sg.nn.MLP([4, 2.5, 2])).toThrow(/sizes\[1\] must be a non-negative integer/);
    const lin = new sg.nn.Linear(3, 2);
    expect(() => lin.forward(sg.zeros([2, 4]))).toThrow(
      /linear: input \[2,4\] has 4 features but weight \[2,3\] expects 3/,
    );
  });
});
