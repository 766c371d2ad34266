// SPDX-License-Identifier: MIT
// GELU as exporters wrote it before opset 20 had a Gelu op: PyTorch's
// `x · (1 + erf(x / √2)) · 0.5` (torch/onnx/symbolic_opset9.py `gelu`), and
// the two other ways of associating the products that other exporters use:
//   Div(x, √2) | Mul(x, 1/√2) → Erf → Add(·, 1) → then one of
//   (a) Mul(x, ·) → Mul(·, 0.5)      PyTorch
//   (b) Mul(x, 0.5) and Mul(·, ·)    x·0.5 first
//   (c) Mul(·, 0.5) → Mul(x, ·)      (1 + erf)·0.5 first
// The constants are scalar initializers or Constant nodes, in either operand slot.

import type { Chain } from './chain.js';
import type { NodeP } from './proto.js';

const SQRT2 = Math.SQRT2;

function near(v: number | null, want: number): boolean {
  return v !== null && Math.abs(v - want) <= 1e-6 * Math.abs(want);
}

function isOp(n: NodeP | null, op: string): n is NodeP {
  return n !== null && n.opType === op && (n.domain === '' || n.domain === 'ai.onnx') && n.attrs.length === 0;
}

/** For a binary node using `v`: the other operand, or null. */
function other(n: NodeP, v: string): string | null {
  if (n.inputs.length !== 2 || n.outputs.length < 1) return null;
  if (n.inputs[0] === v) return n.inputs[1];
  if (n.inputs[1] === v) return n.inputs[0];
  return null;
}

/** Mul(v, constant c): true when c ≈ want. */
function mulBy(n: NodeP | null, v: string, want: number, c: Chain): n is NodeP {
  if (!isOp(n, 'Mul')) return false;
  const o = other(n, v);
  return o !== null && near(c.scalar(o), want);
}

/** Matches the erf form of GELU on `v`, whose two consumers are `users`; returns its output and nodes. */
export function matchErfGelu(users: NodeP[], v: string, c: Chain): { out: string; nodes: NodeP[] } | null {
  for (const [pre, outer] of [users, [users[1], users[0]]]) {
    const scaled =
      (isOp(pre, 'Div') && pre.inputs[0] === v && near(c.scalar(pre.inputs[1]), SQRT2)) || mulBy(pre, v, 1 / SQRT2, c);
    if (!scaled) continue;
    const erf = c.soleConsumer(pre.outputs[0]);
    if (!isOp(erf, 'Erf') || erf.inputs[0] !== pre.outputs[0]) continue;
    const add = c.soleConsumer(erf.outputs[0]);
    if (!isOp(add, 'Add') || !near(c.scalar(other(add, erf.outputs[0]) ?? ''), 1)) continue;
    const a = add.outputs[0];
    const m = c.soleConsumer(a);
    if (!isOp(m, 'Mul') || !isOp(outer, 'Mul')) continue;
    // (a) outer = m = Mul(v, a), then Mul(·, 0.5)
    if (m === outer && other(m, a) === v) {
      const half = c.soleConsumer(m.outputs[0]);
      if (mulBy(half, m.outputs[0], 0.5, c)) return { out: half.outputs[0], nodes: [pre, erf, add, m, half] };
    }
    // (b) outer = Mul(v, 0.5), m = Mul(outer, a)
    if (m !== outer && mulBy(outer, v, 0.5, c) && other(m, a) === outer.outputs[0]) {
      return { out: m.outputs[0], nodes: [pre, erf, add, outer, m] };
    }
    // (c) m = Mul(a, 0.5), outer = Mul(v, m)
    if (m !== outer && mulBy(m, a, 0.5, c) && other(outer, v) === m.outputs[0]) {
      return { out: outer.outputs[0], nodes: [pre, erf, add, m, outer] };
    }
  }
  return null;
}
