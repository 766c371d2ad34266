// SPDX-License-Identifier: MIT
// `simdgrad info` (runtime, versions, the wasm build in use and its size) and
// `simdgrad bench` (runs the repository's bench/run.mjs in a child node).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import * as sg from 'simdgrad';
import { type SimdChoice, startEngine, type ThreadsChoice } from './engine.js';

/** The package root: build/cli.js lives one level below it. */
const root = new URL('../', import.meta.url);

function fileSize(rel: string): number | null {
  try {
    return fs.statSync(fileURLToPath(new URL(rel, root))).size;
  } catch {
    return null;
  }
}

export function runtimeName(): string {
  const g = globalThis as { Deno?: { version: { deno: string } }; Bun?: { version: string } };
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  if (g.Bun) return `Bun ${g.Bun.version}`;
  return `Node ${process.version}`;
}

export function packageVersion(): string {
  try {
    return JSON.parse(fs.readFileSync(fileURLToPath(new URL('package.json', root)), 'utf8')).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** "6x8 (measured: 4x8 26.1, 5x8 23.0, 6x8 27.3 GFLOP/s, 64 turns in 5.2 ms)" and the like. */
export function describeTile(c: sg.TileChoice): string {
  if (c.by === 'option') return `${c.tile} tile (forced by SIMDGRAD_TILE / init({ tile }))`;
  if (c.by === 'default') return `${c.tile} tile (default: ${c.reason ?? 'not measured'})`;
  const speeds = Object.entries(c.gflops)
    .map(([t, g]) => `${t} ${(g as number).toFixed(1)}`)
    .join(', ');
  const rel = Object.entries(c.relative)
    .map(([t, r]) => `${t} ${(r as number).toFixed(3)}`)
    .join(', ');
  const decided = rel ? `; decided by speed relative to each turn's mean: ${rel}` : '';
  return `${c.tile} tile (measured on packed scratch: best ${speeds} GFLOP/s${decided}; ${c.turns} turns in ${c.ms.toFixed(1)} ms, ${c.coldMs.toFixed(1)} ms of them on the first GEMMs)`;
}

export async function infoCommand(o: { simd?: SimdChoice; threads?: ThreadsChoice } = {}): Promise<number> {
  await startEngine(o.simd, o.threads);
  const mem = sg.memory();
  const sizes = ['build/simd128.wasm', 'build/relaxed.wasm']
    .map((f) => [f.slice(6), fileSize(f)] as const)
    .map(([f, s]) => `${f} ${s === null ? 'not found' : `${s.toLocaleString('en-US')} bytes`}`);
  const rows = [
    ['runtime', `${runtimeName()} (${process.platform} ${process.arch})`],
    ['simdgrad', packageVersion()],
    ['build', sg.backend()],
    ['threads', threadsLine()],
    ['wasm', sizes.join(', ')],
    ['gemm', describeTile(sg.tile())],
    ['memory', `${mem.wasmBytes.toLocaleString('en-US')} bytes of wasm memory, ${mem.tensors} live tensors`],
  ];
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(9)} ${v}\n`);
  return 0;
}

/** "2 (worker_threads, 2 cores)" or "1 (why threads are off)". */
function threadsLine(): string {
  const n = sg.threads();
  const s = sg.threadStats();
  if (s.disabled) return `1 (${s.disabled})`;
  return n === 1
    ? '1 (the calling thread only)'
    : `${n} (the calling thread and ${n - 1} worker${n === 2 ? '' : 's'}, started when first needed)`;
}

export function benchCommand(args: string[]): Promise<number> {
  const script = fileURLToPath(new URL('bench/run.mjs', root));
  if (!fs.existsSync(script)) {
    throw new Error(
      'bench: the benchmark lives in the simdgrad repository (bench/run.mjs and its peer engines), not in the installed npm package; clone the repository, run `npm install`, then `npm run bench` there',
    );
  }
  return new Promise((resolve, reject) => {
    // Node ≥ 22 has relaxed SIMD on and Node 24 rejects the flag that Node 20 needs.
    const flags = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
    const child = spawn(process.execPath, [...flags, script, ...args], { stdio: 'inherit' });
    child.on('error', (e) => reject(new Error(`bench: cannot start node: ${e.message}`)));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
