// SPDX-License-Identifier: MIT
// Starts the engine for a CLI command. Node 20/21 validate relaxed-SIMD wasm
// only behind --experimental-wasm-relaxed-simd; a `#!/usr/bin/env node` bin
// cannot pass flags portably, so the CLI sets the V8 flag at run time, before
// any wasm is compiled (harmless where the feature is already on). `init`
// then picks the relaxed build where it validates, as it does in browsers.
// SIMDGRAD_TILE=4x8|5x8|6x8 forces the GEMM register tile (init's `tile`
// option; the core never reads the environment), for benchmarks and tests.

import process from 'node:process';
import v8 from 'node:v8';
import { InvalidArgumentError } from 'commander';
import * as sg from 'simdgrad';

export const SIMD_CHOICES = ['auto', 'relaxed', 'simd128'] as const;
export type SimdChoice = (typeof SIMD_CHOICES)[number];

/** --threads: 'auto' or a positive integer (init checks where threads can run). */
export type ThreadsChoice = 'auto' | number;

export function threadsOption(value: string): ThreadsChoice {
  if (value === 'auto') return 'auto';
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected 'auto' or a positive integer, got '${value}'`);
  }
  return n;
}

/** The GEMM tile asked for by SIMDGRAD_TILE ('auto' when unset; init rejects anything else by name). */
export function tileFromEnv(): 'auto' | sg.GemmTile {
  const t = process.env.SIMDGRAD_TILE;
  return t === undefined || t === '' ? 'auto' : (t as sg.GemmTile);
}

export async function startEngine(simd: SimdChoice = 'auto', threads: ThreadsChoice = 'auto'): Promise<void> {
  // Node ≥ 22 has relaxed SIMD on (Node 24 prints an error for the unknown flag).
  if (simd !== 'simd128' && Number(process.versions.node.split('.')[0]) < 22) {
    try {
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // not V8 (or the flag is gone): init falls back to what validates
    }
  }
  await sg.init({ simd, tile: tileFromEnv(), threads });
}
