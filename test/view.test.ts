// `.T` is a view (src/view.ts): no block, not counted by memory(), no tape node;
// matmul reads its base; any other op gets a transposed copy for the call; the
// realize-before-write rule; and the lean Tensor (no internals on the object,
// no public constructor).
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniform } from './util/close.js';

beforeAll(async () => {
  await sg.init();
});

const mem = () => {
  const m = sg.memory();
  return { tensors: m.tensors, bytes: m.bytes };
};

describe('x.T is a view', () => {
  it('takes no memory and records nothing, inside or outside record', () => {
    const a = sg.tensor(uniform(6, 1), [2, 3]);
    a.attachGrad();
    const m0 = mem();
    const t = a.T;
    expect(t.shape).toEqual([3, 2]);
    expect(mem()).toEqual(m0);
    sg.autograd.record(() => {
      const u = a.T;
      expect(u.shape).toEqual([3, 2]);
    });
    expect(mem()).toEqual(m0);
    expect(t.toArray()).toEqual([
      [a.data()[0], a.data()[3]],
      [a.data()[1], a.data()[4]],
      [a.data()[2], a.data()[5]],
    ]);
    expect(mem()).toEqual(m0); // reading a view reads its base
    t.dispose();
    a.dispose();
  });

  it('matmul(a.T, b) in a loop outside tidy keeps memory() flat (a 256×784)', () => {
    const a = sg.tensor(uniform(256 * 784, 2), [256, 784]);
    const b = sg.tensor(uniform(256 * 32, 3), [256, 32]);
    const warm = sg.matmul(a.T, b);
    warm.dispose();
    const m0 = sg.memory();
    for (let i = 0; i < 200; i++) {
      const o = sg.matmul(a.T, b);
      o.dispose();
    }
    expect(sg.memory()).toEqual(m0); // wasmBytes included: nothing grew
    a.dispose();
    b.dispose();
  });

  it('matmul with a view gives the bits of matmul with the transposed copy', () => {
    const a = sg.tensor(uniform(7 * 5, 4), [7, 5]);
    const b = sg.tensor(uniform(7 * 3, 5), [7, 3]);
    const viaView = sg.matmul(a.T, b).data();
    const copy = a.T.clone();
    expect(Array.from(sg.matmul(copy, b).data())).toEqual(Array.from(viaView));
    for (const t of [a, b, copy]) t.dispose();
  });

  it('any other op gets a copy for the call, with gradients to the base, and frees it', () => {
    const a = sg.tensor(uniform(12, 6), [3, 4]);
    a.attachGrad();
    const w = sg.tensor(uniform(12, 7), [4, 3]);
    const m0 = mem();
    sg.tidy(() => {
      const y = sg.autograd.record(() => a.T.mul(w).sum());
      y.backward();
    });
    expect(mem()).toEqual(m0);
    const wd = w.data();
    const g = a.grad!.data();
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expect(g[i * 4 + j]).toBe(wd[j * 3 + i]);
    a.dispose();
    w.dispose();
  });

  it('backward from a view reaches its base (a leaf or a recorded value)', () => {
    const a = sg.tensor(uniform(6, 8), [2, 3]);
    a.attachGrad();
    const head = sg.tensor([1, 2, 3, 4, 5, 6], [3, 2]);
    sg.autograd.record(() => a.T).backward(head);
    expect(Array.from(a.grad!.data())).toEqual([1, 3, 5, 2, 4, 6]);
    sg.autograd.record(() => a.mul(2).T).backward(head);
    expect(Array.from(a.grad!.data())).toEqual([2, 6, 10, 4, 8, 12]);
    expect(() => a.T.backward()).toThrow(/not recorded/);
    a.dispose();
    head.dispose();
  });

  it('a view keeps the values its base had: an optimizer step realizes it first', () => {
    const p = sg.tensor([1, 2, 3, 4], [2, 2]);
    p.attachGrad();
    const t = p.T;
    const before = t.toArray();
    sg.autograd.record(() => p.mul(3).sum()).backward();
    new sg.optim.SGD([p], { lr: 1 }).step();
    expect(Array.from(p.data())).toEqual([-2, -1, 0, 1]);
    expect(t.toArray()).toEqual(before);
    t.dispose();
    p.dispose();
  });

  it('a view of a view is a copy of the base; a view outlives a disposed base with its values', () => {
    const a = sg.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const tt = a.T.T;
    expect(tt.toArray()).toEqual(a.toArray());
    const t = a.T;
    a.dispose();
    expect(t.toArray()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
    t.dispose();
    tt.dispose();
  });

  it('tidy frees the views it made and keeps one it returns', () => {
    const m0 = mem();
    const t = sg.tidy(() => sg.tensor([1, 2, 3, 4], [2, 2]).T);
    expect(t.toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    t.dispose();
    expect(mem()).toEqual(m0);
  });
});

describe('a lean Tensor', () => {
  it('shows no engine internals as own properties', () => {
    const t = sg.tensor([1, 2, 3, 4], [2, 2]);
    t.attachGrad();
    expect(Object.keys(t).sort()).toEqual(['grad', 'shape', 'size']);
    expect(Object.keys(t.T).sort()).toEqual(['grad', 'shape', 'size']);
    expect(Object.keys(t.grad!).sort()).toEqual(['grad', 'shape', 'size']);
    t.dispose();
  });

  it('has no public constructor: new Tensor() is a SimdgradError', () => {
    const Ctor = sg.Tensor as unknown as new (...a: unknown[]) => sg.Tensor;
    const m0 = mem();
    expect(() => new Ctor([2], 64)).toThrow(sg.SimdgradError);
    expect(() => new Ctor([2], 64)).toThrow(/sg.tensor\(\)/);
    expect(mem()).toEqual(m0);
  });
});
