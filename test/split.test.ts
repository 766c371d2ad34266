// How the engine cuts a GEMM into row shares for the threads (src/engine/cuts.ts, split.ts):
// guided shares, largest first, so that the last ones are small. The bits never
// depend on the cut (test/threads.test.ts checks them); this checks the cut itself.
// And the threaded kernel table (threadedKernels), over stand-in kernels and a
// stand-in pool: a call too small to split reaches its kernel with exactly the
// arguments given, whatever the kernel's arity, and never the pool; the size
// from which a call splits is the one the split's share count gives (2 × the
// row's minimum per share), also with the quick check in front of the split;
// split-all and split-none still override the sizes. The real pool and kernels
// run in test/threads.test.ts (the same bits with 1–4 threads).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { guided } from '../src/engine/cuts.js';
import type { Kernels } from '../src/engine/kernels.js';
import { type Pool, SPLIT_ALL, SPLIT_AUTO, SPLIT_NONE } from '../src/engine/pool.js';
import { SplitProfile } from '../src/engine/profile.js';
import { threadedKernels } from '../src/engine/split.js';

type Fn = (...a: number[]) => void;

/** Every function export of the simd128 build as a stand-in of the same arity that records its calls. */
function standIns(): { raw: Record<string, Fn>; calls: [string, number[]][] } {
  const mod = new WebAssembly.Module(readFileSync(new URL('../build/simd128.wasm', import.meta.url)));
  const memory = new WebAssembly.Memory({ initial: 64 });
  const real = new WebAssembly.Instance(mod, { env: { memory } }).exports as Record<string, unknown>;
  const calls: [string, number[]][] = [];
  const raw: Record<string, Fn> = {};
  for (const { name, kind } of WebAssembly.Module.exports(mod)) {
    if (kind !== 'function') continue;
    const f: Fn = (...a) => {
      calls.push([name, a]);
    };
    Object.defineProperty(f, 'length', { value: (real[name] as Fn).length });
    raw[name] = f;
  }
  return { raw, calls };
}

interface FakePool {
  mode: number;
  perThread: number;
  ws: number[];
  size: number;
  started: boolean;
  runs: { fn: number; parts: number[][]; wsAt: number }[];
  fn(name: string): number;
  available(): number;
  run(fn: number, parts: number[][], wsAt: number): void;
}

function fakePool(): FakePool {
  return {
    mode: SPLIT_AUTO,
    perThread: 4,
    ws: [64, 128],
    size: 2,
    started: true,
    runs: [],
    fn: (name) => name.length,
    available() {
      return this.size;
    },
    run(fn, parts, wsAt) {
      this.runs.push({ fn, parts, wsAt });
    },
  };
}

function setup(all = false) {
  const { raw, calls } = standIns();
  const pool = fakePool();
  const k = threadedKernels(raw as unknown as Kernels, pool as unknown as Pool, () => 5, all) as unknown as Record<
    string,
    Fn
  >;
  const wrapped = Object.keys(raw).filter((n) => k[n] !== raw[n]);
  return { raw, calls, pool, k, wrapped };
}

describe('threadedKernels', () => {
  it('wraps the splittable kernels, each of every arity the table holds', () => {
    const { raw, wrapped } = setup();
    expect(wrapped).toEqual(expect.arrayContaining(['gemm_nn', 'linear_packed_fwd', 'linear_bwd', 'softmax_fwd']));
    const arities = new Set(wrapped.map((n) => raw[n].length));
    expect([...arities].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 8, 10, 12, 13, 15, 17, 18]);
  });

  it('a call too small to split reaches its kernel with exactly its arguments, and never the pool', () => {
    const { raw, calls, pool, k, wrapped } = setup();
    for (const name of wrapped) {
      // distinct small values: every size product stays far below any share's minimum
      const args = Array.from({ length: raw[name].length }, (_, i) => (i % 3) + 1 + i / 8);
      calls.length = 0;
      k[name](...args);
      expect(calls, name).toEqual([[name, args]]);
    }
    expect(pool.runs).toEqual([]);
  });

  it('splits from twice the minimum per share, as the split itself counts shares', () => {
    const { calls, pool, k } = setup();
    // add_fwd (a, b, out, d0, d1, d2, d3, sa0..3, sb0..3): elementwise, 2^15 elements per share
    const add = (n: number) => k.add_fwd(0, 65536, 131072, 1, 1, 1, n, 0, 0, 0, 1, 0, 0, 0, 1);
    add(2 ** 16 - 4);
    expect(pool.runs).toHaveLength(0);
    expect(calls).toHaveLength(1);
    add(2 ** 16);
    expect(pool.runs).toHaveLength(1);
    expect(pool.runs[0].parts.map((p) => p[6])).toEqual([2 ** 15, 2 ** 15]);
    // linear_packed_fwd (x, w, b, alpha, z, y, M, N, K, act, alphaN, ws): 2^17 multiply-adds per share
    calls.length = 0;
    k.linear_packed_fwd(0, 0, 0, 0, 0, 0, 1, 256, 784, 1, 0, 64); // batch-1: whole
    k.linear_packed_fwd(0, 0, 0, 0, 0, 0, 4, 128, 511, 1, 0, 64); // 2^18 − 512 multiply-adds: whole
    expect(calls.map(([n]) => n)).toEqual(['linear_packed_fwd', 'linear_packed_fwd']);
    expect(pool.runs).toHaveLength(1);
    k.linear_packed_fwd(0, 0, 0, 0, 0, 0, 64, 256, 784, 1, 0, 64);
    expect(pool.runs).toHaveLength(2);
  });

  it('split-none runs every call whole; split-all (the mode or the init option) splits small calls', () => {
    const { calls, pool, k } = setup();
    pool.mode = SPLIT_NONE;
    k.add_fwd(0, 65536, 131072, 1, 1, 1, 2 ** 20, 0, 0, 0, 1, 0, 0, 0, 1);
    expect(calls).toHaveLength(1);
    expect(pool.runs).toHaveLength(0);
    pool.mode = SPLIT_ALL;
    k.add_fwd(0, 64, 128, 1, 1, 1, 64, 0, 0, 0, 1, 0, 0, 0, 1);
    expect(pool.runs).toHaveLength(1);
    const all = setup(true);
    all.k.softmax_fwd(0, 64, 2, 10);
    expect(all.pool.runs).toHaveLength(1);
    expect(all.calls).toHaveLength(0);
  });
});

