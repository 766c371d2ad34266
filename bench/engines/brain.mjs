// SPDX-License-Identifier: MIT
// brain.js 1.6.1, its own trainer (plain JS, per-sample SGD) on
// 784-256-256-10 with relu hidden layers: a step is one `train` iteration over
// a batch of 256 samples. Training only (it has no batched inference).

import { LR, SIZES } from '../lib/common.mjs';

export async function load({ sizes = SIZES }) {
  const brain = (await import('brain.js')).default;
  const net = new brain.NeuralNetwork({ hiddenLayers: sizes.slice(1, -1), activation: 'relu', learningRate: LR });
  const classes = sizes.at(-1);
  let data = null;
  let key = null;
  const train = (x, labels) => {
    if (key !== x) {
      // brain.js takes arrays of { input, output } objects; converted once per batch, outside the step.
      data = Array.from(labels, (c, i) => {
        const output = new Array(classes).fill(0);
        output[c] = 1;
        return { input: Array.from(x.subarray(i * sizes[0], (i + 1) * sizes[0])), output };
      });
      key = x;
    }
    net.train(data, { iterations: 1, errorThresh: 1e-9, log: false });
  };
  return { train, infer: null, brain };
}
