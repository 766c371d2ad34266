// SPDX-License-Identifier: MIT
// simdgrad through its public API (the built package, build/index.js): the
// MLP, softmaxCrossEntropy on the tape, SGD; inference through sg.softmax.
// int8: the same weights through nn.quantize (inference only).

import { resolve } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { arg, clockKind, LR, SIZES } from '../lib/common.mjs';

/** opts: { simd: 'simd128' | 'relaxed', layers, int8? } → { train, infer, sg, model } (missing API → an Error thrown). */
export async function load({ simd, layers, sizes = SIZES, int8 = false }) {
  // --simdgrad PATH benches another build of the package (e.g. a branch's build/index.js).
  const other = arg('simdgrad');
  const sg = await import(other ? pathToFileURL(resolve(other)).href : '../../build/index.js');
  // CPU-time rows would count every thread's time: they run one thread; --wall runs
  // the default ('auto') thread count, and --threads N forces one (bench/threads.mjs).
  const threads = arg('threads') ? Number(arg('threads')) : clockKind === 'cpu' ? 1 : 'auto';
  // SIMDGRAD_TILE=4x8|5x8|6x8 forces the GEMM tile (default: measured by the engine).
  const tile = process.env.SIMDGRAD_TILE || 'auto';
  await sg.init(sg.threads ? { simd, threads, tile } : { simd, tile });
  const want = simd === 'relaxed' ? 'relaxed-simd' : 'simd128';
  if (sg.backend() !== want) throw new Error(`asked for ${want}, got ${sg.backend()}`);
  if (!sg.nn?.MLP || !sg.optim?.SGD) throw new Error('sg.nn / sg.optim are not in this build yet');
  const model = new sg.nn.MLP(sizes, { activation: 'relu', seed: 1 });
  if (layers && typeof model.loadStateDict === 'function') {
    const state = new Map();
    layers.forEach((l, i) => {
      state.set(`${2 * i}.weight`, sg.tensor(l.weight, [sizes[i + 1], sizes[i]]));
      state.set(`${2 * i}.bias`, sg.tensor(l.bias, [sizes[i + 1]]));
    });
    model.loadStateDict(state);
    for (const t of state.values()) t.dispose();
  }
  const inputs = sizes[0];
  const softmax = sg.softmax ?? ((z) => z.softmax());
  if (int8) {
    if (typeof sg.nn.quantize !== 'function') throw new Error('nn.quantize is not in this build yet');
    const q = sg.nn.quantize(model, { dtype: 'int8' });
    const infer = (x, n) => sg.tidy(() => softmax(q.forward(sg.tensor(x, [n, inputs]))).data());
    return { train: null, infer, sg, model: q };
  }
  const opt = new sg.optim.SGD(model.parameters(), { lr: LR });

  let mode = 'train';
  /** One step from a JS batch: upload, forward, loss, backward, update. */
  const train = (x, labels) => {
    if (mode !== 'train') model.train?.();
    mode = 'train';
    sg.tidy(() => {
      const xt = sg.tensor(x, [labels.length, inputs]);
      const loss = sg.autograd.record(() => sg.nn.softmaxCrossEntropy(model.forward(xt), labels));
      loss.backward();
      opt.step();
    });
  };

  /** Float32Array in, probabilities (a fresh Float32Array) out; no tape. */
  const infer = (x, n) => {
    if (mode !== 'eval') model.eval?.();
    mode = 'eval';
    return sg.tidy(() => softmax(model.forward(sg.tensor(x, [n, inputs]))).data());
  };
  return { train, infer, sg, model, opt };
}
