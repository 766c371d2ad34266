// SPDX-License-Identifier: MIT
// Threads: wall-clock speed-up of N threads over one, per runtime (a fresh
// process per runtime × thread count, the rounds interleaved so drift hits both).
// Cases: one training step of the book's MLP (784-256-256-10, ReLU, SGD) at
// batch 256, inference at batch 64 and at batch 1. Wall clock, since process CPU
// time counts every thread. On Linux a sample that another process disturbed is
// dropped (bench/lib/quiet.mjs); `--tile 6x8` pins the GEMM tile so that the
// tile measured at start (which varies between processes) does not blur the ratio.
// `--per 4,0` compares GEMM row-share rules (0 = guided, the default; n = n equal
// shares per thread, 1 being the split before shares were claimed dynamically).
// Usage: node --experimental-wasm-relaxed-simd bench/threads.mjs [--threads 2] [--rounds 3]
//        [--runtimes node,node24,deno,bun] [--tile auto|4x8|5x8|6x8] [--per 4,0]
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { runner } from './coldstart.mjs';
import { arg, args, median } from './lib/common.mjs';
import { quietSamples } from './lib/quiet.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const SIZES = [784, 256, 256, 10];

async function child(threads) {
  const g = globalThis;
  const per = arg('per');
  // GEMM shares per thread pinned through the pool's test hook (src/engine/pool.ts), for A/B runs
  if (per !== null) g[Symbol.for('simdgrad.testPool')] = (hook) => hook.perThread(Number(per));
  const sg = await import('../build/index.js');
  const tile = arg('tile', 'auto');
  await sg.init({ threads, tile });
  await sg.startThreads();
  const model = new sg.nn.MLP(SIZES, { activation: 'relu', seed: 1 });
  const opt = new sg.optim.SGD(model, { lr: 0.1 });
  const x256 = sg.rand([256, 784], { seed: 2 });
  const y256 = Int32Array.from({ length: 256 }, (_, i) => (i * 7) % 10);
  const x64 = sg.rand([64, 784], { seed: 3 });
  const x1 = sg.rand([1, 784], { seed: 4 });
  const step = () =>
    sg.tidy(() => {
      sg.autograd.record(() => sg.nn.softmaxCrossEntropy(model.forward(x256), y256)).backward();
      opt.step();
    });
  const infer = (x) => () => sg.tidy(() => sg.softmax(model.forward(x)).data());
  let dropped = 0;
  /**
   * Median ms per call over 9 samples of ≥ 100 ms each, after 1 s of warm-up;
   * each sample starts once other processes are quiet, and one they disturbed
   * is dropped (bench/lib/quiet.mjs; up to 27 tries).
   */
  const time = (fn) => {
    const t0 = performance.now();
    let reps = 0;
    while (performance.now() - t0 < 1000) {
      fn();
      reps++;
    }
    const per = Math.max(1, Math.round(reps / 10));
    const once = () => {
      const t = performance.now();
      for (let r = 0; r < per; r++) fn();
      return (performance.now() - t) / per;
    };
    const { samples: ts, dropped: d } = quietSamples(once, { want: 9, maxTries: 27 });
    dropped += d;
    return ts.length > 0 ? median(ts) : Number.NaN;
  };
  model.train();
  const train = time(step);
  model.eval();
  const out = {
    threads: sg.threads(),
    backend: sg.backend(),
    train,
    infer64: time(infer(x64)),
    infer1: time(infer(x1)),
    dropped,
  };
  console.log(JSON.stringify(out));
  if (g.Deno) g.Deno.exit(0);
}

if (args.includes('--child')) {
  await child(Number(arg('threads')));
} else {
  const n = Number(arg('threads', '2'));
  const rounds = Number(arg('rounds', '3'));
  const runtimes = (arg('runtimes') ?? 'node,node24,deno,bun').split(',');
  console.log(
    `${os.cpus()[0]?.model?.trim()}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}, wall clock`,
  );
  for (const rt of runtimes) {
    const cmd = runner(rt);
    // configurations: 1 thread, then n threads with each --per value (default: the pool's own)
    const pers = arg('per')?.split(',') ?? [null];
    const confs = [[1, null], ...pers.map((p) => [n, p])];
    const key = ([t, p]) => (p === null ? String(t) : `${t}/${p}`);
    const res = Object.fromEntries(confs.map((c) => [key(c), []]));
    for (let r = 0; r < rounds; r++) {
      for (const [t, per] of confs) {
        const childArgs = [here('./threads.mjs'), '--child', '--threads', String(t), '--tile', arg('tile', 'auto')];
        if (per !== null) childArgs.push('--per', per);
        const p = spawnSync(cmd[0], [...cmd.slice(1), ...childArgs], {
          encoding: 'utf8',
          timeout: 300_000,
        });
        const line = (p.stdout ?? '').trim().split('\n').at(-1) ?? '';
        try {
          res[key([t, per])].push(JSON.parse(line));
        } catch {
          console.log(`${rt} threads ${t}: failed: ${(p.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
        }
      }
    }
    const med = (c, k) => median(res[c].map((x) => x[k]).filter((v) => !Number.isNaN(v)));
    for (const c of confs.slice(1)) {
      const row = ['train', 'infer64', 'infer1'].map((k) => {
        const a = med('1', k);
        const b = med(key(c), k);
        return `${k} ${a.toFixed(3)} → ${b.toFixed(3)} ms (${(a / b).toFixed(2)}×)`;
      });
      const dropped = [...res['1'], ...res[key(c)]].reduce((a, x) => a + x.dropped, 0);
      const per =
        c[1] === null
          ? ''
          : c[1] === '0'
            ? ' (guided GEMM shares)'
            : ` (${c[1]} GEMM share${c[1] === '1' ? '' : 's'} per thread)`;
      console.log(
        `${rt.padEnd(6)} ${res['1'][0]?.backend ?? '?'} 1 → ${n} threads${per}: ${row.join(', ')} (${dropped} samples dropped)`,
      );
    }
  }
}
