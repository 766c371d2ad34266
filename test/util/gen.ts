// Inputs for the opinfo-generated suites: seeded values per sample, pushed
// away from kinks, as f32 tensors and as the f64 arrays of the same values.

import type { Tensor } from 'simdgrad';
import * as sg from 'simdgrad';
import type { OpInfo, Sample } from '../opinfo.js';
import { type Arr, size } from '../reference/f64.js';
import { uniform } from './close.js';

export function values(info: OpInfo, s: Sample, k: number, seed: number, scale = 1): Float32Array {
  const shape = s.shapes[k];
  const lo = s.lo ?? -2;
  const hi = s.hi ?? 2;
  const v = uniform(size(shape), seed * 31 + k, lo, hi);
  const kink = info.kink ?? 0;
  for (let i = 0; i < v.length; i++) {
    if (Math.abs(v[i]) < kink) v[i] = v[i] < 0 ? v[i] - kink : v[i] + kink;
    v[i] = Math.fround(v[i] * scale);
  }
  return v;
}

export interface Inputs {
  tensors: Tensor[];
  arrs: Arr[];
}

export function inputs(info: OpInfo, s: Sample, seed: number, scale = 1): Inputs {
  const tensors: Tensor[] = [];
  const arrs: Arr[] = [];
  s.shapes.forEach((shape, k) => {
    const v = values(info, s, k, seed, scale);
    tensors.push(sg.tensor(v, shape));
    arrs.push({ shape: shape.slice(), data: Float64Array.from(v) });
  });
  return { tensors, arrs };
}

export const label = (name: string, s: Sample) =>
  `${name} ${s.shapes.map((x) => JSON.stringify(x)).join(' ')}${s.args ? ` ${JSON.stringify(s.args)}` : ''}`;
