// SPDX-License-Identifier: MIT
// The GEMM tile simdgrad's engine chooses for a build in a fresh process of this
// runtime, as a user's process would: init, then sg.tile() (which finishes the
// measurement) printed as one JSON line. SIMDGRAD_TILE forces one.
// Usage: node bench/lib/tile.mjs simd128|relaxed (deno run -A …, bun …)
import process from 'node:process';

const isDeno = typeof globalThis.Deno !== 'undefined';
const argv = isDeno ? globalThis.Deno.args : process.argv.slice(2);
const simd = argv[0];
const sg = await import(new URL('../../build/index.js', import.meta.url).href);
const forced = process.env.SIMDGRAD_TILE;
await sg.init({ simd, tile: forced ? forced : 'auto' });
console.log(JSON.stringify({ backend: sg.backend(), ...sg.tile() }));
