// Dropout: statistics of the mask (zero fraction within 4σ of p, survivors
// exactly 1/(1−p)), the mask keyed by element index and seed (the same bits
// for any length, sg.seed() reproducible), train()/eval(), nn.MLP({ dropout })
// with PyTorch's shifted Sequential names, the training loop, and no leak.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { dropoutMask, dropoutScale } from './opinfo/nn.js';
import { uniform } from './util/close.js';
import { labelsFor, trainStep } from './util/train.js';

beforeAll(async () => {
  await sg.init();
});

describe('dropout mask statistics', () => {
  for (const p of [0.1, 0.2, 0.5, 0.8, 0.95]) {
    it(`p = ${p}: zero fraction within 4σ of p on 200,003 elements, survivors exactly f32(1/(1−p))`, () => {
      const n = 200_003;
      const x = sg.ones([n]);
      const y = sg.nn.dropout(x, p, { seed: 1234 + Math.round(p * 100) });
      const d = y.data();
      let zeros = 0;
      const scale = dropoutScale(p);
      for (const v of d) {
        if (v === 0) zeros++;
        else expect(v).toBe(scale);
      }
      const sigma = Math.sqrt((p * (1 - p)) / n);
      expect(Math.abs(zeros / n - p)).toBeLessThanOrEqual(4 * sigma);
      x.dispose();
      y.dispose();
    });
  }

  it('p = 1 zeroes everything, p = 0 and eval return x itself', () => {
    const x = sg.tensor([1, -2, 3]);
    const z = sg.nn.dropout(x, 1);
    expect(Array.from(z.data())).toEqual([0, -0, 0]);
    expect(sg.nn.dropout(x, 0)).toBe(x);
    expect(sg.nn.dropout(x, 0.5, { training: false })).toBe(x);
    z.dispose();
    x.dispose();
  });

  it('the mask is keyed by (seed, element index): any length gives the same prefix, and the f64 reference agrees', () => {
    const long = sg.ones([1000]);
    const short = sg.ones([37]);
    const a = sg.nn.dropout(long, 0.5, { seed: 99 }).data();
    const b = sg.nn.dropout(short, 0.5, { seed: 99 }).data();
    expect(Array.from(b)).toEqual(Array.from(a.subarray(0, 37)));
    const keep = dropoutMask(1000, 0.5, 99);
    expect(Array.from(a, (v) => v !== 0)).toEqual(keep);
    const c = sg.nn.dropout(long, 0.5, { seed: 100 }).data();
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it('unseeded masks follow sg.seed()', () => {
    const x = sg.ones([64]);
    sg.seed(5);
    const a = sg.nn.dropout(x, 0.5).data();
    const a2 = sg.nn.dropout(x, 0.5).data();
    sg.seed(5);
    const b = sg.nn.dropout(x, 0.5).data();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(a2)).not.toEqual(Array.from(a));
  });

  it('the backward applies the forward mask: d/dx of Σ c·dropout(x) is c·mask·scale', () => {
    const x = sg.tensor(uniform(50, 3), [5, 10]);
    const c = sg.tensor(uniform(50, 4), [5, 10]);
    x.attachGrad();
    const y = sg.autograd.record(() => sg.nn.dropout(x, 0.3, { seed: 8 }).mul(c).sum());
    y.backward();
    const keep = dropoutMask(50, 0.3, 8);
    const s = dropoutScale(0.3);
    const cd = c.data();
    expect(Array.from(x.grad!.data())).toEqual(Array.from(cd, (v, i) => Math.fround(v * (keep[i] ? s : 0))));
  });
});

describe('nn.Dropout and nn.MLP({ dropout })', () => {
  it('names shift as in PyTorch Sequential: 0, 3, 6', () => {
    const m = new sg.nn.MLP([784, 256, 256, 10], { dropout: [0.2, 0.5], seed: 0 });
    expect([...m.namedParameters().keys()]).toEqual(['0.weight', '0.bias', '3.weight', '3.bias', '6.weight', '6.bias']);
    expect(m.layers.map((l) => l.constructor === sg.nn.Dropout)).toEqual([
      false,
      false,
      true,
      false,
      false,
      true,
      false,
    ]);
    expect((m.layers[2] as sg.nn.Dropout).p).toBe(0.2);
    expect((m.layers[5] as sg.nn.Dropout).p).toBe(0.5);
    const one = new sg.nn.MLP([4, 3, 3, 2], { dropout: 0.1 });
    expect([...one.namedParameters().keys()]).toEqual([
      '0.weight',
      '0.bias',
      '3.weight',
      '3.bias',
      '6.weight',
      '6.bias',
    ]);
    const none = new sg.nn.MLP([4, 3, 2], { dropout: 0 });
    expect([...none.namedParameters().keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
  });

  it('eval() is the identity (bit for bit the MLP without dropout); train() drops', () => {
    const a = new sg.nn.MLP([20, 16, 16, 5], { dropout: [0.2, 0.5], seed: 3 });
    const b = new sg.nn.MLP([20, 16, 16, 5], { seed: 3 });
    const x = sg.tensor(uniform(8 * 20, 5), [8, 20]);
    a.eval();
    const ya = a.forward(x).data();
    expect(Array.from(ya)).toEqual(Array.from(b.forward(x).data()));
    a.train();
    sg.seed(1);
    const yt = a.forward(x).data();
    expect(Array.from(yt)).not.toEqual(Array.from(ya));
    sg.seed(1);
    expect(Array.from(a.forward(x).data())).toEqual(Array.from(yt));
  });

  it('trains: the loss falls with dropout, and memory stays flat over 300 steps', () => {
    const m = new sg.nn.MLP([30, 32, 32, 4], { dropout: [0.2, 0.5], seed: 7 });
    const opt = new sg.optim.SGD(m, { lr: 0.1 });
    const x = sg.tensor(uniform(64 * 30, 6), [64, 30]);
    const y = labelsFor(64, 4, 9);
    const first = trainStep(m, x, y);
    opt.step();
    let mem = sg.memory();
    let last = first;
    for (let s = 1; s < 300; s++) {
      last = trainStep(m, x, y);
      opt.step();
      if (s === 100) mem = sg.memory();
    }
    expect(last).toBeLessThan(first);
    expect(sg.memory().tensors).toBe(mem.tensors);
    expect(sg.memory().bytes).toBe(mem.bytes);
    x.dispose();
  });

  it('bad options name the layer', () => {
    expect(() => new sg.nn.Dropout(-0.1)).toThrow(/nn.Dropout: p must be a probability in \[0, 1\]/);
    expect(() => new sg.nn.MLP([4, 3, 2], { dropout: [0.2, 0.5] })).toThrow(
      /nn.MLP: dropout must be a number or one probability per hidden layer \(1\)/,
    );
    expect(() => new sg.nn.MLP([4, 3, 2], { dropout: 2 })).toThrow(/nn.MLP: dropout\[0\] must be a probability/);
  });
});
