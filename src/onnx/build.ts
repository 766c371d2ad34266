// SPDX-License-Identifier: MIT
// A plan (chain.ts) → an nn.Sequential on the core layers, so a Linear followed
// by ReLU/Sigmoid/Tanh/PReLU runs as the fused kernel pair, exactly as a
// hand-built nn.MLP does. Weights are copied into the new parameters; if an
// allocation fails half-way, every parameter made so far is disposed again.

import { nn, SimdgradError, tensor } from 'simdgrad';
import type { LayerSpec } from './chain.js';
import { LeakyReLU, LogSoftmax } from './layers.js';

type GeluCtor = new (opts: { approximate: 'none' | 'tanh' }) => nn.Module;

/** nn.GELU when the core has it. */
function geluClass(): GeluCtor | undefined {
  return (nn as unknown as { GELU?: GeluCtor }).GELU;
}

/** Whether this build of the core has nn.GELU (Gelu and the erf pattern map onto it). */
export function hasGelu(): boolean {
  return geluClass() !== undefined;
}

/** Copies values into a parameter through the public state-dict path. */
function load(m: nn.Module, entries: [string, Float32Array, number[]][]): void {
  const state = new Map(entries.map(([k, v, shape]) => [k, tensor(v, shape)]));
  try {
    m.loadStateDict(state);
  } finally {
    for (const t of state.values()) t.dispose();
  }
}

const MAKE: { [K in LayerSpec['kind']]: (s: Extract<LayerSpec, { kind: K }>) => nn.Module } = {
  linear: (s) => {
    const lin = new nn.Linear(s.inF, s.out, { bias: s.bias !== null, seed: 0 });
    const w: [string, Float32Array, number[]][] = [['weight', s.weight, [s.out, s.inF]]];
    if (s.bias) w.push(['bias', s.bias, [s.out]]);
    load(lin, w);
    return lin;
  },
  relu: () => new nn.ReLU(),
  sigmoid: () => new nn.Sigmoid(),
  tanh: () => new nn.Tanh(),
  leakyRelu: (s) => new LeakyReLU({ negativeSlope: s.alpha }),
  prelu: (s) => {
    const p = new nn.PReLU({ numParameters: s.slope.length });
    load(p, [['weight', s.slope, [s.slope.length]]]);
    return p;
  },
  gelu: (s) => {
    const G = geluClass();
    if (!G) throw new SimdgradError('importOnnx: Gelu needs nn.GELU, which this build of simdgrad does not have');
    return new G({ approximate: s.approximate });
  },
  softmax: () => new nn.Softmax({ axis: -1 }),
  logSoftmax: () => new LogSoftmax(),
  flatten: () => new nn.Flatten(),
};

/** Builds the Sequential; never leaves parameters behind on failure. */
export function build(layers: LayerSpec[]): nn.Sequential {
  const made: nn.Module[] = [];
  try {
    for (const s of layers) made.push((MAKE[s.kind] as (x: LayerSpec) => nn.Module)(s));
    return new nn.Sequential(...made);
  } catch (e) {
    for (const m of made) for (const p of m.parameters()) p.dispose();
    throw e;
  }
}
