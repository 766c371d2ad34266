// SPDX-License-Identifier: MIT
// Option parsing for the CLI: each parser turns one raw string into a value
// or throws commander's InvalidArgumentError, whose message commander prints
// as one line (`error: option '--epochs <n>' argument 'x' is invalid. …`).

import { InvalidArgumentError } from 'commander';
import { type CLIActivation, cliActivations } from 'simdgrad';

/** `--activation` choices: the activation table's rows offered to the CLI (src/ops/activations.ts). */
export const ACTIVATIONS: readonly CLIActivation[] = cliActivations;
export type Activation = CLIActivation;
export const OPTIMIZERS = ['sgd', 'adam', 'adamw'] as const;
export type Optimizer = (typeof OPTIMIZERS)[number];
export const DATASETS = ['fashion-mnist'] as const;
export const INITS = ['pytorch', 'xavier', 'kaiming'] as const;
export const SCHEDULES = ['none', 'step', 'cosine'] as const;

/**
 * Default learning rate per optimizer. SGD at 0.5 is the rate the NumPy
 * reference of the book's loop uses (784-256-256-10, batch 256, 10 epochs →
 * 0.873 test accuracy); Adam and AdamW at 1e-3 are PyTorch's defaults.
 */
export const DEFAULT_LR: Record<Optimizer, number> = { sgd: 0.5, adam: 1e-3, adamw: 1e-3 };

/** A decimal integer ≥ 1 (no exponents, no fractions). */
export function positiveInt(value: string): number {
  if (!/^\s*\+?\d+\s*$/.test(value)) throw new InvalidArgumentError('expected a positive integer.');
  const n = Number(value);
  if (!(n >= 1 && Number.isSafeInteger(n))) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/** Any integer, for seeds (kept within int32, which is what the PRNGs take). */
export function int32(value: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(value)) throw new InvalidArgumentError('expected an integer.');
  const n = Number(value);
  if (!(n >= -(2 ** 31) && n < 2 ** 32)) throw new InvalidArgumentError('expected an integer in [-2^31, 2^32).');
  return n | 0;
}

/** A finite number > 0, e.g. a learning rate (`0.5`, `1e-3`). */
export function positiveNumber(value: string): number {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError('expected a number greater than 0.');
  return n;
}

/** Comma-separated hidden layer widths: `256,256` (at least one: an MLP without a hidden layer is not one). */
export function hiddenSizes(value: string): number[] {
  if (value.trim() === '') {
    throw new InvalidArgumentError('expected at least one hidden layer width, e.g. 256,256 (got an empty list).');
  }
  return value.split(',').map((part) => {
    try {
      return positiveInt(part);
    } catch {
      throw new InvalidArgumentError('expected comma-separated positive integers, e.g. 256,256.');
    }
  });
}

/** A parser accepting exactly one of `choices` (case-insensitive). */
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value: string) => {
    const v = value.trim().toLowerCase() as T;
    if (!choices.includes(v)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}.`);
    return v;
  };
}

/** A finite number ≥ 0, e.g. a weight decay. */
export function nonNegativeNumber(value: string): number {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!(Number.isFinite(n) && n >= 0)) throw new InvalidArgumentError('expected a number ≥ 0.');
  return n;
}

/** Comma-separated dropout probabilities in [0, 1): `0.2,0.5` (one per hidden layer) or one for all. */
export function dropoutList(value: string): number[] {
  return value.split(',').map((part) => {
    const p = part.trim() === '' ? Number.NaN : Number(part);
    if (!(p >= 0 && p < 1))
      throw new InvalidArgumentError('expected probabilities in [0, 1), comma-separated, e.g. 0.2,0.5.');
    return p;
  });
}
