// SPDX-License-Identifier: MIT
// TensorFlow.js 4.22: the wasm backend (XNNPACK, one thread) or the cpu
// backend. Dense layers as tf.fused.matMul (bias and relu in the epilogue, its
// fastest path) with the kernel in TensorFlow's [in, out] layout; training is
// optimizer.minimize of tf.losses.softmaxCrossEntropy with tf.train.sgd.

import { LR, SIZES } from '../lib/common.mjs';

/** opts: { backend: 'wasm' | 'cpu', layers } → { train, infer, tf }. */
export async function load({ backend, layers, sizes = SIZES, train: withTrain = true }) {
  const tf = await import('@tensorflow/tfjs-core');
  // tfjs-core's Node entry registers no gradients (the tfjs umbrella package does); see lib/tfgrads.mjs.
  if (withTrain) {
    const { ensureTfGrads } = await import('../lib/tfgrads.mjs');
    await import(new URL(`file://${await ensureTfGrads()}`).href);
  }
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setThreadsCount?.(1);
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  const vars = layers.map((l, i) => {
    const [out, inp] = [sizes[i + 1], sizes[i]];
    const w = tf.tidy(() => tf.transpose(tf.tensor2d(l.weight, [out, inp])));
    return { w: tf.variable(w), b: tf.variable(tf.tensor1d(l.bias)) };
  });
  const varList = vars.flatMap((v) => [v.w, v.b]);
  const forward = (x) => {
    let h = x;
    vars.forEach((v, i) => {
      const last = i === vars.length - 1;
      h = tf.fused.matMul({ a: h, b: v.w, bias: v.b, activation: last ? 'linear' : 'relu' });
    });
    return h;
  };
  const opt = tf.train.sgd(LR);
  const classes = sizes.at(-1);
  const train = (x, labels) => {
    tf.tidy(() => {
      const xt = tf.tensor2d(x, [labels.length, sizes[0]]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(xt)), false, varList);
    });
  };
  const infer = (x, n) => tf.tidy(() => tf.softmax(forward(tf.tensor2d(x, [n, sizes[0]]))).dataSync());
  return { train, infer, tf };
}
