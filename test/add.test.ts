// Broadcast add end to end through the package, against a float64 reference.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertClose, uniform } from './util/close.js';

beforeAll(async () => {
  await sg.init();
});

/** NumPy broadcasting in plain float64 JS: the reference. */
function refBinary(a: Float32Array, as: number[], b: Float32Array, bs: number[], f: (x: number, y: number) => number) {
  const nd = Math.max(as.length, bs.length);
  const pa = [...Array(nd - as.length).fill(1), ...as];
  const pb = [...Array(nd - bs.length).fill(1), ...bs];
  const out = pa.map((d, i) => (d === 1 ? pb[i] : d));
  const size = out.reduce((s, d) => s * d, 1);
  const res = new Float64Array(size);
  const idx = new Array(nd).fill(0);
  for (let o = 0; o < size; o++) {
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < nd; i++) {
      ia = ia * pa[i] + (pa[i] === 1 ? 0 : idx[i]);
      ib = ib * pb[i] + (pb[i] === 1 ? 0 : idx[i]);
    }
    res[o] = f(a[ia], b[ib]);
    for (let i = nd - 1; i >= 0 && ++idx[i] === out[i]; i--) idx[i] = 0;
  }
  return { out, res };
}

const cases: [number[], number[]][] = [
  [[7], [7]],
  [[23], []],
  [[], [5]],
  [[3, 5], [5]],
  [
    [3, 5],
    [3, 1],
  ],
  [
    [3, 1],
    [1, 5],
  ],
  [
    [2, 3, 4],
    [3, 1],
  ],
  [
    [2, 1, 4],
    [3, 1],
  ],
  [
    [2, 3, 4, 5],
    [1, 3, 1, 5],
  ],
  [
    [2, 3, 2, 3, 2],
    [3, 1, 3, 1],
  ], // five dims that do not collapse: loops outside the kernel
  [
    [2, 1, 2, 1, 2, 1],
    [1, 3, 1, 3, 1, 3],
  ],
  [[1025], [1025]],
  [[17, 33], [33]],
  [[0, 3], [3]],
  [[4, 0], [1]],
];

describe('add', () => {
  it.each(cases)('%j + %j matches the f64 reference bit for bit', (as, bs) => {
    const na = as.reduce((s, d) => s * d, 1);
    const nb = bs.reduce((s, d) => s * d, 1);
    const a = uniform(na, 1, -1e3, 1e3);
    const b = uniform(nb, 2, -1, 1);
    const { out, res } = refBinary(a, as, b, bs, (x, y) => x + y);
    const c = sg.add(sg.tensor(a, as), sg.tensor(b, bs));
    expect(c.shape).toEqual(out);
    assertClose(c.data(), res.map(Math.fround), { exact: true });
  });

  it('accepts scalars on either side and is a method too', () => {
    expect(sg.add(1, sg.tensor([1, 2])).toArray()).toEqual([2, 3]);
    expect(sg.tensor([1, 2]).add(0.5).toArray()).toEqual([1.5, 2.5]);
    expect(sg.add(2, 3).item()).toBe(5);
  });

  it('propagates NaN and infinities, and an element gives the same bits at any position', () => {
    const x = sg.tensor([Number.NaN, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, -0, 1e30, 1e-45]);
    const y = sg.tensor([1, Number.NEGATIVE_INFINITY, 1, -0, 1e30, 1e-45]);
    const d = sg.add(x, y).data();
    expect(Number.isNaN(d[0])).toBe(true);
    expect(Number.isNaN(d[1])).toBe(true);
    expect(d[2]).toBe(Number.POSITIVE_INFINITY);
    expect(Object.is(d[3], -0)).toBe(true);
    expect(d[4]).toBe(Math.fround(2e30));
    expect(d[5]).toBe(Math.fround(1e-45) * 2); // denormals are kept (no flush to zero)
    for (let n = 1; n <= 17; n++) {
      for (let i = 0; i < n; i++) {
        const v = new Float32Array(n).fill(0.1);
        v[i] = 0.7;
        const r = sg.add(sg.tensor(v), 0.3).data();
        expect(r[i]).toBe(Math.fround(Math.fround(0.7) + Math.fround(0.3)));
      }
    }
  });

  it('names both shapes when they do not broadcast, leaving memory as it was', () => {
    const a = sg.zeros([2, 3]);
    const b = sg.zeros([4]);
    const m0 = sg.memory();
    expect(() => sg.add(a, b)).toThrow(/add: shapes \[2,3\] and \[4\] cannot be broadcast/);
    expect(sg.memory()).toEqual(m0);
  });
});
