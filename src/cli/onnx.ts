// SPDX-License-Identifier: MIT
// ONNX in the CLI: `simdgrad export --model FILE --out model.onnx` (a model saved
// by `simdgrad train`, or a PyTorch state_dict of the same nn.Sequential, written
// as ONNX with simdgrad/onnx) and the ONNX branch of `simdgrad eval` (any file
// importOnnx reads: exported by simdgrad, torch.onnx.export, tf2onnx, skl2onnx).

import * as fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { InvalidArgumentError } from 'commander';
import * as sg from 'simdgrad';
import { exportOnnx, importOnnx } from 'simdgrad/onnx';
import { CLASS_NAMES, fashionMnist } from '../data/index.js';
import { type SimdChoice, startEngine } from './engine.js';
import { readFileOrFail } from './evaluate.js';
import { confusionTable } from './format.js';
import { buildModel, predict } from './loop.js';
import { addConfusion, matrixAccuracy, perClassAccuracy } from './metrics.js';
import { modelMeta } from './modelfile.js';
import { ACTIVATIONS, type Activation } from './options.js';
import { writeFileAtomic } from './train.js';

export interface ExportOptions {
  model: string;
  out: string;
  batch?: string;
  opset: number;
  simd?: SimdChoice;
}

/**
 * ONNX by its extension; a `.safetensors` name stays safetensors; any other name
 * is ONNX unless it starts like safetensors (an 8-byte header length, then `{`).
 */
export function isOnnx(file: string, bytes: Uint8Array): boolean {
  const name = file.toLowerCase();
  if (name.endsWith('.onnx')) return true;
  if (name.endsWith('.safetensors')) return false;
  return !(bytes.length > 8 && bytes[8] === 0x7b);
}

/** The batch option: a positive integer or a symbolic name (default N). */
export function batchDim(value: string | undefined): string | number {
  if (value === undefined) return 'N';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** --opset: what exportOnnx writes, checked before any work. */
export function opsetArg(value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 13 && n <= 21)) throw new InvalidArgumentError('expected an ONNX opset from 13 to 21.');
  return n;
}

/** --batch: a positive integer or a symbolic name such as N or batch_size. */
export function batchArg(value: string): string {
  if (!/^(?:[1-9]\d*|[A-Za-z_][\w.]*)$/.test(value)) {
    throw new InvalidArgumentError('expected a positive integer or a name such as N.');
  }
  return value;
}

/** Fails before any work when `out` cannot be written (missing directory, a directory, a file as parent). */
function checkWritable(out: string): void {
  const dir = path.dirname(path.resolve(out));
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    throw new Error(`cannot write ${out}: directory ${dir} does not exist`);
  }
  if (!st.isDirectory()) throw new Error(`cannot write ${out}: ${dir} is not a directory`);
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw new Error(`cannot write ${out}: it is a directory`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new Error(`cannot write ${out}: directory ${dir} is not writable`);
  }
}

export async function exportCommand(o: ExportOptions): Promise<number> {
  checkWritable(o.out);
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
    const activation = meta.activation as Activation;
    if (!ACTIVATIONS.includes(activation))
      throw new Error(`${o.model}: unknown activation "${activation}" in its metadata`);
    const model = buildModel(meta.sizes, activation, 0);
    try {
      model.loadStateDict(weights);
    } catch (e) {
      throw new Error(`${o.model}: ${(e as Error).message}`);
    }
    const onnx = exportOnnx(model, { batch: batchDim(o.batch), opset: o.opset });
    writeFileAtomic(o.out, onnx);
    process.stdout.write(
      `wrote ${o.out}: ONNX opset ${o.opset}, MLP ${meta.sizes.join('-')} ${activation}, input "input" [${batchDim(o.batch)}, ${meta.sizes[0]}], output "output", ${onnx.length} bytes\n`,
    );
    return 0;
  } finally {
    for (const t of weights.values()) t.dispose();
  }
}

/** `simdgrad eval` on an ONNX file: import it, then the same accuracy and confusion matrix. */
export async function evalOnnx(o: { model: string; limit?: number }, bytes: Uint8Array): Promise<number> {
  let model: sg.nn.Sequential;
  try {
    model = importOnnx(bytes);
  } catch (e) {
    throw new Error(`${o.model}: ${(e as Error).message}`);
  }
  const linears = model.layers.filter((m): m is sg.nn.Linear => m instanceof sg.nn.Linear);
  const [first, last] = [linears[0], linears.at(-1)];
  if (!first || !last || first.inFeatures !== 784 || last.outFeatures !== 10) {
    throw new Error(
      `${o.model}: the model maps ${first?.inFeatures ?? '?'} → ${last?.outFeatures ?? '?'} features, Fashion-MNIST needs 784 → 10`,
    );
  }
  const test = fashionMnist({ split: 'test', limit: o.limit });
  const pred = predict(model, test, 2500);
  const m = new Int32Array(100);
  addConfusion(m, 10, pred, test.labels);
  const acc = matrixAccuracy(m, 10);
  const sizes = [first.inFeatures, ...linears.map((l) => l.outFeatures)];
  const out = process.stdout;
  out.write(`model ${o.model}: ONNX, ${model.layers.length} layers, Linear sizes ${sizes.join('-')}\n`);
  out.write(`test accuracy ${acc.toFixed(4)} (${Math.round(acc * test.n)}/${test.n})\n`);
  out.write(`${confusionTable(m, CLASS_NAMES, perClassAccuracy(m, 10))}\n`);
  for (const p of model.parameters()) p.dispose();
  return 0;
}
