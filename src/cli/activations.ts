// SPDX-License-Identifier: MIT
// `simdgrad plot activations --out DIR`: the book's six figures (relu,
// sigmoid, tanh and their derivatives) on x = arange(-8, 8, 0.1). The
// derivatives come from the tape (attachGrad, record, backward, x.grad),
// not from closed forms, so the figures also exercise autograd.

import * as path from 'node:path';
import * as sg from 'simdgrad';
import { type SimdChoice, startEngine, type ThreadsChoice } from './engine.js';
import { checkOutputDir } from './paths.js';
import { loadLine } from './plotting.js';
import { writeFileAtomic } from './train.js';

const ACTS = {
  relu: (x: sg.Tensor) => sg.relu(x),
  sigmoid: (x: sg.Tensor) => sg.sigmoid(x),
  tanh: (x: sg.Tensor) => sg.tanh(x),
} as const;

/** Values and tape gradients of one activation on arange(-8, 8, 0.1). */
export function activationCurve(name: keyof typeof ACTS): { x: number[]; y: number[]; grad: number[] } {
  return sg.tidy(() => {
    const x = sg.arange(-8, 8, 0.1);
    x.attachGrad();
    const y = sg.autograd.record(() => ACTS[name](x));
    y.backward();
    const grad = x.grad;
    if (!grad) throw new Error(`plot activations: ${name} produced no gradient`);
    const out = { x: Array.from(x.data()), y: Array.from(y.data()), grad: Array.from(grad.data()) };
    return out;
  });
}

export async function activationsCommand(o: {
  out: string;
  simd?: SimdChoice;
  threads?: ThreadsChoice;
}): Promise<number> {
  checkOutputDir('--out', o.out);
  const line = await loadLine('simdgrad plot activations');
  await startEngine(o.simd, o.threads);
  const written: string[] = [];
  for (const name of Object.keys(ACTS) as (keyof typeof ACTS)[]) {
    const { x, y, grad } = activationCurve(name);
    const figures = [
      [`${name}.svg`, { [`${name}(x)`]: y }, `${name}(x)`],
      [`${name}-grad.svg`, { [`grad of ${name}`]: grad }, `grad of ${name}`],
    ] as const;
    for (const [file, ys, ylabel] of figures) {
      const target = path.join(o.out, file);
      writeFileAtomic(target, line({ x, ys, xlabel: 'x', ylabel, xlim: [-8, 8], width: 400, height: 280 }));
      written.push(target);
    }
  }
  process.stdout.write(`wrote ${written.join(', ')}\n`);
  return 0;
}
