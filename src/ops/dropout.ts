// SPDX-License-Identifier: MIT
// Dropout (PyTorch's inverted dropout): in training each element is zeroed with
// probability p and the survivors scaled by 1/(1 − p); in evaluation it is the
// identity. ONE kernel each way (assembly/rng.ts dropout_fwd / dropout_bwd): the
// mask comes from the engine's counter-based generator keyed by the element
// index and is applied in the same pass; backward regenerates it from the seed
// instead of storing it. So a seed gives the same mask on every runtime and for
// any split of the work.

import { engine } from '../engine/load.js';
import { describe, fail } from '../errors.js';
import { nextSeed } from '../random.js';
import { empty, Tensor } from '../tensor.js';
import { defineOp, method } from './registry.js';

export interface DropoutAttrs {
  p: number;
  /** The 64-bit seed of the mask. */
  seedLo: number;
  seedHi: number;
}

/** PyTorch's survivor scale: 1 / (1 − p) rounded to f32 after 1 − p is. */
const scaleOf = (p: number) => Math.fround(1 / Math.fround(1 - p));

const dropoutOp = defineOp<DropoutAttrs>({
  name: 'dropout',
  save: { inputs: [], output: false },
  forward: ([x], { p, seedLo, seedHi }) => {
    const y = empty(x.shape, 'dropout');
    if (y.size) engine().k.dropout_fwd(x.ptr, y.ptr, y.size, 0, seedLo, seedHi, p, scaleOf(p));
    return y;
  },
  backward: (dy, { attrs: { p, seedLo, seedHi } }) => {
    const dx = empty(dy.shape, 'dropout');
    if (dx.size) engine().k.dropout_bwd(dy.ptr, dx.ptr, dx.size, 0, seedLo, seedHi, p, scaleOf(p));
    return [dx];
  },
});

/** The op row of src/ops/table.ts. */
export const dropoutOps = { dropout: dropoutOp };

export function checkP(op: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) fail(op, `p must be a probability in [0, 1], got ${describe(p)}`);
  return p;
}

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Apply the mask (default true); false returns x itself, as PyTorch's F.dropout(training=False). */
  training?: boolean;
  /** Seed of the mask; default: the next value of the engine's seed counter (`sg.seed(s)` resets it). */
  seed?: number;
}

/**
 * Functional dropout: zeroes each element of x with probability p and scales
 * the survivors by 1/(1 − p) (p = 1 zeroes everything). With `training: false`
 * or p = 0 it returns x itself (no copy), as PyTorch does.
 */
export function dropout(x: Tensor, p = 0.5, options?: DropoutOptions): Tensor {
  const op = 'dropout';
  if (!(x instanceof Tensor)) fail(op, `expected a tensor, got ${describe(x)}`);
  x.check(op);
  checkP(op, p);
  if (options !== undefined && (options === null || typeof options !== 'object')) fail(op, 'options must be an object');
  const training = options?.training ?? true;
  if (typeof training !== 'boolean') fail(op, `training must be a boolean, got ${describe(training)}`);
  if (!training || p === 0) {
    if (options?.seed !== undefined) nextSeed(op, options.seed); // validated; the counter is not drawn from
    return x;
  }
  const [seedLo, seedHi] = nextSeed(op, options?.seed);
  return dropoutOp([x], { p, seedLo, seedHi });
}

declare module '../tensor.js' {
  interface Tensor {
    /** Zeroes each element with probability `p` (default 0.5) and scales the rest by 1/(1 − p); see {@link dropout}. */
    dropout(p?: number, options?: DropoutOptions): Tensor;
  }
}
method('dropout', dropout);
