// Small API lapses, each closed with a clear SimdgradError or the missing form:
// concat as a method, grad's errors naming grad, gather's non-integer index,
// rand's low > high, SGD without lr, DataLoader's non-integer labels, an async
// function passed to autograd.record. The engine stays usable after each.
import * as sg from 'simdgrad';
import { DataLoader } from 'simdgrad/data';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await sg.init();
});

function expectError(fn: () => unknown, re: RegExp) {
  const m0 = sg.memory();
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(sg.SimdgradError);
  expect((err as Error).message).toMatch(re);
  expect(sg.memory().tensors).toBe(m0.tensors);
}

describe('API lapses', () => {
  it('concat has a method form: a.concat([b, c], axis) ≡ concat([a, b, c], axis)', () => {
    sg.tidy(() => {
      const a = sg.tensor([[1, 2]]);
      const b = sg.tensor([[3, 4]]);
      const c = sg.tensor([[5, 6]]);
      expect(a.concat([b, c]).toArray()).toEqual(sg.concat([a, b, c]).toArray());
      expect(a.concat(b, 1).toArray()).toEqual([[1, 2, 3, 4]]);
      expect(a.concat([b], -1).shape).toEqual([1, 4]);
      // gradients flow to every part
      a.attachGrad();
      b.attachGrad();
      sg.autograd
        .record(() =>
          a
            .concat(b)
            .mul(sg.tensor([[1], [2]]))
            .sum(),
        )
        .backward();
      expect(a.grad?.toArray()).toEqual([[1, 1]]);
      expect(b.grad?.toArray()).toEqual([[2, 2]]);
      const wide = sg.ones([1, 3]);
      expectError(() => a.concat(wide), /concat: /);
      expectError(
        () => a.concat(5 as unknown as sg.Tensor),
        /concat: expected a tensor or an array of tensors, got number 5/,
      );
    });
  });

  it("sg.grad's errors say grad:, valueAndGrad's say valueAndGrad:", () => {
    const x = sg.ones([3]);
    expectError(() => sg.grad((t) => t.mul(2))(x), /^grad: f must return a scalar \(size 1\), got shape \[3\]/);
    expectError(() => sg.grad((t) => t.sum())(5 as unknown as sg.Tensor), /^grad: argument 0 must be a Tensor/);
    expectError(() => sg.grad(3 as unknown as () => sg.Tensor), /^grad: expected a function/);
    expectError(() => sg.valueAndGrad((t) => t.mul(2))(x), /^valueAndGrad: f must return a scalar/);
    expect(
      sg
        .grad((t) => t.sum())(x)[0]
        .toArray(),
    ).toEqual([1, 1, 1]);
    x.dispose();
  });

  it('gather: a fractional index is "not an integer", a large one "out of range"', () => {
    const x = sg.arange(0, 4);
    expectError(() => x.gather([0.5]), /gather: index 0.5 at position 0 is not an integer/);
    expectError(() => x.gather([1, Number.NaN]), /gather: index NaN at position 1 is not an integer/);
    expectError(() => x.gather([4]), /gather: index 4 at position 0 is out of range for axis 0 of \[4\] \(size 4\)/);
    expect(x.gather([3, 0]).toArray()).toEqual([3, 0]);
    x.dispose();
  });

  it('rand: low above high, NaN bounds or an infinite range are rejected', () => {
    expectError(() => sg.rand([3], { low: 2, high: 1 }), /rand: low must not exceed high, got low 2 and high 1/);
    expectError(() => sg.rand([3], { low: Number.NaN }), /rand: low must not exceed high/);
    expectError(() => sg.rand([3], { low: -3e38, high: 3e38 }), /rand: high − low must be a finite float32/);
    expect(Array.from(sg.rand([2], { low: 1, high: 1, seed: 0 }).data())).toEqual([1, 1]);
  });

  it('SGD without lr says lr is required', () => {
    const p = sg.zeros([2]);
    p.attachGrad();
    expectError(
      () => new sg.optim.SGD([p], {} as { lr: number }),
      /optim\.SGD: lr is required \(SGD has no default learning rate\), e\.g\. new optim\.SGD\(params, \{ lr: 0\.1 \}\)/,
    );
    expectError(() => new sg.optim.SGD([p], { lr: -1 }), /optim\.SGD: lr must be a non-negative number, got number -1/);
    expect(new sg.optim.SGD([p], { lr: 0.1 }).lr).toBe(0.1);
  });

  it('DataLoader rejects labels that are not class indices instead of truncating them', () => {
    const images = new Float32Array(3 * 2);
    expect(() => new DataLoader(images, [0, 1.5, 2], { batchSize: 2 })).toThrow(
      /DataLoader: labels must be class indices \(non-negative integers\); labels\[1\] is 1.5/,
    );
    expect(() => new DataLoader(images, [0, -1, 2], { batchSize: 2 })).toThrow(/labels\[1\] is -1/);
    expect(() => new DataLoader(images, Int32Array.from([0, 1, -2]), { batchSize: 2 })).toThrow(/labels\[2\] is -2/);
    expect(() => new DataLoader(images, [0, Number.NaN, 2], { batchSize: 2 })).toThrow(sg.SimdgradError);
    const ys = [...new DataLoader(images, [2, 0, 1], { batchSize: 3, shuffle: false })].map((b) => {
      b.x.dispose();
      return Array.from(b.y);
    });
    expect(ys).toEqual([[2, 0, 1]]);
  });

  it('autograd.record rejects an async function (and a returned Promise) as tidy does', () => {
    const x = sg.ones([2]);
    x.attachGrad();
    expectError(
      () => sg.autograd.record(async () => x.mul(2)),
      /autograd\.record: fn must be synchronous: ops after an await would run outside the tape \(got an async function\)/,
    );
    let made: sg.Tensor | undefined;
    expect(() =>
      sg.autograd.record(() => {
        made = x.mul(2);
        return Promise.resolve(made);
      }),
    ).toThrow(/autograd\.record: fn must be synchronous.*returned a Promise/);
    made?.dispose();
    expect(sg.autograd.isRecording()).toBe(false);
    // nested: same rule, and the outer tape still works
    const y = sg.autograd.record(() => {
      expect(() => sg.autograd.record(async () => x)).toThrow(/async function/);
      return x.mul(3).sum();
    });
    y.backward();
    expect(x.grad?.toArray()).toEqual([3, 3]);
    expect(() => sg.tidy(async () => x)).toThrow(/tidy: fn must be synchronous/);
    x.dispose();
  });
});
