// SPDX-License-Identifier: MIT
// `npm run bench`: the whole comparison in one run, under Node 20, Node 24 LTS,
// Deno and Bun (a missing runtime binary fails the bench, naming it).
//   1. GEMM GFLOP/s (bench/gemm.mjs) with the register-only probe and the tile
//      each build's engine chose, in this process and under each other runtime;
//   2. end to end per engine (bench/e2e.mjs, a fresh process per engine and
//      runtime): MLP training step samples/s, inference batch 1 and 64;
//   3. cold start (bench/coldstart.mjs) per runtime;
//   4. shipped bytes (bench/bytes.mjs).
// Prints the tables (medians, ratios vs TensorFlow.js wasm) with a machine line
// and writes them to <out>/latest.md and latest.json (default bench/results/).
// Prints the targets per runtime (bench/targets.mjs).
// Usage: node --experimental-wasm-relaxed-simd bench/run.mjs [--quick] [--smoke]
//        [--runtimes node,node24,deno,bun] [--no-gemm] [--engines id,id] [--out DIR] [--wall]
//        [--simdgrad PATH/index.js]; SIMDGRAD_TILE=4x8|5x8|6x8 forces simdgrad's GEMM tile.
// Timings are process CPU time by default (the machines are shared), --wall for
// wall clock (cold start reports both in latest.json).

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBytes } from './bytes.mjs';
import { BENCH_RUNTIMES, benchColdStart, runner } from './coldstart.mjs';
import { ENGINE_IDS } from './engines/index.mjs';
import { benchGemm, formatGemm } from './gemm.mjs';
import { arg, args, clockKind, errorLine, na } from './lib/common.mjs';
import { ensureTfGrads } from './lib/tfgrads.mjs';
import { agreement, formatBytes, formatE2E, int8Summary } from './table.mjs';
import { formatTargets } from './targets.mjs';

const smoke = args.includes('--smoke');
const quick = smoke || args.includes('--quick');
const other = arg('simdgrad');
const pass = other ? ['--simdgrad', resolve(other)] : [];
const mode = [
  ...(smoke ? ['--smoke'] : quick ? ['--quick'] : []),
  ...(clockKind === 'wall' ? ['--wall'] : []),
  ...(arg('threads') ? ['--threads', arg('threads')] : []),
  ...pass,
];
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = resolve(arg('out', here('./results')));
const ids = arg('engines')?.split(',') ?? ENGINE_IDS;
const denoPath = here('../node_modules/.bin/deno');
const runtimes = arg('runtimes')?.split(',') ?? BENCH_RUNTIMES;
for (const rt of runtimes) {
  if (!BENCH_RUNTIMES.includes(rt)) throw new Error(`bench: unknown runtime ${rt} (${BENCH_RUNTIMES.join(', ')})`);
  runner(rt, denoPath); // throws, naming it, when its binary is missing
}
const log = (m) => console.error(m);
const started = performance.now();

function denoVersion() {
  const r = spawnSync(denoPath, ['--version'], { encoding: 'utf8' });
  const m = /deno (\S+)[\s\S]*v8 (\S+)/.exec(r.stdout ?? '');
  return m ? `deno ${m[1]} (V8 ${m[2]})` : 'deno ?';
}

/** "node24 v24.22.3 (V8 13.6…)", "bun 1.4.4" from the runtime itself. */
function runtimeVersion(rt) {
  const cmd = runner(rt, denoPath);
  const code =
    rt === 'bun'
      ? "console.log('bun ' + Bun.version)"
      : "console.log('node24 ' + process.version + ' (V8 ' + process.versions.v8 + ')')";
  const r = spawnSync(cmd[0], ['-e', code], { encoding: 'utf8' });
  return (r.stdout ?? '').trim() || `${rt} ?`;
}

function cpuModel() {
  const cpus = os.cpus();
  return `${cpus[0]?.model?.trim() ?? 'unknown cpu'}, ${cpus.length} cores`;
}

const machine = [
  cpuModel(),
  `node ${process.version} (V8 ${process.versions.v8})`,
  ...(runtimes.includes('node24') ? [runtimeVersion('node24')] : []),
  ...(runtimes.includes('deno') ? [denoVersion()] : []),
  ...(runtimes.includes('bun') ? [runtimeVersion('bun')] : []),
  `${new Date().toISOString().slice(0, 16)}Z`,
  quick ? (smoke ? 'smoke' : 'quick') : 'full',
  `clock: ${clockKind === 'cpu' ? 'process CPU time' : 'wall'}`,
  `simdgrad threads: ${arg('threads') ?? (clockKind === 'cpu' ? '1 (CPU clock)' : `auto = ${os.availableParallelism()}`)}`,
  ...(other ? [`simdgrad from ${other}`] : []),
].join(' | ');

