// Numerical stability through the public ops and the tape, with exact
// expectations (docs/testing.md §3).
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { ulpDistance } from './util/close.js';

beforeAll(async () => {
  await sg.init();
});

const data = (t: sg.Tensor) => Array.from(t.data());
const nan = Number.NaN;
const inf = Number.POSITIVE_INFINITY;

/** y = f(x) and dy/dx (head of ones) through the tape. */
function withGrad(x: number[], f: (t: sg.Tensor) => sg.Tensor): { y: number[]; g: number[] } {
  return sg.tidy(() => {
    const t = sg.tensor(x);
    t.attachGrad();
    const y = sg.autograd.record(() => f(t));
    y.backward();
    return { y: data(y), g: data(t.grad!) };
  });
}

describe('softmax and logSoftmax', () => {
  it('large logits give the same result as small ones (ONNX test_softmax_large_number)', () => {
    const want = [0.0320586, 0.0871443, 0.2368828, 0.6439143];
    for (const x of [
      [0, 1, 2, 3],
      [10000, 10001, 10002, 10003],
    ]) {
      sg.softmax(sg.tensor(x))
        .data()
        .forEach((v, i) => {
          expect(Math.abs(v - want[i])).toBeLessThan(1e-6);
        });
    }
  });

  it('exact cases: ties, ±1000, a one-hot row', () => {
    expect(data(sg.softmax(sg.tensor([100, 100])))).toEqual([0.5, 0.5]);
    expect(data(sg.softmax(sg.tensor([-100, -100])))).toEqual([0.5, 0.5]);
    expect(data(sg.softmax(sg.tensor([-1000, 1000])))).toEqual([0, 1]);
    expect(data(sg.softmax(sg.tensor([-400, -400, 0, -400])))).toEqual([0, 0, 1, 0]);
  });

  it('NaN makes its row NaN; −inf entries are 0; an all −inf row is NaN', () => {
    const y = sg
      .softmax(
        sg.tensor([
          [1, nan, 2],
          [0, -inf, 0],
          [-inf, -inf, -inf],
        ]),
      )
      .toArray() as number[][];
    expect(y[0].every(Number.isNaN)).toBe(true);
    expect(y[1]).toEqual([0.5, 0, 0.5]);
    expect(y[2].every(Number.isNaN)).toBe(true);
  });

  it('logSoftmax([0, −1e4]) = [0, −1e4]; a −inf entry stays −inf with finite gradients', () => {
    expect(data(sg.logSoftmax(sg.tensor([0, -1e4])))).toEqual([0, -1e4]);
    const r = withGrad([0, -inf, 1], (t) => sg.logSoftmax(t));
    expect(r.y[1]).toBe(-inf);
    expect(r.g.every(Number.isFinite)).toBe(true);
    // a head that ignores the −inf entry: its gradient there is exactly 0
    const h = sg.tidy(() => {
      const t = sg.tensor([0, -inf, 1]);
      t.attachGrad();
      const y = sg.autograd.record(() => sg.logSoftmax(t));
      y.backward(sg.tensor([1, 0, 1]));
      return data(t.grad!);
    });
    expect(h[1]).toBe(0);
    expect(h.every(Number.isFinite)).toBe(true);
  });
});

describe('sigmoid, tanh, relu, prelu at the extremes', () => {
  it('sigmoid(−1000) = +0, sigmoid(1000) = 1, sigmoid(−0) = 0.5, σ′(±1000) = 0 exactly', () => {
    const { y, g } = withGrad([-1000, 1000, -0, 88.7, -88.7, 104, -104], sg.sigmoid);
    expect(Object.is(y[0], 0)).toBe(true);
    expect(y[1]).toBe(1);
    expect(y[2]).toBe(0.5);
    expect(g[0]).toBe(0);
    expect(g[1]).toBe(0);
    expect(y.every(Number.isFinite)).toBe(true);
  });

  it('tanh(±50) = ±1 with tanh′ = 0; tanh(−0) = −0; tanh(1e-8) = 1e-8; tanh(±inf) = ±1', () => {
    const { y, g } = withGrad([50, -50, 10, -10, -0, 1e-8, inf, -inf], sg.tanh);
    expect(y.slice(0, 4)).toEqual([1, -1, 1, -1]);
    expect(g.slice(0, 2)).toEqual([0, 0]);
    expect(Object.is(y[4], -0)).toBe(true);
    expect(ulpDistance(y[5], 1e-8)).toBeLessThanOrEqual(1);
    expect(y.slice(6)).toEqual([1, -1]);
  });

  it('relu(−inf) = 0, relu(−0) = +0, NaN stays NaN; relu′(0) = relu′(−0) = 0', () => {
    const { y, g } = withGrad([-inf, -0, 0, nan, inf, 1e-45], sg.relu);
    expect(Object.is(y[0], 0)).toBe(true);
    expect(Object.is(y[1], 0)).toBe(true);
    expect(y[3]).toBeNaN();
    expect(y[4]).toBe(inf);
    expect(y[5]).toBe(Math.fround(1e-45));
    expect(g).toEqual([0, 0, 0, 0, 1, 1]);
  });

  it('prelu(−inf) = −inf, NaN stays NaN, ∂x at 0 is α (the left-hand derivative)', () => {
    const { y, g } = withGrad([-inf, nan, 0, -0, 2, -2], (t) => sg.prelu(t, 0.25));
    expect(y[0]).toBe(-inf);
    expect(y[1]).toBeNaN();
    expect(y.slice(2)).toEqual([0, -0, 2, -0.5]);
    expect(g.slice(2)).toEqual([0.25, 0.25, 1, 0.25]);
  });
});

describe('matmul IEEE propagation', () => {
  it('a NaN row gives a NaN row; inf·positive = inf; inf·0 = NaN', () => {
    const a = sg.tensor([
      [1, nan],
      [inf, 1],
      [inf, 0],
    ]);
    const b = sg.tensor([
      [2, 0],
      [1, 1],
    ]);
    const c = sg.matmul(a, b).toArray() as number[][];
    expect(c[0].every(Number.isNaN)).toBe(true);
    expect(c[1][0]).toBe(inf);
    expect(c[1][1]).toBeNaN(); // inf·0 + 1·1
    expect(c[2][1]).toBeNaN();
  });

  it('K = 0 gives zeros; M = 0 or N = 0 an empty result', () => {
    expect(data(sg.matmul(sg.zeros([2, 0]), sg.zeros([0, 3])))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(sg.matmul(sg.zeros([0, 4]), sg.ones([4, 3])).shape).toEqual([0, 3]);
    expect(sg.matmul(sg.ones([2, 4]), sg.ones([4, 0])).shape).toEqual([2, 0]);
  });
});
