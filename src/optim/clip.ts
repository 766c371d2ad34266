// SPDX-License-Identifier: MIT
// clipGradNorm: torch.nn.utils.clip_grad_norm_ with ONE wasm reduction over
// every gradient (assembly/optim.ts grad_norm, accumulated in f64 in a fixed
// order) and one in-place scaling pass (grad_scale).

import { engine } from '../engine/load.js';
import { describe, fail } from '../errors.js';
import { empty, Tensor } from '../tensor.js';
import { num, type Params } from './optimizer.js';

const NORM_CODE = new Map<number, number>([
  [2, 2],
  [1, 1],
  [Number.POSITIVE_INFINITY, 0],
]);

/**
 * Scales every gradient of `params` in place so that their total norm is at
 * most `maxNorm`, as PyTorch's clip_grad_norm_: total = ‖(‖g₁‖, ‖g₂‖, …)‖ (norm
 * 2, 1 or Infinity), coef = maxNorm / (total + 1e-6) in f32, and the gradients
 * are multiplied by coef when it is below 1. Returns the total norm before
 * clipping (an f32 value). As PyTorch (error_if_nonfinite off), a NaN norm
 * scales every gradient by NaN and an infinite one by 0. Parameters without a
 * gradient are skipped.
 */
export function clipGradNorm(params: Params, maxNorm: number, options?: { normType?: number }): number {
  const op = 'optim.clipGradNorm';
  const list =
    params !== null &&
    typeof params === 'object' &&
    typeof (params as { parameters?: unknown }).parameters === 'function'
      ? (params as { parameters(): Tensor[] }).parameters()
      : params !== null && typeof params === 'object' && Symbol.iterator in params
        ? [...(params as Iterable<Tensor>)]
        : fail(op, `params must be a list of tensors or a Module, got ${describe(params)}`);
  const max = num(op, 'maxNorm', maxNorm, (x) => x >= 0 && !Number.isNaN(x), 'a non-negative number');
  if (options !== undefined && (options === null || typeof options !== 'object')) fail(op, 'options must be an object');
  const normType = options?.normType ?? 2;
  const code = NORM_CODE.get(normType);
  if (code === undefined) fail(op, `normType must be 2, 1 or Infinity, got ${describe(normType)}`);
  const grads: Tensor[] = [];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) fail(op, `params[${i}] must be a Tensor, got ${describe(p)}`);
    p.check(op);
    const g = p.grad;
    if (g && !g.disposed && g.size) grads.push(g);
  });
  if (grads.length === 0) return 0;
  const e = engine();
  const table = empty([grads.length * 2], op); // (ptr, n) pairs for the kernels
  try {
    const i32 = e.heap.i32;
    grads.forEach((g, i) => {
      i32[(table.ptr >>> 2) + 2 * i] = g.ptr;
      i32[(table.ptr >>> 2) + 2 * i + 1] = g.size;
    });
    const acc = e.k.grad_norm(table.ptr, grads.length, code);
    const total = Math.fround(code === 2 ? Math.sqrt(acc) : acc);
    const coef = Math.fround(Math.fround(max) / Math.fround(total + Math.fround(1e-6)));
    if (!(coef >= 1)) {
      e.k.grad_scale(table.ptr, grads.length, coef);
      for (const g of grads) g.version++;
    }
    return total;
  } finally {
    table.dispose();
  }
}
