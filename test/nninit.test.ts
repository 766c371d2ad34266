// nn.init against PyTorch's formulas (torch/nn/init.py): each initialiser is
// the seeded generator over the bound/std the formula gives (compared bit for
// bit with rand/randn at that seed), in place, with the gains of calculateGain;
// Module.modules()/apply() order; bad input.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await sg.init({ simd: 'simd128' });
});

const bits = (t: sg.Tensor) => Array.from(new Uint32Array(t.data().buffer));

describe('nn.init', () => {
  it('calculateGain has PyTorch values', () => {
    const g = sg.nn.init.calculateGain;
    expect(g('linear')).toBe(1);
    expect(g('sigmoid')).toBe(1);
    expect(g('conv2d')).toBe(1);
    expect(g('tanh')).toBe(5 / 3);
    expect(g('relu')).toBe(Math.sqrt(2));
    expect(g('leakyRelu')).toBe(Math.sqrt(2 / (1 + 0.01 ** 2)));
    expect(g('leaky_relu', 0.2)).toBe(Math.sqrt(2 / 1.04));
    expect(g('selu')).toBe(0.75);
    // biome-ignore lint/suspicious/noExplicitAny: a bad name on purpose
    expect(() => g('swish' as any)).toThrow(/calculateGain: unsupported nonlinearity/);
  });

  it('uniform/normal/constant/zeros/ones fill in place and return the tensor', () => {
    const t = sg.zeros([5, 7]);
    const v0 = t.version;
    expect(sg.nn.init.uniform(t, { low: -2, high: 3, seed: 11 })).toBe(t);
    expect(t.version).toBeGreaterThan(v0);
    expect(bits(t)).toEqual(bits(sg.rand([5, 7], { low: -2, high: 3, seed: 11 })));
    sg.nn.init.normal(t, { mean: 1, std: 0.5, seed: 12 });
    expect(bits(t)).toEqual(bits(sg.randn([5, 7], { mean: 1, std: 0.5, seed: 12 })));
    expect(Array.from(sg.nn.init.constant(t, 2.5).data())).toEqual(new Array(35).fill(2.5));
    expect(Array.from(sg.nn.init.zeros(t).data())).toEqual(new Array(35).fill(0));
    expect(Array.from(sg.nn.init.ones(t).data())).toEqual(new Array(35).fill(1));
  });

  it('xavier: a = gain·√(6/(fanIn+fanOut)), std = gain·√(2/(fanIn+fanOut)); conv fans include the receptive field', () => {
    const w = sg.zeros([30, 50]);
    sg.nn.init.xavierUniform(w, { gain: 2, seed: 3 });
    const a = 2 * Math.sqrt(6 / 80);
    expect(bits(w)).toEqual(bits(sg.rand([30, 50], { low: -a, high: a, seed: 3 })));
    sg.nn.init.xavierNormal(w, { seed: 4 });
    expect(bits(w)).toEqual(bits(sg.randn([30, 50], { std: Math.sqrt(2 / 80), seed: 4 })));
    const c = sg.zeros([4, 3, 5, 5]); // fanIn 3·25, fanOut 4·25
    sg.nn.init.xavierUniform(c, { seed: 5 });
    const ac = Math.sqrt(6 / 175);
    expect(bits(c)).toEqual(bits(sg.rand([4, 3, 5, 5], { low: -ac, high: ac, seed: 5 })));
  });

  it('kaiming: gain/√fan with the leaky-relu default, relu, fanOut', () => {
    const w = sg.zeros([20, 40]);
    sg.nn.init.kaimingUniform(w, { seed: 6 }); // a = 0, leakyRelu: gain √2
    const b = Math.sqrt(3) * (Math.SQRT2 / Math.sqrt(40));
    expect(bits(w)).toEqual(bits(sg.rand([20, 40], { low: -b, high: b, seed: 6 })));
    sg.nn.init.kaimingUniform(w, { a: Math.sqrt(5), seed: 7 }); // PyTorch's Linear default: 1/√fanIn
    const b5 = Math.sqrt(3) * (Math.sqrt(2 / 6) / Math.sqrt(40));
    expect(Math.abs(b5 - 1 / Math.sqrt(40))).toBeLessThan(1e-15);
    expect(bits(w)).toEqual(bits(sg.rand([20, 40], { low: -b5, high: b5, seed: 7 })));
    sg.nn.init.kaimingNormal(w, { mode: 'fanOut', nonlinearity: 'relu', seed: 8 });
    expect(bits(w)).toEqual(bits(sg.randn([20, 40], { std: Math.SQRT2 / Math.sqrt(20), seed: 8 })));
    sg.nn.init.kaimingNormal(w, { nonlinearity: 'tanh', seed: 9 });
    expect(bits(w)).toEqual(bits(sg.randn([20, 40], { std: 5 / 3 / Math.sqrt(40), seed: 9 })));
  });

  it('empirical moments match the formula on a large draw', () => {
    const w = sg.zeros([500, 400]);
    sg.nn.init.kaimingNormal(w, { nonlinearity: 'relu', seed: 1 });
    const d = w.data();
    let s = 0;
    let s2 = 0;
    for (const v of d) {
      s += v;
      s2 += v * v;
    }
    const n = d.length;
    const std = Math.sqrt(s2 / n - (s / n) ** 2);
    expect(Math.abs(std / (Math.SQRT2 / 20) - 1)).toBeLessThan(0.01);
    w.dispose();
  });

  it('unseeded draws follow sg.seed()', () => {
    const a = sg.zeros([3, 4]);
    const b = sg.zeros([3, 4]);
    sg.seed(77);
    sg.nn.init.xavierUniform(a);
    sg.seed(77);
    sg.nn.init.xavierUniform(b);
    expect(bits(a)).toEqual(bits(b));
  });

  it('bad input is a SimdgradError naming the op', () => {
    expect(() => sg.nn.init.xavierUniform(sg.zeros([5]))).toThrow(/xavierUniform: fan in and fan out need .* \[5\]/);
    expect(() => sg.nn.init.kaimingUniform(sg.zeros([3, 0]))).toThrow(/kaimingUniform: .* fanIn is 0/);
    // biome-ignore lint/suspicious/noExplicitAny: a bad argument on purpose
    expect(() => sg.nn.init.uniform([1, 2] as any)).toThrow(/nn.init.uniform: expected a tensor/);
    expect(() => sg.nn.init.uniform(sg.zeros([2]), { low: 2, high: 1 })).toThrow(/must not exceed/);
    // biome-ignore lint/suspicious/noExplicitAny: a bad option on purpose
    expect(() => sg.nn.init.kaimingNormal(sg.zeros([2, 2]), { mode: 'in' as any })).toThrow(/mode must be/);
    const t = sg.zeros([2, 2]);
    t.dispose();
    expect(() => sg.nn.init.ones(t)).toThrow(/disposed/);
  });
});

