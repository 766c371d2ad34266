// SPDX-License-Identifier: MIT
// Views: `x.T` (2-D) is a tensor with NO block of its own — a base and the fact
// that it is transposed (its view record, src/tensor.ts). It takes no wasm
// memory, is not counted by memory() and records nothing on the tape.
// - matmul reads a view's base directly (gemm_nt / gemm_tn: no copy at all);
// - any other op gets a transposed copy made by the `transpose` op for that one
//   call (src/ops/registry.ts `contiguous`): recorded when the base takes
//   gradients, freed with the call (or with the tape that saved it);
// - reading (data(), toArray()…) reads the base.
// The realize-before-write rule: a view shows the values its base had when it
// was taken, so an in-place write into a base (optimizer step, loadStateDict)
// first calls beforeWrite(base), which gives each live view a block of its own
// with those values (Tensor.realize). A write that skips beforeWrite is caught
// when the view is read (/modified in place/). Disposing a base realizes its
// live views too. A view belongs to the tidy() scope it was taken in like any
// tensor (disposing it costs nothing); the base keeps only weak references.

import { own } from './memory.js';
import { type Tensor, unbacked } from './tensor.js';

/** The transpose of a 2-D tensor as a view of it (no block, no tape node); `taped`: taken while recording. */
export function transposeView(x: Tensor, taped: boolean): Tensor {
  const y = unbacked([x.shape[1], x.shape[0]]);
  const v = y.viewRecord(true)!;
  v.base = x;
  v.baseVersion = x.version;
  v.taped = taped;
  const bv = x.viewRecord(true)!;
  let views = bv.views ?? [];
  // drop collected views now and then (amortized: when the list doubled)
  if (views.length >= 32 && (views.length & (views.length - 1)) === 0)
    views = views.filter((r) => r.deref()?.base === x);
  views.push(new WeakRef(y));
  bv.views = views;
  own(y);
  return y;
}

/**
 * Before an in-place write into t: its live views take the values they have
 * now (each gets a block of its own), as every other op result would have.
 */
export function beforeWrite(t: Tensor): void {
  const bv = t.viewRecord(false);
  const views = bv?.views;
  if (!views) return;
  bv.views = null;
  for (const r of views) r.deref()?.realize();
}
