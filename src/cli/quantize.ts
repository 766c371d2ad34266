// SPDX-License-Identifier: MIT
// `simdgrad quantize --model FILE --out FILE`: a float32 model file → its int8
// copy (nn.quantize: int8 weights with one float32 scale per output row). The
// output keeps the architecture metadata and adds `quantized: int8`, so `eval`
// and the edge worker rebuild it. Also the loader `eval` shares for both kinds.

import process from 'node:process';
import * as sg from 'simdgrad';
import { type SimdChoice, startEngine } from './engine.js';
import { readFileOrFail } from './evaluate.js';
import { buildModel } from './loop.js';
import { hasDropoutLayers, modelMeta } from './modelfile.js';
import { ACTIVATIONS, type Activation } from './options.js';
import { writeFileAtomic } from './train.js';

export interface QuantizeOptions {
  model: string;
  out: string;
  simd?: SimdChoice;
}

/** A model file loaded and rebuilt: a float MLP, or its quantized copy when the file holds int8 weights. */
export interface LoadedModel {
  model: sg.nn.MLP | sg.nn.QuantizedModule;
  sizes: number[];
  activation: Activation;
  quantized: boolean;
  metadata: Record<string, string> | null;
}

/** Whether a loaded file is an int8 model (it has I8 entries). */
export function isQuantizedFile(weights: Map<string, unknown>): boolean {
  for (const t of weights.values()) if (t instanceof sg.Int8Tensor) return true;
  return false;
}

/** Rebuilds the model a safetensors file describes (float or int8); the caller disposes the weights. */
export function modelFromFile(file: string, bytes: Uint8Array, override?: Activation): LoadedModel {
  let weights: sg.io.SafetensorsMap;
  try {
    weights = sg.io.loadSafetensors(bytes);
  } catch (e) {
    throw new Error(`${file} is not a usable safetensors file: ${(e as Error).message}`);
  }
  try {
    const shapes = new Map([...weights].map(([k, t]) => [k, t.shape] as const));
    const meta = modelMeta(shapes, weights.metadata, file);
    const activation = override ?? (meta.activation as Activation);
    if (!ACTIVATIONS.includes(activation))
      throw new Error(`${file}: unknown activation "${activation}" in its metadata`);
    const quantized = isQuantizedFile(weights);
    // dropout layers (the identity in eval mode) only keep PyTorch's layer names
    const dropout = hasDropoutLayers(shapes) ? new Array<number>(meta.sizes.length - 2).fill(0.5) : [];
    const float = buildModel(meta.sizes, activation, 0, dropout);
    const model = quantized ? sg.nn.quantize(float, { dtype: 'int8' }) : float;
    try {
      model.loadStateDict(weights);
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
    return { model, sizes: meta.sizes, activation, quantized, metadata: weights.metadata };
  } finally {
    for (const t of weights.values()) t.dispose();
  }
}

export async function quantizeCommand(o: QuantizeOptions): Promise<number> {
  const bytes = readFileOrFail(o.model);
  await startEngine(o.simd);
  const { model, sizes, activation, quantized, metadata } = modelFromFile(o.model, bytes);
  if (quantized) throw new Error(`${o.model} is already quantized (int8)`);
  const q = sg.nn.quantize(model as sg.nn.MLP, { dtype: 'int8' });
  const meta = { ...(metadata ?? {}), format: 'simdgrad-mlp', sizes: sizes.join(','), activation, quantized: 'int8' };
  const out = sg.io.saveSafetensors(q, { metadata: meta });
  writeFileAtomic(o.out, out);
  const pct = ((100 * out.length) / bytes.length).toFixed(1);
  process.stdout.write(
    `wrote ${o.out}: MLP ${sizes.join('-')} ${activation}, int8 weights with per-row float32 scales, ` +
      `${out.length.toLocaleString('en-US')} bytes (${pct}% of ${bytes.length.toLocaleString('en-US')})\n`,
  );
  return 0;
}
