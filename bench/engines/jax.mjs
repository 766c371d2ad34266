// SPDX-License-Identifier: MIT
// jax-js 0.1.25 on its wasm device: the training step is jit(valueAndGrad of
// the log-softmax cross-entropy + the SGD update), inference a jit'd forward +
// softmax. Single thread: jax-js starts a worker pool only when the global
// `Worker` and SharedArrayBuffer exist (Deno), so the bench hides `Worker`
// for the whole process (jax-js checks it again whenever it generates a
// kernel, so it cannot be restored; e2e.mjs runs one engine per process). Arrays are reference-counted (jax-js ownership rules).

import { LR, SIZES } from '../lib/common.mjs';

export async function load({ layers, sizes = SIZES }) {
  globalThis.Worker = undefined;
  const jax = await import('@jax-js/jax');
  const { numpy: np, nn, jit, valueAndGrad, tree } = jax;
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  let params = layers.map((l, i) => ({
    w: np.array(l.weight).reshape([sizes[i + 1], sizes[i]]),
    b: np.array(l.bias),
  }));
  const forward = (p, x) => {
    let h = x;
    p.forEach((layer, i) => {
      h = np.matmul(h, layer.w.transpose()).add(layer.b);
      if (i < p.length - 1) h = nn.relu(h);
    });
    return h;
  };
  const classes = sizes.at(-1);
  const loss = (p, x, y) =>
    nn
      .logSoftmax(forward(p, x))
      .mul(y)
      .sum()
      .mul(-1 / y.shape[0]);
  const step = jit((p, x, y) => {
    const [l, g] = valueAndGrad(loss)(tree.ref(p), x, y);
    return [l, tree.map((a, b) => a.sub(b.mul(LR)), p, g)];
  });
  const predict = jit((p, x) => nn.softmax(forward(p, x)));
  const train = async (x, labels) => {
    const n = labels.length;
    const y = new Float32Array(n * classes);
    for (let i = 0; i < n; i++) y[i * classes + labels[i]] = 1;
    const [l, next] = step(params, np.array(x).reshape([n, sizes[0]]), np.array(y).reshape([n, classes]));
    params = next;
    l.dispose();
    await jax.blockUntilReady(params);
  };
  const infer = (x, n) => predict(tree.ref(params), np.array(x).reshape([n, sizes[0]])).dataSync();
  return { train, infer, jax };
}
