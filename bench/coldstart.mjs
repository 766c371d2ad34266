// SPDX-License-Identifier: MIT
// Cold start: wall time of a fresh process that imports an engine, inits it,
// runs one batch-1 inference and exits (bench/cold.mjs), minus the wall time
// of a bare runtime start on an empty module (lib/empty.mjs); median of
// several runs, interleaved across engines so load spikes hit all alike.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ENGINES } from './engines/index.mjs';
import { errorLine, median, na } from './lib/common.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** The argv to run a script under a runtime: { node: [execPath, flags], deno: [denoPath, 'run', '-A'] }. */
export function runner(rt, denoPath) {
  return rt === 'deno'
    ? [denoPath, 'run', '-A']
    : [process.execPath, '--experimental-wasm-relaxed-simd', '--no-warnings'];
}

function wall(cmd, script, extra) {
  const t0 = performance.now();
  const r = spawnSync(cmd[0], [...cmd.slice(1), script, ...extra], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const ms = performance.now() - t0;
  if (r.status !== 0) {
    throw new Error(errorLine(r.stderr, `exit status ${r.status}`));
  }
  return ms;
}

/**
 * { runtime, bareMs, rows: { id: { ms } | { na } } } for the engines `ids`
 * under runtime rt ('node' | 'deno'); runs = timed runs per engine.
 */
export function benchColdStart({ rt = 'node', ids, runs = 5, denoPath, warm = true, log = () => {} }) {
  const cmd = runner(rt, denoPath);
  const list = ids.filter((id) => !ENGINES[id].noCold);
  const times = { bare: [] };
  const rows = {};
  for (const id of ids) if (ENGINES[id].noCold) rows[id] = na(ENGINES[id].noCold);
  const bare = () => wall(cmd, here('./lib/empty.mjs'), []);
  const cold = (id) => {
    try {
      times[id].push(wall(cmd, here('./cold.mjs'), ['--engine', id]));
    } catch (e) {
      rows[id] = na(`cold start failed: ${e.message}`);
      times[id] = null;
    }
  };
  for (const id of list) times[id] = [];
  // warm: one discarded run each first (OS file cache, Deno's caches); run.mjs skips it
  // because every engine has just run in this runtime.
  if (warm) {
    bare();
    for (const id of list) if (times[id]) cold(id);
    for (const id of list) if (times[id]) times[id] = [];
  }
  for (let r = 0; r < runs; r++) {
    times.bare.push(bare());
    for (const id of list) if (times[id]) cold(id);
  }
  const bareMs = median(times.bare);
  for (const id of list) {
    if (!times[id]) continue;
    rows[id] = { ms: median(times[id]) - bareMs, totalMs: median(times[id]) };
    log(`cold ${rt} ${id}: +${rows[id].ms.toFixed(0)} ms`);
  }
  return { runtime: rt, bareMs, rows };
}
