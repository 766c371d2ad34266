// The registry contract: every op is a function and a Tensor method of the same
// name, scalars are accepted where a tensor is, a user op is declared once with
// defineOp (its forward composes ops without taping them), and an op without a
// backward does not compile.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await sg.init();
});

const apiOps = [
  'add',
  'sub',
  'mul',
  'div',
  'maximum',
  'minimum',
  'pow',
  'neg',
  'exp',
  'log',
  'sqrt',
  'square',
  'abs',
  'relu',
  'prelu',
  'sigmoid',
  'tanh',
  'softmax',
  'logSoftmax',
  'matmul',
  'transpose',
  'reshape',
  'flatten',
  'slice',
  'gather',
  'sum',
  'mean',
  'max',
  'min',
  'argmax',
  'argmin',
  'clone',
  'detach',
] as const;

describe('registry', () => {
  it('every API op is a function and a Tensor method of the same name', () => {
    for (const name of apiOps) {
      expect(typeof (sg as unknown as Record<string, unknown>)[name], name).toBe('function');
      expect(typeof (sg.Tensor.prototype as unknown as Record<string, unknown>)[name], `Tensor.${name}`).toBe(
        'function',
      );
    }
    expect(typeof sg.concat).toBe('function');
    const x = sg.tensor([[1, -2]]);
    expect(x.relu().toArray()).toEqual(sg.relu(x).toArray());
    expect(x.T.shape).toEqual([2, 1]);
    expect(x.sum(1, true).shape).toEqual([1, 1]);
  });

  it('flatten and T are reshape and transpose with gradients', () => {
    const x = sg.tensor(
      Float32Array.from({ length: 24 }, (_, i) => i),
      [2, 3, 4],
    );
    x.attachGrad();
    const m0 = sg.memory();
    sg.tidy(() => {
      // torch.flatten: all axes by default, or startDim…endDim (inclusive, negative from the end)
      const f = x.flatten();
      expect(f.shape).toEqual([24]);
      expect(Array.from(f.data())).toEqual(Array.from(x.data()));
      expect(x.flatten(1).shape).toEqual([2, 12]);
      expect(sg.flatten(x, 0, 1).shape).toEqual([6, 4]);
      expect(x.flatten(-2, -1).shape).toEqual([2, 12]);
      expect(x.flatten(1, 1).shape).toEqual([2, 3, 4]);
      expect(sg.flatten(sg.tensor(5)).shape).toEqual([1]);
      expect(sg.zeros([0, 3]).flatten().shape).toEqual([0]);
      expect(() => x.flatten(2, 1)).toThrow(/flatten: startDim 2 comes after endDim 1 for shape \[2,3,4\]/);
      expect(() => x.flatten(3)).toThrow(/flatten: axis 3 is out of range for shape \[2,3,4\]/);
      // nn.Flatten keeps the batch axis, as PyTorch's (startDim = 1)
      expect(new sg.nn.Flatten().forward(x).shape).toEqual([2, 12]);
      const y = sg.autograd.record(() =>
        x
          .flatten(1)
          .T.mul(sg.arange(12).reshape([12, 1]))
          .sum(),
      );
      y.backward();
    });
    expect(Array.from(x.grad!.data())).toEqual(Array.from({ length: 24 }, (_, i) => i % 12));
    expect(sg.memory()).toEqual(m0);
    x.dispose();
  });

  it('every table op is registered with its name', () => {
    expect(new Set(sg.opNames).size).toBe(sg.opNames.length);
    for (const name of ['add', 'matmul', 'softmax', 'argmax', 'detach', 'gather'] as const)
      expect(sg.opNames).toContain(name);
  });

  it('scalars are accepted where a tensor is', () => {
    const m0 = sg.memory();
    const r = sg.tidy(() => [
      sg.sum(3).item(),
      sg.mean(4, undefined, false).item(),
      sg.softmax(2).item(),
      sg.exp(0).item(),
      sg.relu(-1).item(),
      sg.prelu(-2, 0.5).item(),
      sg.add(2, 3).item(),
      sg.reshape(5, [1, 1]).shape,
      sg.argmax(7).item(),
    ]);
    expect(r).toEqual([3, 4, 1, 1, 0, -1, 5, [1, 1], 0]);
    expect(sg.memory().tensors).toBe(m0.tensors);
  });

  it('a user op from defineOp: its forward composes ops untaped; its backward is the only gradient path', () => {
    // straight-through estimator: forward relu, backward identity
    const ste = sg.defineOp({
      name: 'ste',
      save: { inputs: [], output: false },
      forward: ([x]) => sg.relu(x),
      backward: (dy) => [dy],
    });
    const x = sg.tensor([-1, 2, -3]);
    x.attachGrad();
    const m0 = sg.memory();
    sg.tidy(() => sg.autograd.record(() => ste([x], undefined).sum()).backward());
    expect(Array.from(x.grad!.data())).toEqual([1, 1, 1]);
    expect(sg.memory()).toEqual(m0);
    x.dispose();
  });

  it('an op without a backward is a type error; a non-differentiable op says backward: null', () => {
    // @ts-expect-error: backward is required (a function, or null)
    const bad = sg.defineOp({ name: 'bad', save: { inputs: [], output: false }, forward: ([x]) => sg.clone(x) });
    const constant = sg.defineOp({
      name: 'constant',
      save: { inputs: [], output: false },
      forward: ([x]) => sg.clone(x),
      backward: null,
    });
    const x = sg.tensor([1]);
    x.attachGrad();
    const y = sg.autograd.record(() => constant([x], undefined));
    expect(() => y.backward()).toThrow(/record/); // a constant: never taped
    expect(typeof bad).toBe('function');
    for (const t of [x, y]) t.dispose();
  });
});
