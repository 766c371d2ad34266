// The tensor core: creation, reading, validation before allocation, dispose.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await sg.init();
});

/** Runs `fn`, expects a SimdgradError matching `re`, memory unchanged, and the engine still usable. */
function expectError(fn: () => unknown, re: RegExp): void {
  const before = sg.memory();
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(sg.SimdgradError);
  expect((err as Error).name).toBe('SimdgradError');
  expect((err as Error).message).toMatch(re);
  const after = sg.memory();
  expect({ tensors: after.tensors, bytes: after.bytes }).toEqual({ tensors: before.tensors, bytes: before.bytes });
  const ok = sg.add(sg.ones([3]), 1);
  expect(Array.from(ok.data())).toEqual([2, 2, 2]);
  ok.dispose();
}

describe('creation', () => {
  it('builds from numbers, nested arrays, typed arrays and ArrayLikes', () => {
    expect(sg.tensor(3.5).shape).toEqual([]);
    expect(sg.tensor(3.5).item()).toBe(3.5);
    const t = sg.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.size).toBe(6);
    expect(t.ndim).toBe(2);
    expect(t.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(Array.from(sg.tensor(new Float64Array([0.1, 2])).data())).toEqual([Math.fround(0.1), 2]);
    expect(Array.from(sg.tensor(new Int32Array([1, -2, 3]), [3, 1]).data())).toEqual([1, -2, 3]);
    expect(sg.tensor({ length: 2, 0: 7, 1: 8 } as ArrayLike<number>).toArray()).toEqual([7, 8]);
    expect(sg.tensor([1, 2, 3, 4], [2, 2]).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(sg.tensor([]).shape).toEqual([0]);
    expect(sg.tensor([[], []]).shape).toEqual([2, 0]);
  });

  it('keeps NaN and infinities as values', () => {
    const d = sg.tensor([Number.NaN, Number.POSITIVE_INFINITY, -0]).data();
    expect(Number.isNaN(d[0])).toBe(true);
    expect(d[1]).toBe(Number.POSITIVE_INFINITY);
    expect(Object.is(d[2], -0)).toBe(true);
  });

  it('zeros, ones, full, eye', () => {
    expect(sg.zeros([2, 2]).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(Array.from(sg.ones([3]).data())).toEqual([1, 1, 1]);
    expect(Array.from(sg.full([2], -1.5).data())).toEqual([-1.5, -1.5]);
    expect(sg.eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(sg.zeros([0, 5]).size).toBe(0);
  });

  it("arange follows NumPy's length rule in float64", () => {
    const x = sg.arange(-8, 8, 0.1);
    expect(x.shape).toEqual([160]);
    const d = x.data();
    for (let i = 0; i < 160; i++) expect(d[i]).toBe(Math.fround(-8 + i * 0.1));
    expect(sg.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(sg.arange(1, 2, 0.3).size).toBe(Math.ceil((2 - 1) / 0.3));
    expect(sg.arange(5, 0, -2).toArray()).toEqual([5, 3, 1]);
    expect(sg.arange(3, 1).size).toBe(0);
  });

  it('linspace has exact endpoints', () => {
    expect(sg.linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(sg.linspace(2, 3, 1).toArray()).toEqual([2]);
    expect(sg.linspace(0, 1, 0).size).toBe(0);
    const d = sg.linspace(-8, 8, 7).data();
    expect(d[0]).toBe(-8);
    expect(d[6]).toBe(8);
  });
});

describe('reading', () => {
  it('data() is a copy; item() needs size 1; toString shows values and shape', () => {
    const t = sg.tensor([1, 2]);
    const d = t.data();
    d[0] = 99;
    expect(t.data()[0]).toBe(1);
    expect(String(t)).toBe('tensor([1, 2], shape=[2])');
    expect(String(sg.tensor(0.5))).toBe('tensor(0.5, shape=[])');
    expect(String(sg.zeros([300]))).toContain('...'); // test/print.test.ts has the rest
    expectError(() => t.item(), /item: .*\[2\].*size 1/);
  });
});

describe('bad input is a SimdgradError before any allocation', () => {
  it.each([
    [() => sg.tensor([1, 2, 3], [2, 2]), /tensor: 3 values.*\[2,2\]/],
    [() => sg.tensor([[1, 2], [3]] as number[][]), /tensor: ragged/],
    [() => sg.tensor(['a', 'b'] as unknown as number[]), /tensor: .*number/],
    [() => sg.tensor([{}] as unknown as number[]), /tensor: .*number/],
    [() => sg.tensor([1n] as unknown as number[]), /tensor: .*number/],
    [() => sg.tensor(new BigInt64Array(2) as unknown as number[]), /tensor: .*number/],
    [() => sg.tensor('abc' as unknown as number[]), /tensor: .*number/],
    [() => sg.zeros([2, -3]), /zeros: .*\[2,-3\].*negative/],
    [() => sg.zeros([2.5]), /zeros: .*integer/],
    [() => sg.ones([Number.NaN]), /ones: .*NaN|ones: .*not a number/],
    [() => sg.full([Number.POSITIVE_INFINITY], 1), /full: .*infinite/],
    [() => sg.zeros([65536, 65536]), /zeros: .*too large/],
    [() => sg.full([2], 'x' as unknown as number), /full: value must be a number/],
    [() => sg.arange(0, 1, 0), /arange: step/],
    [() => sg.linspace(0, 1, -1), /linspace: .*negative/],
    [() => sg.zeros('abc' as unknown as number[]), /zeros: shape must be an array/],
  ])('%#', (fn, re) => expectError(fn, re));
});

describe('dispose', () => {
  it('frees once; any later use names the op and says disposed', () => {
    const t = sg.tensor([1, 2, 3]);
    expect(t.disposed).toBe(false);
    t.dispose();
    expect(t.disposed).toBe(true);
    t.dispose();
    expectError(() => t.data(), /data: .*disposed/);
    expectError(() => t.toArray(), /toArray: .*disposed/);
    expectError(() => t.item(), /item: .*disposed/);
    expectError(() => sg.add(t, 1), /add: .*disposed/);
    expect(String(t)).toMatch(/disposed/);
  });
});
