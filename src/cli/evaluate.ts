// SPDX-License-Identifier: MIT
// `simdgrad eval --model FILE`: rebuilds the MLP a safetensors file describes,
// loads its weights and prints the test accuracy and a confusion matrix.

import * as fs from 'node:fs';
import process from 'node:process';
import * as sg from 'simdgrad';
import { CLASS_NAMES, fashionMnist } from '../data/index.js';
import { type SimdChoice, startEngine } from './engine.js';
import { confusionTable } from './format.js';
import { buildModel, predict } from './loop.js';
import { addConfusion, matrixAccuracy, perClassAccuracy } from './metrics.js';
import { hasDropoutLayers, modelMeta } from './modelfile.js';
import { ACTIVATIONS, type Activation } from './options.js';

export interface EvalOptions {
  model: string;
  limit?: number;
  activation?: Activation;
  simd?: SimdChoice;
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
  await startEngine(o.simd);
  let weights: ReturnType<typeof sg.io.loadSafetensors>;
  try {
    weights = sg.io.loadSafetensors(bytes);
  } catch (e) {
    throw new Error(`${o.model} is not a usable safetensors file: ${(e as Error).message}`);
  }
  try {
    const shapes = new Map([...weights].map(([k, t]) => [k, t.shape] as const));
    const meta = modelMeta(shapes, weights.metadata, o.model);
    const activation = o.activation ?? (meta.activation as Activation);
    if (!ACTIVATIONS.includes(activation))
      throw new Error(`${o.model}: unknown activation "${activation}" in its metadata`);
    if (meta.sizes[0] !== 784 || meta.sizes.at(-1) !== 10) {
      throw new Error(
        `${o.model}: the model maps ${meta.sizes[0]} → ${meta.sizes.at(-1)} features, Fashion-MNIST needs 784 → 10`,
      );
    }
    // dropout layers (the identity in eval mode) only keep PyTorch's layer names
    const dropout = hasDropoutLayers(shapes) ? new Array<number>(meta.sizes.length - 2).fill(0.5) : [];
    const model = buildModel(meta.sizes, activation, 0, dropout);
    try {
      model.loadStateDict(weights);
    } catch (e) {
      throw new Error(`${o.model}: ${(e as Error).message}`);
    }
    const test = fashionMnist({ split: 'test', limit: o.limit });
    const pred = predict(model, test, 2500);
    const m = new Int32Array(100);
    addConfusion(m, 10, pred, test.labels);
    const acc = matrixAccuracy(m, 10);
    const out = process.stdout;
    out.write(`model ${o.model}: MLP ${meta.sizes.join('-')} ${activation}\n`);
    out.write(`test accuracy ${acc.toFixed(4)} (${Math.round(acc * test.n)}/${test.n})\n`);
    out.write(`${confusionTable(m, CLASS_NAMES, perClassAccuracy(m, 10))}\n`);
    return 0;
  } finally {
    for (const t of weights.values()) t.dispose();
  }
}
