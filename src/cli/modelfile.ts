// SPDX-License-Identifier: MIT
// The CLI's model file: a plain safetensors file whose `__metadata__` names
// the architecture (`sizes`, `activation`), so `eval` can rebuild the MLP. A
// file without it (e.g. saved by PyTorch from the same nn.Sequential) still
// loads: the layer sizes are read off the weights, the activation is relu.

import { SimdgradError } from 'simdgrad';

export interface ModelMeta {
  sizes: number[];
  activation: string;
}

/** The `__metadata__` the CLI writes next to the weights. */
export function modelMetadata(sizes: number[], activation: string): Record<string, string> {
  return { format: 'simdgrad-mlp', sizes: sizes.join(','), activation };
}

/**
 * The MLP layer sizes implied by a state dict with PyTorch Sequential names
 * (`0.weight` [h1,in], `2.weight` [h2,h1], …): [in, h1, h2, …, out].
 */
export function sizesFromWeights(shapes: Map<string, readonly number[]>, what = 'model'): number[] {
  // Linear weights are the 2-D `<i>.weight` entries (a PReLU's `<i>.weight` is 1-D).
  const layers = [...shapes.entries()]
    .map(([k, shape]) => [/^(\d+)\.weight$/.exec(k), shape] as const)
    .filter(([m, shape]) => m !== null && shape.length === 2)
    .map(([m]) => Number(m![1]))
    .sort((a, b) => a - b);
  if (layers.length === 0)
    throw new SimdgradError(`${what}: no Linear weights (\`0.weight\`, \`2.weight\`, …) in the file`);
  const sizes: number[] = [];
  for (const [k, idx] of layers.entries()) {
    const shape = shapes.get(`${idx}.weight`)!;
    if (shape.length !== 2)
      throw new SimdgradError(`${what}: ${idx}.weight has shape [${shape}], expected 2-D [out, in]`);
    if (k === 0) sizes.push(shape[1]!);
    else if (shape[1] !== sizes[sizes.length - 1]) {
      throw new SimdgradError(
        `${what}: ${idx}.weight has ${shape[1]} inputs but the previous layer has ${sizes.at(-1)} outputs`,
      );
    }
    sizes.push(shape[0]!);
  }
  return sizes;
}

/** Architecture from the weights, with the activation from the metadata (default relu). */
export function modelMeta(
  shapes: Map<string, readonly number[]>,
  metadata: Record<string, string> | null,
  what = 'model',
): ModelMeta {
  const sizes = sizesFromWeights(shapes, what);
  if (metadata?.sizes !== undefined && metadata.sizes !== sizes.join(',')) {
    throw new SimdgradError(
      `${what}: its metadata says sizes ${metadata.sizes} but the weights give ${sizes.join(',')}`,
    );
  }
  return { sizes, activation: metadata?.activation ?? 'relu' };
}

/**
 * Whether the file's Sequential has Dropout layers between its Linears: PyTorch
 * names shift by 3 per hidden layer (Linear, activation, Dropout) instead of 2.
 */
export function hasDropoutLayers(shapes: Map<string, readonly number[]>): boolean {
  const idx = [...shapes.entries()]
    .map(([k, shape]) => [/^(\d+)\.weight$/.exec(k), shape] as const)
    .filter(([m, shape]) => m !== null && shape.length === 2)
    .map(([m]) => Number(m![1]))
    .sort((a, b) => a - b);
  return idx.length > 1 && idx[1]! - idx[0]! === 3;
}
