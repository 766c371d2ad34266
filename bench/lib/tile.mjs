// SPDX-License-Identifier: MIT
// The GEMM tile simdgrad's engine chooses for a build in a fresh process of this
// runtime, as a user's process would: init, then 600 GEMMs of 256³ (~0.5–1 s;
// their own turns make the choice, spread over time as in a training run, so a
// busy moment of the machine does not decide it), then sg.tile() (which runs
// any turns left) printed as one JSON line. SIMDGRAD_TILE forces one.
// Usage: node bench/lib/tile.mjs simd128|relaxed [GEMMS] (deno run -A …, bun …)
import process from 'node:process';

const isDeno = typeof globalThis.Deno !== 'undefined';
const argv = isDeno ? globalThis.Deno.args : process.argv.slice(2);
const simd = argv[0];
const gemms = Number(argv[1] ?? 600);
const sg = await import(new URL('../../build/index.js', import.meta.url).href);
const forced = process.env.SIMDGRAD_TILE;
await sg.init({ simd, tile: forced ? forced : 'auto' });
const n = 256;
const a = sg.keep(sg.rand([n, n], { seed: 1 }));
const b = sg.keep(sg.rand([n, n], { seed: 2 }));
for (let i = 0; i < gemms; i++) sg.tidy(() => sg.matmul(a, b));
console.log(JSON.stringify({ backend: sg.backend(), gemms, ...sg.tile() }));
