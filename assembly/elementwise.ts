// SPDX-License-Identifier: MIT
// Broadcast binary ops. The TypeScript side collapses NumPy broadcasting to at
// most four output dims [d0, d1, d2, n] with element strides per operand
// (sa*/sb*, 0 on a broadcast axis); the innermost strides sa3/sb3 are 0 or 1.
// Output is contiguous. Never allocates; `out` may alias `a` or `b`.

import { storeLanes } from "./tail";

export const OP_ADD: i32 = 0;

/** One vector of `op`. Constant-folded after inlining, so each kernel gets its own loop. */
@inline
function binop(op: i32, x: v128, y: v128): v128 {
  if (op == OP_ADD) return f32x4.add(x, y);
  return x;
}

/** One contiguous output row of length n. */
@inline
function binaryRow(op: i32, pa: usize, pb: usize, po: usize, n: i32, sa: i32, sb: i32): void {
  let j = 0;
  if (sa == 1 && sb == 1) {
    for (; j + 4 <= n; j += 4) {
      const k = (<usize>j) << 2;
      v128.store(po + k, binop(op, v128.load(pa + k), v128.load(pb + k)));
    }
    if (j < n) {
      const k = (<usize>j) << 2;
      storeLanes(po + k, binop(op, v128.load(pa + k), v128.load(pb + k)), n - j);
    }
  } else if (sa == 1) {
    const y = v128.load32_splat(pb);
    for (; j + 4 <= n; j += 4) {
      const k = (<usize>j) << 2;
      v128.store(po + k, binop(op, v128.load(pa + k), y));
    }
    if (j < n) {
      const k = (<usize>j) << 2;
      storeLanes(po + k, binop(op, v128.load(pa + k), y), n - j);
    }
  } else if (sb == 1) {
    const x = v128.load32_splat(pa);
    for (; j + 4 <= n; j += 4) {
      const k = (<usize>j) << 2;
      v128.store(po + k, binop(op, x, v128.load(pb + k)));
    }
    if (j < n) {
      const k = (<usize>j) << 2;
      storeLanes(po + k, binop(op, x, v128.load(pb + k)), n - j);
    }
  } else {
    const v = binop(op, v128.load32_splat(pa), v128.load32_splat(pb));
    for (; j + 4 <= n; j += 4) v128.store(po + ((<usize>j) << 2), v);
    if (j < n) storeLanes(po + ((<usize>j) << 2), v, n - j);
  }
}

@inline
function broadcastBinary(
  op: i32, a: usize, b: usize, out: usize,
  d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32,
  sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  let po = out;
  const rowBytes = (<usize>n) << 2;
  for (let i0 = 0; i0 < d0; i0++) {
    for (let i1 = 0; i1 < d1; i1++) {
      for (let i2 = 0; i2 < d2; i2++) {
        const pa = a + ((<usize>(i0 * sa0 + i1 * sa1 + i2 * sa2)) << 2);
        const pb = b + ((<usize>(i0 * sb0 + i1 * sb1 + i2 * sb2)) << 2);
        binaryRow(op, pa, pb, po, n, sa3, sb3);
        po += rowBytes;
      }
    }
  }
}

/** out = a + b, broadcast as described above. */
export function add_fwd(
  a: usize, b: usize, out: usize,
  d0: i32, d1: i32, d2: i32, n: i32,
  sa0: i32, sa1: i32, sa2: i32, sa3: i32,
  sb0: i32, sb1: i32, sb2: i32, sb3: i32,
): void {
  broadcastBinary(OP_ADD, a, b, out, d0, d1, d2, n, sa0, sa1, sa2, sa3, sb0, sb1, sb2, sb3);
}
// add_bwd: dA and dB are dOut summed over each operand's broadcast axes (reduce.ts).
