// Tape semantics (MXNet/d2l): write vs accumulate, a value used twice, unused
// leaves, pause/isRecording, grad/valueAndGrad, reentrancy (bit-identical),
// saved tensors freed after backward, allocation-stable parameter gradients,
// and matmul with lazily transposed operands.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniform } from './util/close.js';

beforeAll(async () => {
  await sg.init();
});

const arr = (t: sg.Tensor) => Array.from(t.data());
const mem = () => {
  const m = sg.memory();
  return { tensors: m.tensors, bytes: m.bytes };
};

describe('attachGrad and backward', () => {
  it('writes the gradient by default and adds with accumulate', () => {
    const x = sg.tensor([1, 2, 3]);
    x.attachGrad();
    const w = sg.tensor([1, 2, 3]);
    w.attachGrad({ accumulate: true });
    for (let i = 0; i < 3; i++) {
      const y = sg.autograd.record(() => sg.add(x.mul(2), w.mul(3)).sum());
      y.backward();
      y.dispose();
    }
    expect(arr(x.grad!)).toEqual([2, 2, 2]);
    expect(arr(w.grad!)).toEqual([9, 9, 9]);
    x.dispose();
    w.dispose();
  });

  it('a non-scalar result gets a head gradient of ones; a given head is used', () => {
    const x = sg.tensor([1, -2, 3]);
    x.attachGrad();
    const y = sg.autograd.record(() => x.square());
    y.backward();
    expect(arr(x.grad!)).toEqual([2, -4, 6]);
    const z = sg.autograd.record(() => x.square());
    const head = sg.tensor([1, 10, 100]);
    z.backward(head);
    expect(arr(x.grad!)).toEqual([2, -40, 600]);
    expect(arr(head)).toEqual([1, 10, 100]); // the head is not consumed
    for (const t of [x, y, z, head]) t.dispose();
  });

  it('a value used twice accumulates its gradient', () => {
    const x = sg.tensor([3]);
    x.attachGrad();
    const y = sg.autograd.record(() => {
      const h = x.mul(x); // x twice in one op
      return sg.add(h, x).sum(); // and again
    });
    y.backward();
    expect(arr(x.grad!)).toEqual([7]); // 2x + 1
    const z = sg.autograd.record(() => {
      const h = x.exp();
      return sg.add(h, h).sum(); // an intermediate used twice
    });
    z.backward();
    expect(x.grad!.item()).toBeCloseTo(2 * Math.exp(3), 4);
    for (const t of [x, y, z]) t.dispose();
  });

  it('leaves on the tape that get nothing get zeros (write mode)', () => {
    const x = sg.tensor([1, 2]);
    const w = sg.tensor([5, 5]);
    x.attachGrad();
    w.attachGrad();
    w.grad!.dispose();
    w.grad = sg.keep(sg.tensor([9, 9]));
    const y = sg.autograd.record(() => {
      sg.mul(w, 2); // on the tape, but y does not depend on it
      return sg.argmax(sg.mul(x, w)).add(x.sum()); // argmax: no gradient
    });
    y.backward();
    expect(arr(x.grad!)).toEqual([1, 1]);
    expect(arr(w.grad!)).toEqual([0, 0]);
    for (const t of [x, w, y]) t.dispose();
  });

  it('attachGrad on a tensor with a gradient keeps it and its mode', () => {
    const x = sg.tensor([1, 2]);
    x.attachGrad({ accumulate: true });
    const g = x.grad;
    x.attachGrad();
    expect(x.grad).toBe(g);
    for (let i = 0; i < 2; i++) {
      const y = sg.autograd.record(() => x.sum());
      y.backward();
      y.dispose();
    }
    expect(arr(x.grad!)).toEqual([2, 2]);
    x.dispose();
    expect(g!.disposed).toBe(true);
  });

  it('parameter gradients are allocation-stable: the same buffer is written each step', () => {
    const w = sg.tensor(uniform(12, 1), [3, 4]);
    w.attachGrad();
    const x = sg.tensor(uniform(8, 2), [2, 4]);
    const g = w.grad!;
    const ptr = (g as unknown as { ptr: number }).ptr;
    let m0: ReturnType<typeof mem> | null = null;
    for (let step = 0; step < 5; step++) {
      sg.tidy(() => {
        const y = sg.autograd.record(() => sg.matmul(x, w.T).relu().sum());
        y.backward();
      });
      expect(w.grad).toBe(g);
      expect((w.grad as unknown as { ptr: number }).ptr).toBe(ptr);
      if (m0) expect(mem()).toEqual(m0);
      m0 = mem();
    }
    w.dispose();
    x.dispose();
  });

  it('saved and internal tensors are freed after backward; tidy before backward defers their free', () => {
    const x = sg.tensor(uniform(6, 3), [2, 3]);
    x.attachGrad();
    const m0 = mem();
    const y = sg.autograd.record(() =>
      sg.tidy(() =>
        sg
          .max(sg.softmax(x.mul(3).add(1)), 1)
          .mul(2)
          .sum(),
      ),
    ); // intermediates disposed by tidy, still saved by the tape
    y.backward();
    y.dispose();
    expect(mem()).toEqual(m0);
    x.dispose();
  });

  it('two identical passes give bit-identical gradients', () => {
    const run = () => {
      const w = sg.tensor(uniform(20 * 16, 4), [16, 20]);
      const x = sg.tensor(uniform(5 * 20, 5), [5, 20]);
      w.attachGrad();
      const y = sg.autograd.record(() => sg.logSoftmax(sg.matmul(x, w.T).tanh()).mean());
      y.backward();
      const g = w.grad!.data();
      for (const t of [w, x, y]) t.dispose();
      return g;
    };
    expect(run()).toEqual(run());
  });
});