describe('Module.modules / apply', () => {
  it('modules() lists itself then every descendant in order; apply visits children first', () => {
    const m = new sg.nn.Sequential(
      new sg.nn.Linear(3, 4, { seed: 1 }),
      new sg.nn.ReLU(),
      new sg.nn.Linear(4, 2, { seed: 2 }),
    );
    const mods = m.modules();
    expect(mods.length).toBe(4);
    expect(mods[0]).toBe(m);
    expect(mods[1]).toBeInstanceOf(sg.nn.Linear);
    expect(mods[2]).toBeInstanceOf(sg.nn.ReLU);
    const seen: sg.nn.Module[] = [];
    expect(m.apply((x) => seen.push(x))).toBe(m);
    expect(seen).toEqual([mods[1], mods[2], mods[3], m]);
  });

  it('apply initialises every Linear in place (the usual PyTorch idiom)', () => {
    const m = new sg.nn.MLP([6, 5, 3], { seed: 0 });
    m.apply((x) => {
      if (x instanceof sg.nn.Linear) {
        sg.nn.init.xavierUniform(x.weight, { seed: 1 });
        if (x.bias) sg.nn.init.zeros(x.bias);
      }
    });
    const sd = m.stateDict();
    const a = Math.sqrt(6 / 11);
    expect(bits(sd.get('0.weight') as sg.Tensor)).toEqual(bits(sg.rand([5, 6], { low: -a, high: a, seed: 1 })));
    expect(Array.from((sd.get('2.bias') as sg.Tensor).data())).toEqual([0, 0, 0]);
    // biome-ignore lint/suspicious/noExplicitAny: a bad argument on purpose
    expect(() => m.apply(3 as any)).toThrow(/Module.apply: expected a function/);
  });
});

describe('nn.init on a view', () => {
  it('a transposed view gets a block of its own first; its base is untouched', () => {
    const a = sg.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const v = a.T;
    sg.nn.init.ones(v);
    expect(v.toArray()).toEqual([
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    expect(a.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });
});
