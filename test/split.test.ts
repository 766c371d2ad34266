// How the engine cuts a GEMM into row shares for the threads (src/engine/split.ts):
// guided shares, largest first, so that the last ones are small. The bits never
// depend on the cut (test/threads.test.ts checks them); this checks the cut itself.
import { describe, expect, it } from 'vitest';
import { guided } from '../src/engine/split.js';

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
