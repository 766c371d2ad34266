// SPDX-License-Identifier: MIT
// Threads: wall-clock speed-up of N threads over one, per runtime (a fresh
// process per runtime × thread count, the rounds interleaved so drift hits both).
// Cases: one training step of the book's MLP (784-256-256-10, ReLU, SGD) at
// batch 256, inference at batch 64 and at batch 1. Wall clock, since process CPU
// time counts every thread; on a shared machine, read the medians with care.
// Usage: node --experimental-wasm-relaxed-simd bench/threads.mjs [--threads 2] [--rounds 3]
//        [--runtimes node,node24,deno,bun]
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { arg, args, median } from './lib/common.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const SIZES = [784, 256, 256, 10];

async function child(threads) {
  const g = globalThis;
  const sg = await import('../build/index.js');
  await sg.init({ threads });
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
  /** Median ms per call over 9 samples of ≥ 100 ms each, after 1 s of warm-up. */
  const time = (fn) => {
    let t0 = performance.now();
    let reps = 0;
    while (performance.now() - t0 < 1000) {
      fn();
      reps++;
    }
    const per = Math.max(1, Math.round(reps / 10));
    const ts = [];
    for (let s = 0; s < 9; s++) {
      t0 = performance.now();
      for (let r = 0; r < per; r++) fn();
      ts.push((performance.now() - t0) / per);
    }
    return median(ts);
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
  };
  console.log(JSON.stringify(out));
  if (g.Deno) g.Deno.exit(0);
}

function runtimeCmd(rt) {
  const nm = here('../node_modules');
  if (rt === 'node') return [process.execPath, '--experimental-wasm-relaxed-simd'];
  if (rt === 'node24') return [`${nm}/node24/bin/node`];
  if (rt === 'deno') return [`${nm}/.bin/deno`, 'run', '-A'];
  if (rt === 'bun') return [`${nm}/.bin/bun`];
  throw new Error(`unknown runtime ${rt}`);
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
    const cmd = runtimeCmd(rt);
    const res = { 1: [], [n]: [] };
    for (let r = 0; r < rounds; r++) {
      for (const t of [1, n]) {
        const p = spawnSync(cmd[0], [...cmd.slice(1), here('./threads.mjs'), '--child', '--threads', String(t)], {
          encoding: 'utf8',
          timeout: 300_000,
        });
        const line = (p.stdout ?? '').trim().split('\n').at(-1) ?? '';
        try {
          res[t].push(JSON.parse(line));
        } catch {
          console.log(`${rt} threads ${t}: failed: ${(p.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
        }
      }
    }
    const med = (t, k) => median(res[t].map((x) => x[k]));
    const row = ['train', 'infer64', 'infer1'].map((k) => {
      const a = med(1, k);
      const b = med(n, k);
      return `${k} ${a.toFixed(3)} → ${b.toFixed(3)} ms (${(a / b).toFixed(2)}×)`;
    });
    console.log(`${rt.padEnd(6)} ${res[1][0]?.backend ?? '?'} 1 → ${n} threads: ${row.join(', ')}`);
  }
}
