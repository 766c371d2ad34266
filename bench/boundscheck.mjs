// SPDX-License-Identifier: MIT
// How much of a runtime's GEMM gap is its wasm bounds checks? V8 on x64 can check
// wasm memory accesses by guard pages and a signal handler (the "trap handler",
// which the embedder must install) or by a compare and branch before every load
// and store. Node installs it; an embedder that does not gets the explicit
// checks, and a GEMM tile loads 3–8 times per 8–12 multiply-adds. This runs each
// tile (4×8, 5×8, 6×8) of a build on the MLP forward shape (256×784·(256×784)ᵀ)
// interleaved with the register-only probe (gemm_peak, no loads) in fresh
// processes, and prints each tile as a % of that process's probe, for pairs
// of the same runtime that differ only in how memory accesses are checked:
//   node24 / node24 --wasm-enforce-bounds-checks   (V8 flag: explicit checks although the handler is installed)
//   node   / node   --wasm-enforce-bounds-checks   (Node 20)
//   deno   / deno --v8-flags=--no-wasm-bounds-checks   (V8 flag, test-only and unsafe: no checks at all)
//   bun    / BUN_JSC_useWasmFastMemory=0           (JavaScriptCore: explicit checks instead of its guard pages)
// Variants alternate round by round so a slow phase of a shared machine hits
// both alike; per process a tile's figure is the upper quartile of 25 samples
// (other work only ever slows a sample; on Linux a round another process
// disturbed is dropped and retried), then the median over rounds.
// Usage: node bench/boundscheck.mjs [--rounds 3] [--runtimes node24,deno,bun] [--builds simd128,relaxed]
//        (run it under the timing lock; about 10 s per process)
// Child: <runtime> bench/boundscheck.mjs --child simd128|relaxed → one JSON line.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { runner } from './coldstart.mjs';
import { arg, args, median } from './lib/common.mjs';
import { quietSamples } from './lib/quiet.mjs';
import { rawBuild, warmProbe } from './lib/raw.mjs';

const TILES = [4, 5, 6];
const [M, N, K] = [256, 256, 784];

async function child(build) {
  const raw = await rawBuild(build, N * K);
  if (raw === null) return { na: `${build}.wasm does not validate here` };
  const { X, memory, ws, a, b, c } = raw;
  const f = new Float32Array(memory.buffer);
  for (let i = 0; i < M * K; i++) f[(a >> 2) + i] = ((i * 7) % 13) / 13 - 0.5;
  for (let i = 0; i < N * K; i++) f[(b >> 2) + i] = ((i * 5) % 11) / 11 - 0.5;
  const gemm = (t) => {
    X.gemm_ws_set_tile(ws, t);
    X.gemm_nt(a, b, c, M, N, K, 0, ws);
  };
  const peak = warmProbe(raw);
  for (const t of TILES) for (let i = 0; i < 30; i++) gemm(t);
  const steps = 20000;
  const flops = 2 * M * N * K;
  // a round another process disturbed is dropped (bench/lib/quiet.mjs; Linux only)
  const round = () => {
    const got = {};
    let t0 = performance.now();
    peak(steps);
    got.probe = (steps * 96) / (performance.now() - t0) / 1e6;
    for (const t of TILES) {
      t0 = performance.now();
      for (let i = 0; i < 3; i++) gemm(t);
      got[t] = (3 * flops) / (performance.now() - t0) / 1e6;
    }
    return got;
  };
  const { samples, dropped } = quietSamples(round, { want: 25, maxTries: 200 });
  const s = Object.fromEntries(['probe', ...TILES].map((k) => [k, samples.map((g) => g[k])]));
  const q3 = (v) => v.slice().sort((x, y) => x - y)[Math.floor(v.length * 0.75)];
  const probe = q3(s.probe);
  return { probe, dropped, pct: Object.fromEntries(TILES.map((t) => [`${t}x8`, (100 * q3(s[t])) / probe])) };
}

/** [label, command, env] pairs: the runtime as it ships, then with the other kind of checks. */
function variants(rt) {
  const cmd = runner(rt);
  if (rt === 'deno')
    return [
      ['deno', cmd, {}],
      [
        'deno, no bounds checks (test-only V8 flag)',
        [cmd[0], 'run', '--v8-flags=--no-wasm-bounds-checks', ...cmd.slice(2)],
        {},
      ],
    ];
  if (rt === 'bun')
    return [
      ['bun', cmd, {}],
      ['bun, explicit checks (useWasmFastMemory=0)', cmd, { BUN_JSC_useWasmFastMemory: '0' }],
    ];
  return [
    [rt, cmd, {}],
    [
      `${rt}, explicit checks (--wasm-enforce-bounds-checks)`,
      [cmd[0], '--wasm-enforce-bounds-checks', ...cmd.slice(1)],
      {},
    ],
  ];
}

function parent() {
  const rounds = Number(arg('rounds', 3));
  const runtimes = arg('runtimes', 'node24,deno,bun').split(',');
  const builds = arg('builds', 'simd128,relaxed').split(',');
  const script = fileURLToPath(import.meta.url);
  const out = [];
  for (const rt of runtimes)
    for (const build of builds) {
      const vs = variants(rt);
      const got = vs.map(() => []);
      for (let r = 0; r < rounds; r++)
        vs.forEach(([, cmd, env], i) => {
          const p = spawnSync(cmd[0], [...cmd.slice(1), script, '--child', build], {
            encoding: 'utf8',
            env: { ...process.env, ...env },
          });
          if (p.status !== 0) throw new Error(`${rt} ${build}: ${p.stderr.trim().split('\n').at(-1)}`);
          got[i].push(JSON.parse(p.stdout.trim().split('\n').at(-1)));
        });
      vs.forEach(([label], i) => {
        if (got[i][0].na) {
          out.push(`${build.padEnd(8)} ${label.padEnd(56)} n/a: ${got[i][0].na}`);
          return;
        }
        const probe = median(got[i].map((g) => g.probe));
        const cells = TILES.map(
          (t) =>
            `${t}x8 ${median(got[i].map((g) => g.pct[`${t}x8`]))
              .toFixed(0)
              .padStart(3)}%`,
        );
        const dropped = got[i].reduce((n, g) => n + g.dropped, 0);
        out.push(
          `${build.padEnd(8)} ${label.padEnd(56)} probe ${probe.toFixed(1).padStart(5)} GFLOP/s   ${cells.join('   ')}   (${dropped} disturbed rounds dropped)`,
        );
      });
    }
  console.log(
    `GEMM ${M}×${K}·(${N}×${K})ᵀ as % of the same process's register-only probe (median of ${rounds} processes)`,
  );
  console.log(out.join('\n'));
}

if (args[0] === '--child') console.log(JSON.stringify(await child(args[1])));
else parent();
