// SPDX-License-Identifier: MIT
// matmul for 1-D, 2-D and batched 3-D operands on the GEMM kernels. A transpose
// view (`b.T`, src/view.ts) is never copied: matmul(a, b.T) runs gemm_nt on b
// and matmul(a.T, b) gemm_tn on a; the backward uses NT/TN too
// (tfjs BatchMatMul_grad's four transpose cases). 1-D operands are promoted
// ([K] → [1,K] on the left, [K,1] on the right) and the unit dim dropped after.

import { fill } from '../buffers.js';
import { engine, wsFor } from '../engine/load.js';
import { fail, fmt } from '../errors.js';
import { empty, Tensor } from '../tensor.js';
import { defineOp, method, type TensorOrScalar } from './registry.js';

export interface MatmulAttrs {
  /** a is stored transposed ([K,M]); b is stored transposed ([N,K]). Only for 2-D. */
  ta: boolean;
  tb: boolean;
  /** The user-facing shapes, for messages. */
  sa: readonly number[];
  sb: readonly number[];
}

interface Plan {
  batch: number;
  /** per-batch element strides (0: shared operand) */
  strideA: number;
  strideB: number;
  M: number;
  K: number;
  N: number;
  out: number[];
}

function plan({ sa, sb }: MatmulAttrs): Plan {
  const op = 'matmul';
  if (sa.length === 0 || sb.length === 0) {
    fail(op, `operands must be at least 1-D, got ${fmt(sa)} @ ${fmt(sb)}`);
  }
  if (sa.length > 3 || sb.length > 3) fail(op, `operands must be 1-D, 2-D or 3-D, got ${fmt(sa)} @ ${fmt(sb)}`);
  const ea = sa.length === 1 ? [1, sa[0]] : sa; // effective shapes
  const eb = sb.length === 1 ? [sb[0], 1] : sb;
  const M = ea[ea.length - 2];
  const K = ea[ea.length - 1];
  const N = eb[eb.length - 1];
  if (eb[eb.length - 2] !== K) fail(op, `inner dimensions differ: ${fmt(sa)} @ ${fmt(sb)}`);
  const ba = ea.length === 3 ? ea[0] : 1;
  const bb = eb.length === 3 ? eb[0] : 1;
  if (ea.length === 3 && eb.length === 3 && ba !== bb && ba !== 1 && bb !== 1) {
    fail(op, `batch dimensions differ: ${fmt(sa)} @ ${fmt(sb)} (${ba} vs ${bb})`);
  }
  const batched = ea.length === 3 || eb.length === 3;
  const batch = Math.max(ba, bb);
  const out: number[] = [];
  if (batched) out.push(batch);
  if (sa.length !== 1) out.push(M);
  if (sb.length !== 1) out.push(N);
  return {
    batch,
    strideA: ea.length === 3 && ba !== 1 ? M * K : 0,
    strideB: eb.length === 3 && bb !== 1 ? K * N : 0,
    M,
    K,
    N,
    out,
  };
}

function gemm(
  ta: boolean,
  tb: boolean,
  a: number,
  b: number,
  c: number,
  M: number,
  N: number,
  K: number,
  acc: boolean,
) {
  const e = engine();
  const f = ta ? e.k.gemm_tn : tb ? e.k.gemm_nt : e.k.gemm_nn;
  f(a, b, c, M, N, K, acc ? 1 : 0, wsFor(e, M));
}

const matmulOp = defineOp<MatmulAttrs>({
  name: 'matmul',
  save: { inputs: [0, 1], output: false },
  forward: ([a, b], attrs) => {
    const p = plan(attrs);
    const c = empty(p.out, 'matmul');
    if (c.size === 0) return c;
    const { M, N, K, strideA, strideB } = p;
    if (strideA !== 0 && strideB === 0 && !attrs.tb) {
      // [B,M,K] @ [K,N]: one GEMM over B·M rows
      gemm(false, false, a.ptr, b.ptr, c.ptr, p.batch * M, N, K, false);
      return c;
    }
    for (let i = 0; i < p.batch; i++) {
      gemm(attrs.ta, attrs.tb, a.ptr + 4 * i * strideA, b.ptr + 4 * i * strideB, c.ptr + 4 * i * M * N, M, N, K, false);
    }
    return c;
  },
  backward: (dc, { inputs: [a, b], attrs, needs }) => {
    const p = plan(attrs);
    const { M, N, K, strideA, strideB, batch } = p;
    const { ta, tb } = attrs;
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (needs[0]) {
      da = empty(a.shape, 'matmul');
      if (strideA === 0 && da.size) fill(da, 0); // shared over the batch: accumulated
      const fold = strideA !== 0 && strideB === 0 && !tb;
      if (fold && da.size) gemm(false, true, dc.ptr, b.ptr, da.ptr, batch * M, K, N, false); // [B·M,K] = dC·Bᵀ
      for (let i = 0; i < batch && da.size && !fold; i++) {
        const g = dc.ptr + 4 * i * M * N;
        const bp = b.ptr + 4 * i * strideB;
        const dp = da.ptr + 4 * i * strideA;
        const acc = strideA === 0;
        if (ta)
          gemm(false, true, bp, g, dp, K, M, N, acc); // dAs[K,M] = B·dCᵀ
        else if (tb)
          gemm(false, false, g, bp, dp, M, K, N, acc); // dA = dC·Bs
        else gemm(false, true, g, bp, dp, M, K, N, acc); // dA = dC·Bᵀ
      }
    }
    if (needs[1]) {
      db = empty(b.shape, 'matmul');
      if (strideB === 0 && db.size) fill(db, 0);
      if (strideB === 0 && strideA !== 0 && !tb && !ta && db.size) {
        // [B,M,K] @ [K,N]: dB = Aᵀ·dC over all B·M rows at once
        gemm(true, false, a.ptr, dc.ptr, db.ptr, K, N, batch * M, false);
      } else {
        for (let i = 0; i < batch && db.size; i++) {
          const g = dc.ptr + 4 * i * M * N;
          const ap = a.ptr + 4 * i * strideA;
          const dp = db.ptr + 4 * i * strideB;
          const acc = strideB === 0;
          if (tb)
            gemm(true, false, g, ap, dp, N, K, M, acc); // dBs[N,K] = dCᵀ·A
          else if (ta)
            gemm(false, false, ap, g, dp, K, N, M, acc); // dB = As·dC
          else gemm(true, false, ap, g, dp, K, N, M, acc); // dB = Aᵀ·dC
        }
      }
    }
    return [da, db];
  },
});

/** The base of a live transpose view, or null. */
function viewBase(t: TensorOrScalar): Tensor | null {
  return t instanceof Tensor && !t.disposed ? t.base : null;
}

/** Matrix product: 1-D·1-D (dot), 2-D, and batched 3-D (batch 1 broadcasts). */
export function matmul(a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const shape = (t: TensorOrScalar) => (t instanceof Tensor ? t.check('matmul').shape : []);
  const sa = shape(a);
  const sb = shape(b);
  const srcB = viewBase(b);
  const srcA = srcB ? null : viewBase(a); // both views: a is copied (registry.ts contiguous)
  const attrs = { ta: srcA !== null, tb: srcB !== null, sa, sb };
  return matmulOp([srcA ?? a, srcB ?? b], attrs);
}

export const matmulOps = { matmul: matmulOp };

declare module '../tensor.js' {
  interface Tensor {
    /** The matrix product `this @ other` (1-D, 2-D or batched 3-D); see {@link matmul}. */
    matmul(other: TensorOrScalar): Tensor;
  }
}
method('matmul', matmul);
