// SPDX-License-Identifier: MIT
// ONNX Runtime Web 1.30, wasm execution provider, one thread, inference only:
// the MLP graph is encoded here (lib/onnx.mjs) from the same weights.

import { SIZES } from '../lib/common.mjs';
import { mlpOnnx } from '../lib/onnx.mjs';

export async function load({ layers, sizes = SIZES }) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(mlpOnnx(sizes, layers), { executionProviders: ['wasm'] });
  const infer = async (x, n) => {
    const r = await session.run({ x: new ort.Tensor('float32', x, [n, sizes[0]]) });
    const probs = r.probs.data;
    r.probs.dispose?.();
    return probs;
  };
  return { train: null, infer, ort };
}