describe('record, pause, isRecording', () => {
  it('isRecording is true inside record only, and pause stops taping', () => {
    expect(sg.autograd.isRecording()).toBe(false);
    const x = sg.tensor([2]);
    x.attachGrad();
    const y = sg.autograd.record(() => {
      expect(sg.autograd.isRecording()).toBe(true);
      const c = sg.autograd.pause(() => {
        expect(sg.autograd.isRecording()).toBe(false);
        return x.mul(5); // not taped: a constant
      });
      return x.mul(c).sum();
    });
    expect(sg.autograd.isRecording()).toBe(false);
    y.backward();
    expect(arr(x.grad!)).toEqual([10]);
    for (const t of [x, y]) t.dispose();
  });

  it('an exception inside record leaves nothing recording and nothing leaked', () => {
    const x = sg.tensor([2]);
    x.attachGrad();
    const m0 = mem();
    expect(() =>
      sg.autograd.record(() =>
        sg.tidy(() => {
          x.mul(3).exp();
          throw new Error('boom');
        }),
      ),
    ).toThrow('boom');
    expect(sg.autograd.isRecording()).toBe(false);
    expect(mem()).toEqual(m0);
    x.dispose();
  });

  it('detach and ops outside record are constants', () => {
    const x = sg.tensor([1, 2]);
    x.attachGrad();
    const y = sg.autograd.record(() => x.mul(x.detach()).sum());
    y.backward();
    expect(arr(x.grad!)).toEqual([1, 2]);
    for (const t of [x, y]) t.dispose();
  });
});

describe('grad and valueAndGrad', () => {
  it('grad returns the array of gradients, also for one argument', () => {
    const f = (a: sg.Tensor, b: sg.Tensor) => sg.mul(a, b).sum();
    const a = sg.tensor([1, 2]);
    const b = sg.tensor([3, 4]);
    const [ga, gb] = sg.grad(f)(a, b);
    expect(arr(ga)).toEqual([3, 4]);
    expect(arr(gb)).toEqual([1, 2]);
    const [only] = sg.grad((t: sg.Tensor) => t.square().sum())(a);
    expect(arr(only)).toEqual([2, 4]);
    expect(a.grad).toBeNull(); // the caller's tensors are left as they were
    for (const t of [a, b, ga, gb, only]) t.dispose();
  });

  it('valueAndGrad returns [value, grads]; an unused argument gets zeros', () => {
    const a = sg.tensor([1, 2, 3]);
    const b = sg.tensor([7]);
    const m0 = mem();
    const [v, [ga, gb]] = sg.valueAndGrad((x: sg.Tensor, _y: sg.Tensor) => x.mean())(a, b);
    expect(v.item()).toBeCloseTo(2, 6);
    expect(arr(ga)).toEqual([1 / 3, 1 / 3, 1 / 3].map(Math.fround));
    expect(arr(gb)).toEqual([0]);
    for (const t of [v, ga, gb]) t.dispose();
    expect(mem()).toEqual(m0);
    a.dispose();
    b.dispose();
  });

  it('inside an outer record, grad uses its own tape and leaves the outer one usable', () => {
    const x = sg.tensor([1, 2]);
    x.attachGrad();
    const y = sg.autograd.record(() => {
      const h = x.mul(3);
      const [g] = sg.grad((t: sg.Tensor) => t.square().sum())(sg.tensor([5]));
      expect(Array.from(g.data())).toEqual([10]);
      g.dispose();
      expect(sg.autograd.isRecording()).toBe(true);
      return h.sum();
    });
    y.backward();
    expect(Array.from(x.grad!.data())).toEqual([3, 3]);
    x.dispose();
    y.dispose();
  });

  it('keeps a parameter gradient intact', () => {
    const w = sg.tensor([1, 1]);
    w.attachGrad({ accumulate: true });
    const g = w.grad!;
    const [gw] = sg.grad((t: sg.Tensor) => t.mul(4).sum())(w);
    expect(arr(gw)).toEqual([4, 4]);
    expect(w.grad).toBe(g);
    expect(w.gradReq).toBe('add');
    expect(arr(g)).toEqual([0, 0]);
    gw.dispose();
    w.dispose();
  });
});

