// SPDX-License-Identifier: MIT
// Losses: softmaxCrossEntropy and huberLoss are the fused ops of src/ops/xent.ts
// and src/ops/huber.ts; mseLoss is mean((pred − target)²) from generic ops, as PyTorch's.

import { autograd } from '../autograd.js';
import { fail, fmt } from '../errors.js';
import { type Reduction, reductionOf } from '../ops/xent.js';
import { Tensor } from '../tensor.js';

export { huberLoss } from '../ops/huber.js';
export { type Reduction, softmaxCrossEntropy } from '../ops/xent.js';

/** mean((pred − target)²) (or 'sum' / 'none'), pred and target of one shape, as PyTorch's MSELoss. */
export function mseLoss(pred: Tensor, target: Tensor, options?: { reduction?: Reduction }): Tensor {
  const op = 'mseLoss';
  if (!(pred instanceof Tensor) || !(target instanceof Tensor)) fail(op, 'pred and target must be Tensors');
  pred.check(op);
  target.check(op);
  const reduction = reductionOf(op, options);
  if (fmt(pred.shape) !== fmt(target.shape)) {
    fail(op, `pred ${fmt(pred.shape)} and target ${fmt(target.shape)} must have the same shape`);
  }
  const d = pred.sub(target);
  const sq = d.square();
  // intermediates the tape does not hold are freed now (taped ones go with tidy)
  if (!autograd.isRecording()) d.dispose();
  if (reduction === 'none') return sq;
  const out = reduction === 'sum' ? sq.sum() : sq.mean();
  if (!autograd.isRecording()) sq.dispose();
  return out;
}
