// SPDX-License-Identifier: MIT
// Where a kernel call is cut into shares: how many shares a call's work allows,
// even cuts of a dimension, and the guided row cuts of a GEMM (split.ts uses
// them for every row of its table). Plain arithmetic on sizes, no engine state.

import { MAX_PER_THREAD } from './pool.js';

/** What a split needs to know of the engine at the call. */
export interface Ctx {
  ws: readonly number[];
  tileRows: number;
  /** Split every call whatever its size (init's splitAll: tests of the split itself). */
  all: boolean;
  /** GEMM row shares where B packs whole: 0 guided (rowCuts), n > 0 n equal shares per thread (pool.ts perThread). */
  per: number;
}

/** Floats of B that gemmRange packs whole, so that one thread's shares of a call pack it once (assembly/gemm.ts KC·NC). */
const B_WHOLE = 512 * 512;
export const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

/**
 * Row cuts of a GEMM for `s` threads. The shares are claimed as threads come
 * free (claim.ts), so a thread slowed by a neighbour takes fewer. Where B
 * (bFloats packed) packs whole, so that extra shares cost no extra packing:
 * guided shares, each about the rows left ÷ 2s (a multiple of the tile rows, at
 * least 2 tile rows), so that the last shares are small and the threads finish
 * together; at most MAX_PER_THREAD per thread. Else one share per thread.
 * `per` > 0 (the pool's test hook) gives `per` equal shares per thread instead.
 */
export function rowCuts(rows: number, s: number, bFloats: number, ctx: Ctx): number[] {
  const a = ctx.tileRows;
  if (bFloats > B_WHOLE) return cuts(rows, s, a);
  if (ctx.per > 0) {
    const most = ctx.all ? rows : Math.floor(rows / (2 * a));
    return cuts(rows, Math.max(s, Math.min(s * ctx.per, most)), a);
  }
  for (let least = ctx.all ? a : 2 * a; ; least *= 2) {
    const c = guided(rows, s, a, least);
    if (c.length - 1 < s) return cuts(rows, s, a);
    if (c.length - 1 <= s * MAX_PER_THREAD) return c;
  }
}

/** Cuts of `rows` into shares of ⌈rows left ÷ 2s⌉ rounded up to `align`, at least `least`; the last share takes a remainder under `align`. */
export function guided(rows: number, s: number, align: number, least: number): number[] {
  const out = [0];
  for (let at = 0; at < rows; ) {
    const left = rows - at;
    let n = Math.max(least, Math.ceil(left / (2 * s * align)) * align);
    if (left - n < align) n = left;
    at += n;
    out.push(at);
  }
  return out;
}

/** Share count for `work` units when a share needs `min`, capped by `p`. */
export function shares(work: number, min: number, p: number, ctx: Ctx): number {
  return ctx.all ? p : Math.max(1, Math.min(p, Math.floor(work / min)));
}

/** Boundaries 0 = b0 < … < bp = n, each a multiple of `align` except n. */
export function cuts(n: number, p: number, align: number): number[] {
  const out = [0];
  for (let i = 1; i < p; i++) out.push(Math.min(n, Math.round((n * i) / p / align) * align));
  out.push(n);
  return out;
}