describe('matmul with transposed operands', () => {
  it('a·bᵀ and aᵀ·b read the source without materializing the transpose', () => {
    const a = sg.tensor(uniform(12, 6), [3, 4]);
    const b = sg.tensor(uniform(20, 7), [5, 4]);
    const c = sg.tensor(uniform(15, 8), [3, 5]);
    const bT = b.T;
    const ref1 = sg.matmul(a, sg.clone(b).T.clone());
    const r1 = sg.matmul(a, bT);
    expect((bT as unknown as { pendingFill: unknown }).pendingFill).not.toBeNull(); // never filled
    expect(arr(r1)).toEqual(arr(ref1));
    const aT = a.T;
    const r2 = sg.matmul(aT, c);
    expect((aT as unknown as { pendingFill: unknown }).pendingFill).not.toBeNull();
    expect(r2.shape).toEqual([4, 5]);
    expect(arr(aT)).toEqual(arr(sg.transpose(sg.clone(a)).clone())); // reading realizes it
    for (const t of [a, b, c, bT, ref1, r1, aT, r2]) t.dispose();
  });

  it('gradients through a·wᵀ match the materialized version bit for bit', () => {
    const x = sg.tensor(uniform(6 * 7, 9), [6, 7]);
    const w1 = sg.tensor(uniform(5 * 7, 10), [5, 7]);
    const w2 = sg.tensor(uniform(5 * 7, 10), [5, 7]);
    w1.attachGrad();
    w2.attachGrad();
    sg.autograd.record(() => sg.matmul(x, w1.T).sum()).backward();
    sg.autograd.record(() => sg.matmul(x, w2.T.clone()).sum()).backward();
    expect(arr(w1.grad!)).toEqual(arr(w2.grad!));
  });

  it.each([
    ['a.T @ b', [7, 3], [7, 5], true, false],
    ['a @ b.T', [3, 7], [5, 7], false, true],
    ['a.T @ b (batched b)', [7, 3], [2, 7, 5], true, false],
    ['a @ b.T (batched a)', [2, 3, 7], [5, 7], false, true],
    ['a.T @ b.T', [7, 3], [5, 7], true, true],
  ] as const)('%s: values and gradients match the materialized transposes', (_, sa, sb, ta, tb) => {
    const size = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);
    const run = (lazy: boolean) =>
      sg.tidy(() => {
        const a = sg.tensor(uniform(size(sa), 21), [...sa]);
        const b = sg.tensor(uniform(size(sb), 22), [...sb]);
        a.attachGrad();
        b.attachGrad();
        const head = sg.tensor(uniform(size(sa.length === 3 ? [2, 3, 5] : sb.length === 3 ? [2, 3, 5] : [3, 5]), 23));
        const y = sg.autograd.record(() => {
          const A = ta ? (lazy ? a.T : a.T.clone()) : a;
          const B = tb ? (lazy ? b.T : b.T.clone()) : b;
          return sg.matmul(A, B);
        });
        y.backward(sg.reshape(head, y.shape));
        return [y.data(), a.grad!.data(), b.grad!.data()];
      });
    const [y1, ga1, gb1] = run(true);
    const [y2, ga2, gb2] = run(false);
    const close = (p: Float32Array, q: Float32Array) => {
      for (let i = 0; i < p.length; i++) expect(Math.abs(p[i] - q[i])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(q[i])));
    };
    close(y1, y2);
    close(ga1, ga2);
    close(gb1, gb2);
  });

  it('disposing the source realizes a pending transpose first', () => {
    const a = sg.tensor([
      [1, 2],
      [3, 4],
    ]);
    const t = a.T;
    a.dispose();
    expect(t.toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    t.dispose();
  });
});