const sizes = (c: number[]) => c.slice(1).map((x, i) => x - c[i]);

describe('guided row shares', () => {
  it('cover the rows once, in order, each about the rows left ÷ 2·threads', () => {
    for (const [rows, s, align, least] of [
      [256, 2, 6, 12],
      [64, 2, 6, 12],
      [784, 2, 5, 10],
      [4096, 4, 4, 8],
      [1000, 3, 6, 6],
    ]) {
      const c = guided(rows, s, align, least);
      expect(c[0]).toBe(0);
      expect(c.at(-1)).toBe(rows);
      const n = sizes(c);
      expect(n.every((x) => x > 0)).toBe(true);
      for (let i = 0; i < n.length - 1; i++) {
        const left = rows - c[i];
        expect(n[i] % align).toBe(0);
        expect(n[i]).toBe(Math.max(least, Math.ceil(left / (2 * s * align)) * align));
        if (i > 0) expect(n[i]).toBeLessThanOrEqual(n[i - 1]);
      }
    }
  });

  it('256 rows, 2 threads, 6-row tiles: 66 48 36 30 24 18 12 12 10; the last share takes a remainder under a tile', () => {
    expect(sizes(guided(256, 2, 6, 12))).toEqual([66, 48, 36, 30, 24, 18, 12, 12, 10]);
    expect(sizes(guided(17, 2, 6, 12))).toEqual([17]);
    expect(sizes(guided(0, 2, 6, 12))).toEqual([]);
  });
});

describe('the split profile (bench/splitprofile.mjs reads it through the pool hook)', () => {
  it('sums calls, shares, own shares, time and wait per kernel, and sorts the gaps between calls', () => {
    const p = new SplitProfile();
    p.record('linear_fwd', 9, 5, 0, 0.8, 1.0); // first call: gap from 0 is 0 ms
    p.record('linear_fwd', 9, 4, 1.05, 1.5, 2.0); // 0.05 ms after the last call ended
    p.record('sgd_step', 2, 1, 3.0, 3.07, 3.1); // 1 ms after
    p.record('sgd_step', 2, 1, 23.1, 23.17, 23.2); // 20 ms after
    const s = p.snapshot([{ spun: 3, slept: 1 }]);
    expect(Object.keys(s.kernels)).toEqual(['linear_fwd', 'sgd_step']);
    const [calls, shares, mine, ms, wait] = s.kernels.linear_fwd!;
    expect([calls, shares, mine]).toEqual([2, 18, 9]);
    expect(ms).toBeCloseTo(1.0 + 0.95, 12);
    expect(wait).toBeCloseTo(0.2 + 0.5, 12);
    expect(s.kernels.sgd_step!.slice(0, 3)).toEqual([2, 4, 2]);
    expect(s.gaps).toEqual([2, 0, 1, 0, 1]);
    expect(s.workers).toEqual([{ spun: 3, slept: 1 }]);
    // a snapshot is a copy: later calls do not change it
    p.record('sgd_step', 2, 2, 24, 24.1, 24.1);
    expect(s.gaps).toEqual([2, 0, 1, 0, 1]);
  });
});
