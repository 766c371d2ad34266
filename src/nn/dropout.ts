// SPDX-License-Identifier: MIT
// nn.Dropout: the dropout op of src/ops/dropout.ts in train() mode, the
// identity in eval() mode.

import { checkP, dropout } from '../ops/dropout.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';

export { type DropoutOptions, dropout } from '../ops/dropout.js';

/** nn.Dropout(p = 0.5): zeroes each element with probability p and scales survivors by 1/(1 − p) in train() mode; the identity in eval() mode. */
export class Dropout extends Module {
  /** The probability of zeroing an element. */
  readonly p: number;
  constructor(p = 0.5) {
    super();
    this.p = checkP('nn.Dropout', p);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, { training: this.training });
  }
}
