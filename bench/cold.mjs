// SPDX-License-Identifier: MIT
// One cold start, in a fresh process: import the engine, init, build the MLP
// from the seeded weights, one batch-1 inference, exit. bench/coldstart.mjs
// times this whole process against a bare runtime start (lib/empty.mjs); both
// print the CPU time their process used (all threads, as getrusage counts it).
// Usage: node bench/cold.mjs --engine ID | deno run -A bench/cold.mjs --engine ID

import process from 'node:process';
import { ENGINES } from './engines/index.mjs';
import { arg, batch, mlpWeights, runtime, SIZES } from './lib/common.mjs';

const spec = ENGINES[arg('engine')];
const engine = await spec.load({ layers: mlpWeights(SIZES, 1), train: false });
const probs = await engine.infer(batch(1, SIZES[0], SIZES.at(-1), 5).x, 1);
if (!(probs.length === SIZES.at(-1) && Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-3)) {
  throw new Error(`cold start: bad probabilities ${Array.from(probs)}`);
}
const u = process.cpuUsage();
console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }));
if (runtime === 'deno') globalThis.Deno.exit(0);
else process.exit(0);
