// SPDX-License-Identifier: MIT
// `simdgrad eval --model FILE`: rebuilds the MLP a safetensors file describes
// (float32, or int8 as `simdgrad quantize` writes it), loads its weights and
// prints the test accuracy and a confusion matrix.

import * as fs from 'node:fs';
import process from 'node:process';
import type * as sg from 'simdgrad';
import { CLASS_NAMES, fashionMnist } from '../data/index.js';
import { type SimdChoice, startEngine, type ThreadsChoice } from './engine.js';
import { confusionTable } from './format.js';
import { predict } from './loop.js';
import { addConfusion, matrixAccuracy, perClassAccuracy } from './metrics.js';
import { evalOnnx, isOnnx } from './onnx.js';
import type { Activation } from './options.js';
import { modelFromFile } from './quantize.js';

export interface EvalOptions {
  model: string;
  limit?: number;
  activation?: Activation;
  simd?: SimdChoice;
  threads?: ThreadsChoice;
}

export function readFileOrFail(file: string): Uint8Array {
  try {
    return new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? (e as Error).message);
    throw new Error(`cannot read ${file}: ${why}`);
  }
}

export async function evalCommand(o: EvalOptions): Promise<number> {
  const bytes = readFileOrFail(o.model);
  await startEngine(o.simd, o.threads);
  if (isOnnx(o.model, bytes)) return evalOnnx(o, bytes);
  const { model, sizes, activation, quantized } = modelFromFile(o.model, bytes, o.activation);
  try {
    if (sizes[0] !== 784 || sizes.at(-1) !== 10) {
      throw new Error(
        `${o.model}: the model maps ${sizes[0]} → ${sizes.at(-1)} features, Fashion-MNIST needs 784 → 10`,
      );
    }
    const test = fashionMnist({ split: 'test', limit: o.limit });
    const pred = predict(model, test, 2500);
    const m = new Int32Array(100);
    addConfusion(m, 10, pred, test.labels);
    const acc = matrixAccuracy(m, 10);
    const out = process.stdout;
    out.write(`model ${o.model}: MLP ${sizes.join('-')} ${activation}${quantized ? ' (int8)' : ''}\n`);
    out.write(`test accuracy ${acc.toFixed(4)} (${Math.round(acc * test.n)}/${test.n})\n`);
    out.write(`${confusionTable(m, CLASS_NAMES, perClassAccuracy(m, 10))}\n`);
    return 0;
  } finally {
    if (quantized) (model as sg.nn.QuantizedModule).dispose();
  }
}
