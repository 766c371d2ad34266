// SPDX-License-Identifier: MIT
// The two layers an imported chain may need that the core nn does not have
// (yet): LeakyReLU (a fixed slope, PyTorch's nn.LeakyReLU) and LogSoftmax
// (PyTorch's nn.LogSoftmax over the last axis). Both are plain Modules built on
// core ops, so they record on the tape and train like every other layer.

import { nn, type Tensor } from 'simdgrad';

/** max(0, x) + negativeSlope · min(0, x), as PyTorch's nn.LeakyReLU (no parameter). */
export class LeakyReLU extends nn.Module {
  /** The slope for x < 0 (a constant, not a parameter; PyTorch's default 0.01). */
  readonly negativeSlope: number;
  /** @param opts `negativeSlope`, default 0.01 (ONNX LeakyRelu's `alpha`). */
  constructor(opts: { negativeSlope?: number } = {}) {
    super();
    this.negativeSlope = opts.negativeSlope ?? 0.01;
  }
  /** x where x > 0, negativeSlope · x elsewhere (recorded on the tape like prelu with a fixed α). */
  forward(x: Tensor): Tensor {
    return x.prelu(this.negativeSlope);
  }
}

/** log(softmax(x)) over the last axis, computed stably (never through log(softmax)). */
export class LogSoftmax extends nn.Module {
  /** log(softmax(x)) over the last axis. */
  forward(x: Tensor): Tensor {
    return x.logSoftmax(-1);
  }
}
