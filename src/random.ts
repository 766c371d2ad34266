// SPDX-License-Identifier: MIT
// Seeded random tensors. The generator runs in wasm (counter-based, Box–Muller
// in f64 with AssemblyScript's pure-wasm Math), so a seed gives the same bits on
// every runtime; nothing here ever calls Math.random.

import { checkNumber } from './creation.js';
import { engine } from './engine/load.js';
import { checkShape, describe, fail, SimdgradError } from './errors.js';
import { empty, type Tensor } from './tensor.js';

/** Options shared by {@link randn} and {@link rand}. */
export interface RandomOptions {
  /** Seed (an integer; the same seed gives the same numbers on every runtime). */
  seed?: number;
}

let counter = 0x5eed;
/**
 * The 64-bit seed (lo, hi) of one random call: `seed`, or the next value of the
 * counter that unseeded calls draw from (never Math.random). @internal
 */
export function nextSeed(op: string, seed: number | undefined): [number, number] {
  if (seed === undefined) seed = counter++;
  if (typeof seed !== 'number' || !Number.isInteger(seed)) fail(op, `seed must be an integer, got ${describe(seed)}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  return [lo, hi];
}

/** Resets the counter that unseeded rand/randn calls draw from. */
export function seed(s: number): void {
  if (!Number.isInteger(s)) throw new SimdgradError(`seed: expected an integer, got ${describe(s)}`);
  counter = s;
}

/** Standard normal samples (scaled by std, shifted by mean), same bits everywhere for a seed. */
export function randn(shape: readonly number[], options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const op = 'randn';
  checkShape(op, shape);
  const mean = checkNumber(op, 'mean', options.mean ?? 0);
  const std = checkNumber(op, 'std', options.std ?? 1);
  const [lo, hi] = nextSeed(op, options.seed);
  const t = empty(shape, op);
  if (t.size > 0) engine().k.randn_fill(t.ptr, t.size, lo, hi, mean, std);
  return t;
}

/** Uniform samples in [low, high), same bits everywhere for a seed. */
export function rand(shape: readonly number[], options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const op = 'rand';
  checkShape(op, shape);
  const low = checkNumber(op, 'low', options.low ?? 0);
  const high = checkNumber(op, 'high', options.high ?? 1);
  if (!(low <= high)) fail(op, `low must not exceed high, got low ${low} and high ${high}`);
  if (!Number.isFinite(Math.fround(high - low))) {
    fail(op, `high − low must be a finite float32, got low ${low} and high ${high}`);
  }
  const [lo, hi] = nextSeed(op, options.seed);
  const t = empty(shape, op);
  if (t.size > 0) engine().k.rand_fill(t.ptr, t.size, lo, hi, low, high);
  return t;
}
