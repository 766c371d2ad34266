// The 2 GiB repro, for real: a tensor of 2^29 floats (2^31 bytes), then a small
// tensor, which must land outside it; memory() counts both and the sums are
// right. Past 4 GiB: a SimdgradError that says memory, and the engine stays usable.
// Its own file (own worker), so the grown memory goes away with it.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await sg.init({ simd: 'simd128' });
});

describe('tensors of 2 GiB and more', () => {
  it('full([2**29], 7): a small tensor created after it is separate and both sum right', () => {
    const big = sg.full([2 ** 29], 7);
    const small = sg.tensor(Array.from({ length: 20 }, (_, i) => i + 1));
    const m = sg.memory();
    expect(m.bytes).toBeGreaterThanOrEqual(2 ** 31 + 80);
    expect(m.wasmBytes).toBeGreaterThan(2 ** 31 + 80);
    expect(small.sum().item()).toBe(210);
    expect(Array.from(big.slice([2 ** 29 - 3], [3]).data())).toEqual([7, 7, 7]);
    expect(big.max().item()).toBe(7);
    // a second 2 GiB does not fit next to the first: out of memory, nothing half-made
    const before = sg.memory().tensors;
    expect(() => sg.full([2 ** 29], 1)).toThrow(sg.SimdgradError);
    expect(() => sg.full([2 ** 29], 1)).toThrow(/full: out of memory/);
    expect(sg.memory().tensors).toBe(before);
    expect(small.mul(2).sum().item()).toBe(420);
    big.dispose();
    small.dispose();
  });

  it('2^30 elements (4 GiB of float32): a SimdgradError that says memory', () => {
    expect(() => sg.zeros([2 ** 30])).toThrow(/zeros: .*memory/);
    expect(() => sg.zeros([2 ** 15, 2 ** 16])).toThrow(/zeros: .*memory/);
    expect(sg.add(sg.ones([3]), 1).toArray()).toEqual([2, 2, 2]);
  });
});
