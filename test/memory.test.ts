// Memory: counts, tidy (nested, throwing), growth with views re-derived,
// alignment and slack, zero-size tensors, the memory limit.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';

// A small maximum so the limit is reachable, above the ~1.2 MB GEMM workspace
// (gemm_ws_bytes) that init allocates.
const LIMIT = 64 * 65536;

beforeAll(async () => {
  await sg.init({ maxMemoryBytes: LIMIT });
});

const ptr = (t: sg.Tensor) => (t as unknown as { ptr: number }).ptr;

describe('memory()', () => {
  it('counts tensors and bytes; dispose returns them', () => {
    const m0 = sg.memory();
    const a = sg.zeros([10]);
    const b = sg.ones([3, 3]);
    expect(sg.memory().tensors).toBe(m0.tensors + 2);
    expect(sg.memory().bytes).toBe(m0.bytes + 76);
    a.dispose();
    b.dispose();
    expect(sg.memory()).toEqual(m0);
  });

  it('zero-size tensors take no block and keep their shape', () => {
    const t = sg.zeros([0, 7]);
    expect(ptr(t)).toBe(0);
    expect(t.shape).toEqual([0, 7]);
    expect(sg.add(t, sg.ones([7])).shape).toEqual([0, 7]);
    t.dispose();
  });

  it('hands out 16-byte-aligned blocks with at least 16 bytes of slack', () => {
    const ts = [1, 2, 3, 4, 5, 17, 33, 100].map((n) => sg.zeros([n]));
    const sorted = ts.slice().sort((x, y) => ptr(x) - ptr(y));
    for (let i = 0; i < sorted.length; i++) {
      expect(ptr(sorted[i]) % 16).toBe(0);
      if (i + 1 < sorted.length)
        expect(ptr(sorted[i + 1]) - ptr(sorted[i])).toBeGreaterThanOrEqual(sorted[i].size * 4 + 16);
    }
    for (const t of ts) t.dispose();
  });

  it('reuses freed blocks: a repeated workload does not grow memory', () => {
    const step = () => sg.tidy(() => sg.add(sg.ones([64, 64]), sg.ones([64])).dispose());
    for (let i = 0; i < 5; i++) step();
    const m = sg.memory();
    for (let i = 0; i < 200; i++) step();
    expect(sg.memory()).toEqual(m);
  });
});

describe('tidy', () => {
  it('frees what fn created except what it returns', () => {
    const m0 = sg.memory();
    const kept = sg.tidy(() => {
      const a = sg.ones([4]);
      const b = sg.add(a, 1);
      return { b, list: [sg.zeros([2])] };
    });
    expect(sg.memory().tensors).toBe(m0.tensors + 2);
    expect(Array.from(kept.b.data())).toEqual([2, 2, 2, 2]);
    kept.b.dispose();
    kept.list[0].dispose();
    expect(sg.memory()).toEqual(m0);
  });

  it('nests: a tensor returned from an inner tidy belongs to the outer one', () => {
    const m0 = sg.memory();
    sg.tidy(() => {
      const inner = sg.tidy(() => sg.ones([3]));
      expect(inner.disposed).toBe(false);
      return undefined;
    });
    expect(sg.memory()).toEqual(m0);
  });

  it('frees everything when fn throws, and rethrows', () => {
    const m0 = sg.memory();
    expect(() =>
      sg.tidy(() => {
        sg.ones([10]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(sg.memory()).toEqual(m0);
  });

  it('does not free kept tensors (and frees the others made beside them)', () => {
    const m0 = sg.memory();
    let kept: sg.Tensor | undefined;
    let dropped: sg.Tensor | undefined;
    const r = sg.tidy(() => {
      kept = sg.keep(sg.ones([2]));
      dropped = sg.ones([3]);
      return undefined;
    });
    expect(r).toBeUndefined();
    expect(dropped?.disposed).toBe(true);
    expect(kept?.disposed).toBe(false);
    expect(Array.from(kept?.data() ?? [])).toEqual([1, 1]);
    expect(sg.memory().tensors).toBe(m0.tensors + 1);
    expect(sg.memory().bytes).toBe(m0.bytes + 8);
    kept?.dispose();
    expect(sg.memory()).toEqual(m0);
  });
});

describe('growth and the limit', () => {
  it('data survives memory.grow and views are re-derived', () => {
    const before = sg.memory().wasmBytes;
    const a = sg.arange(0, 1000);
    const big = sg.zeros([60000]); // forces growth
    expect(sg.memory().wasmBytes).toBeGreaterThan(before);
    const d = a.data();
    for (let i = 0; i < 1000; i++) expect(d[i]).toBe(i);
    const c = sg.add(a, 1);
    expect(c.data()[999]).toBe(1000);
    for (const t of [a, big, c]) t.dispose();
  });

  it('past the maximum: an out-of-memory SimdgradError naming the bytes, and the engine stays usable', () => {
    const m0 = sg.memory();
    let err: Error | undefined;
    try {
      sg.zeros([LIMIT]);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(sg.SimdgradError);
    expect(err?.message).toMatch(/zeros: out of memory: requested \d+ bytes.*limit/);
    expect(sg.memory().tensors).toBe(m0.tensors);
    expect(Array.from(sg.add(sg.ones([2]), 1).data())).toEqual([2, 2]);
  });
});