/** Runs bench/e2e.mjs for one engine under one runtime; its JSON or n/a everywhere. */
function e2e(rt, id) {
  const cmd = runner(rt, denoPath);
  const r = spawnSync(cmd[0], [...cmd.slice(1), here('./e2e.mjs'), '--engine', id, ...mode], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    timeout: 10 * 60 * 1000,
  });
  const last = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last);
  } catch {
    const reason = na(`${rt} process failed: ${errorLine(r.stderr, `exit status ${r.status}`)}`);
    return { engine: id, runtime: rt, train: reason, infer1: reason, infer64: reason, probe: null };
  }
}

await ensureTfGrads();
const result = {
  machine,
  mode: smoke ? 'smoke' : quick ? 'quick' : 'full',
  clock: clockKind,
  gemm: {},
  e2e: {},
  cold: {},
  bytes: null,
};

if (!args.includes('--no-gemm')) {
  log('== GEMM ==');
  if (runtimes.includes('node')) result.gemm.node = await benchGemm({ quick, smoke, clock: clockKind, log });
  for (const rt of runtimes.filter((r) => r !== 'node')) {
    log(`== GEMM, ${rt} ==`);
    const cmd = runner(rt, denoPath);
    const r = spawnSync(cmd[0], [...cmd.slice(1), here('./gemm.mjs'), '--json', ...mode], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 24,
    });
    result.gemm[rt] = r.status === 0 ? JSON.parse(r.stdout) : null;
  }
}

for (const rt of runtimes) {
  log(`== end to end, ${rt} ==`);
  const rows = {};
  for (const id of ids) {
    rows[id] = e2e(rt, id);
    const r = rows[id];
    const show = (v, k, u) => (v?.[k] != null ? `${v[k].toFixed(k === 'ms' ? 3 : 1)} ${u}` : 'n/a');
    log(
      `${rt} ${id}: train ${show(r.train, 'samplesPerSec', 'samples/s')}, b1 ${show(r.infer1, 'us', 'µs')}, b64 ${show(r.infer64, 'ms', 'ms')}`,
    );
  }
  result.e2e[rt] = rows;
}

for (const rt of runtimes) {
  log(`== cold start, ${rt} ==`);
  // smoke: 3 runs too, since one run of an engine against one bare start can differ by less than their noise (±40 ms CPU)
  const runs = smoke || quick ? 3 : 7;
  result.cold[rt] = benchColdStart({ rt, ids, runs, denoPath, warm: false, clock: clockKind, extra: pass, log });
  for (const id of ids) result.e2e[rt][id].cold = result.cold[rt].rows[id] ?? na('not measured');
}

log('== bytes ==');
result.bytes = (await benchBytes()).rows;
for (const id of Object.keys(result.bytes)) if (!ids.includes(id)) delete result.bytes[id];

const sections = [`machine: ${machine}`];
for (const rt of runtimes) {
  const { bare } = result.cold[rt];
  const b = `${bare.cpu.toFixed(0)} ms CPU, ${bare.wall.toFixed(0)} ms wall`;
  sections.push(
    `== MLP 784-256-256-10 end to end, ${rt} (training batch 256; cold start over a bare ${rt} start of ${b}) ==\n${formatE2E(result.e2e[rt])}\n${agreement(result.e2e[rt])}\n${int8Summary(result.e2e[rt])}`,
  );
}
sections.push(`== shipped bytes ==\n${formatBytes(result.bytes)}`);
for (const rt of runtimes)
  if (result.gemm[rt]) sections.push(`== GEMM GFLOP/s, ${rt} ==\n${formatGemm(result.gemm[rt])}`);
for (const rt of runtimes) {
  result.targets ??= {};
  result.targets[rt] = formatTargets(result.gemm[rt], result.e2e[rt]);
  sections.push(`== targets, ${rt} ==\n${result.targets[rt]}`);
}
const text = sections.join('\n\n');
console.log(text);

mkdirSync(out, { recursive: true });
writeFileSync(`${out}/latest.json`, `${JSON.stringify(result, null, 2)}\n`);
const md = sections.map((s) => {
  const [title, ...rest] = s.split('\n');
  return title.startsWith('==')
    ? `### ${title.replace(/==/g, '').trim()}\n\n\`\`\`\n${rest.join('\n')}\n\`\`\``
    : `${s}`;
});
writeFileSync(`${out}/latest.md`, `# simdgrad bench\n\n${md.join('\n\n')}\n`);
log(`wrote ${out}/latest.md (${((performance.now() - started) / 1000).toFixed(0)} s)`);
