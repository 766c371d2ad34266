// SPDX-License-Identifier: MIT
// Does the engine's measured tile choice pick the tile that is fastest in steady
// state? For one build on this runtime:
//   1. the choice, REPEATS times each way, each in a fresh process:
//      'finish': init and sg.tile() at once (bench/lib/tile.mjs with 0 GEMMs; all turns back
//      to back on cold code, the hardest case), and 'train': init, then
//      training the bench MLP (784-256-256-10, batch 256, SGD) for 120 steps
//      (~960 GEMMs, whose own turns make the choice: 8 early, then one every 16
//      GEMMs), then sg.tile() (a user's process);
//   2. the truth: every tile on the GEMMs of the targets (n = 256 NN and the three
//      MLP shapes), after warm-up, sampled in interleaved rounds (so a load spike
//      or a slow phase of the host hits every tile alike); per tile the upper
//      quartile of each shape (on a shared host, other work only ever slows a
//      sample: when the other core's work shares this core's units the median
//      of every tile sinks alike and hides the ranking) and their geometric mean.
// It prints one JSON line: the choices, the truth, and for each choice its
// steady-state speed as a fraction of the fastest tile's.
// Usage: node [--experimental-wasm-relaxed-simd] bench/tilecheck.mjs simd128|relaxed [REPEATS]
//        (deno run -A …, bun …); run it under the timing lock.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { runtimeLabel, selfRunner } from './lib/common.mjs';

const isDeno = typeof globalThis.Deno !== 'undefined';
const argv = isDeno ? globalThis.Deno.args : process.argv.slice(2);
const build = argv[0] === 'relaxed' ? 'relaxed' : 'simd128';
const repeats = Number(argv[1] ?? 3);
const TILES = ['4x8', '5x8', '6x8'];
const rowsOf = (t) => Number(t[0]);
const SHAPES = [
  ['nn 256³', 'nn', 256, 256, 256],
  ['mlp fwd', 'nt', 256, 256, 784],
  ['mlp bwd dY·W', 'nn', 256, 784, 256],
  ['mlp bwd dYᵀ·X', 'tn', 256, 784, 256],
];

function choose(way) {
  const cmd = selfRunner();
  const args =
    way === 'train'
      ? [fileURLToPath(import.meta.url), build, '1', '--child-train']
      : [fileURLToPath(new URL('lib/tile.mjs', import.meta.url)), build, '0'];
  const r = spawnSync(cmd[0], [...cmd.slice(1), ...args], {
    encoding: 'utf8',
    env: { ...process.env, SIMDGRAD_TILE: '' },
  });
  return JSON.parse((r.stdout ?? '').trim().split('\n').at(-1));
}

async function truth() {
  const bytes = readFileSync(new URL(`../build/${build}.wasm`, import.meta.url));
  const memory = new WebAssembly.Memory({ initial: 2 });
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: {
      memory,
      abort() {
        throw new Error('abort');
      },
    },
  });
  const X = instance.exports;
  const elems = 256 * 784;
  const ws = (Number(X.heap_base()) + 15) & ~15;
  const a = ws + ((X.gemm_ws_bytes() + 64 + 15) & ~15);
  const b = a + elems * 4;
  const c = b + elems * 4;
  memory.grow(Math.ceil((c + elems * 4 - memory.buffer.byteLength) / 65536));
  const f = new Float32Array(memory.buffer);
  for (let i = 0; i < 2 * elems; i++) f[(a >> 2) + i] = ((i * 7919) % 2001) / 1000 - 1;
  const gflops = {};
  for (const [name, kind, M, N, K] of SHAPES) {
    const fn = X[`gemm_${kind}`];
    const samples = Object.fromEntries(TILES.map((t) => [t, []]));
    for (const t of TILES) {
      X.gemm_ws_set_tile(ws, rowsOf(t));
      for (let i = 0; i < 30; i++) fn(a, b, c, M, N, K, 0, ws);
    }
    for (let round = 0; round < 21; round++) {
      for (const t of TILES) {
        X.gemm_ws_set_tile(ws, rowsOf(t));
        const t0 = performance.now();
        for (let i = 0; i < 3; i++) fn(a, b, c, M, N, K, 0, ws);
        samples[t].push((3 * 2 * M * N * K) / (performance.now() - t0) / 1e6);
      }
    }
    gflops[name] = Object.fromEntries(
      TILES.map((t) => [t, +samples[t].sort((x, y) => x - y)[Math.floor(samples[t].length * 0.75)].toFixed(2)]),
    );
  }
  const geo = Object.fromEntries(
    TILES.map((t) => [
      t,
      +Math.exp(SHAPES.reduce((s, [name]) => s + Math.log(gflops[name][t]), 0) / SHAPES.length).toFixed(2),
    ]),
  );
  return { gflops, geo };
}

/** The 'train' child: 120 training steps, then the choice (sg.tile() runs whatever turns are left). */
async function trainChild() {
  const sg = await import(new URL('../build/index.js', import.meta.url).href);
  const { mlpTrainer } = await import('./lib/common.mjs');
  await sg.init({ simd: build, tile: 'auto' });
  const { step } = mlpTrainer(sg);
  for (let i = 0; i < 120; i++) step();
  console.log(JSON.stringify(sg.tile()));
}

if (argv[2] === '--child-train') {
  await trainChild();
} else {
  const choices = [];
  for (let i = 0; i < repeats; i++) for (const way of ['finish', 'train']) choices.push({ way, ...choose(way) });
  const t = await truth();
  const best = TILES.reduce((x, y) => (t.geo[y] > t.geo[x] ? y : x));
  const runtime = runtimeLabel();
  console.log(
    JSON.stringify({
      runtime,
      build,
      fastest: best,
      geo: t.geo,
      gflops: t.gflops,
      choices: choices.map((c) => ({
        way: c.way,
        tile: c.tile,
        ofFastest: +(t.geo[c.tile] / t.geo[best]).toFixed(3),
        turns: c.turns,
        ms: +c.ms.toFixed(2),
        coldMs: +c.coldMs.toFixed(2),
        measured: Object.fromEntries(Object.entries(c.gflops).map(([k, v]) => [k, +v.toFixed(1)])),
      })),
    }),
  );
}
