// SPDX-License-Identifier: MIT
// Cold start: a fresh process that imports an engine, inits it, runs one
// batch-1 inference and exits (bench/cold.mjs), minus a bare runtime start on
// an empty module (lib/empty.mjs); median of several runs, interleaved across
// engines so load spikes hit all alike. Two clocks: the wall time of the whole
// process (what a user waits for on an idle machine) and the CPU time the
// process reports (all its threads, so background wasm tier-up compiles count
// too; robust when the machine is shared). `clock` picks the one in `ms`.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ENGINES } from './engines/index.mjs';
import { errorLine, median, na } from './lib/common.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

const nodeModules = (p) => fileURLToPath(new URL(`../node_modules/${p}`, import.meta.url));

/** The bench's runtimes: Node 20 (this process's node), Node 24 LTS, Deno, Bun. */
export const BENCH_RUNTIMES = ['node', 'node24', 'deno', 'bun'];

/**
 * The argv to run a script under a runtime: node (this process's Node, with the
 * relaxed-SIMD flag Node 20 needs), node24 (the node24 devDependency; it has
 * relaxed SIMD on and rejects that flag), deno (`run -A`), bun. Throws, naming
 * the runtime, when its binary is missing: a bench without it is not the bench.
 */
export function runner(rt, denoPath = nodeModules('.bin/deno')) {
  const need = (file) => {
    if (!existsSync(file)) throw new Error(`bench: runtime ${rt} is missing (${file}); run \`npm ci\``);
    return file;
  };
  if (rt === 'deno') return [need(denoPath), 'run', '-A'];
  if (rt === 'node24') return [need(nodeModules('node24/bin/node')), '--no-warnings'];
  if (rt === 'bun') return [need(nodeModules('.bin/bun'))];
  const flags = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
  return [process.execPath, ...flags, '--no-warnings'];
}

/** { wall, cpu } ms of one process run. */
function wall(cmd, script, extra) {
  const t0 = performance.now();
  const r = spawnSync(cmd[0], [...cmd.slice(1), script, ...extra], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    throw new Error(errorLine(r.stderr, `exit status ${r.status}`));
  }
  const cpu = JSON.parse(r.stdout.trim().split('\n').at(-1)).cpuMs;
  return { wall: ms, cpu };
}

/**
 * { runtime, bareMs, rows: { id: { ms } | { na } } } for the engines `ids`
 * under runtime rt (one of BENCH_RUNTIMES); runs = timed runs per engine.
 */
export function benchColdStart({
  rt = 'node',
  ids,
  runs = 5,
  denoPath,
  warm = true,
  clock = 'cpu',
  extra = [],
  log = () => {},
}) {
  const cmd = runner(rt, denoPath);
  const list = ids.filter((id) => !ENGINES[id].noCold);
  const times = { bare: [] };
  const rows = {};
  for (const id of ids) if (ENGINES[id].noCold) rows[id] = na(ENGINES[id].noCold);
  const runBare = () => wall(cmd, here('./lib/empty.mjs'), []);
  const cold = (id) => {
    try {
      times[id].push(wall(cmd, here('./cold.mjs'), ['--engine', id, ...extra]));
    } catch (e) {
      rows[id] = na(`cold start failed: ${e.message}`);
      times[id] = null;
    }
  };
  for (const id of list) times[id] = [];
  // warm: one discarded run each first (OS file cache, Deno's caches); run.mjs skips it
  // because every engine has just run in this runtime.
  if (warm) {
    runBare();
    for (const id of list) if (times[id]) cold(id);
    for (const id of list) if (times[id]) times[id] = [];
  }
  for (let r = 0; r < runs; r++) {
    times.bare.push(runBare());
    for (const id of list) if (times[id]) cold(id);
  }
  const pick = (list, k) => median(list.map((t) => t[k]));
  const bare = { wall: pick(times.bare, 'wall'), cpu: pick(times.bare, 'cpu') };
  for (const id of list) {
    if (!times[id]) continue;
    const wallMs = pick(times[id], 'wall') - bare.wall;
    const cpuMs = pick(times[id], 'cpu') - bare.cpu;
    rows[id] = { ms: clock === 'wall' ? wallMs : cpuMs, wallMs, cpuMs };
    log(`cold ${rt} ${id}: +${cpuMs.toFixed(0)} ms CPU, +${wallMs.toFixed(0)} ms wall`);
  }
  return { runtime: rt, bareMs: clock === 'wall' ? bare.wall : bare.cpu, bare, rows };
}
