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
// `--one-process`: instead, both engines in one process per runtime, samples
// alternated round by round (pairChild): on a host whose vCPUs slow down for
// seconds at a time, separate processes can differ by more than the ratio itself
// (there --rounds counts alternated rounds, default 15).
// Usage: node --experimental-wasm-relaxed-simd bench/threads.mjs [--threads 2] [--rounds 3]
//        [--runtimes node,node24,deno,bun] [--tile auto|4x8|5x8|6x8] [--per 4,0] [--one-process]
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { childJson } from './lib/child.mjs';
import { arg, args, median } from './lib/common.mjs';
import { quietSamples } from './lib/quiet.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const SIZES = [784, 256, 256, 10];

/** The bench MLP on an engine from `url` at `threads`: its tasks (training step, inference at batch 64 and 1). */
async function engine(url, threads) {
  const sg = await import(url);
  await sg.init({ threads, tile: arg('tile', 'auto') });
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
  return { sg, model, tasks: { train: step, infer64: infer(x64), infer1: infer(x1) } };
}

/** Calls per sample so that one lasts ~100 ms, after 1 s of warm-up calls. */
function warm(fn) {
  const t0 = performance.now();
  let reps = 0;
  while (performance.now() - t0 < 1000) {
    fn();
    reps++;
  }
  return Math.max(1, Math.round(reps / 10));
}

/** ms per call over `per` calls. */
function sample(fn, per) {
  const t = performance.now();
  for (let r = 0; r < per; r++) fn();
  return (performance.now() - t) / per;
}

async function child(threads) {
  const g = globalThis;
  const per = arg('per');
  // GEMM shares per thread pinned through the pool's test hook (src/engine/pool.ts), for A/B runs
  if (per !== null) g[Symbol.for('simdgrad.testPool')] = (hook) => hook.perThread(Number(per));
  const { sg, model, tasks } = await engine(new URL('../build/index.js', import.meta.url).href, threads);
  let dropped = 0;
  /**
   * Median ms per call over 9 samples of ≥ 100 ms each, after 1 s of warm-up;
   * each sample starts once other processes are quiet, and one they disturbed
   * is dropped (bench/lib/quiet.mjs; up to 27 tries).
   */
  const time = (fn) => {
    const n = warm(fn);
    const { samples: ts, dropped: d } = quietSamples(() => sample(fn, n), { want: 9, maxTries: 27 });
    dropped += d;
    return ts.length > 0 ? median(ts) : Number.NaN;
  };
  model.train();
  const train = time(tasks.train);
  model.eval();
  const out = {
    threads: sg.threads(),
    backend: sg.backend(),
    train,
    infer64: time(tasks.infer64),
    infer1: time(tasks.infer1),
    dropped,
  };
  console.log(JSON.stringify(out));
  if (g.Deno) g.Deno.exit(0);
}

/**
 * --one-process: two engines in this process, one at 1 thread and one at
 * `threads` (two copies of the built package: a module is one instance per URL,
 * and Bun ignores a query string), their samples alternated round by round
 * (the order flipped each round), so that a slow spell of the machine (a vCPU
 * the hypervisor slows for seconds) hits both alike. Per task: the median ms of
 * each and the median of the per-round ratios, over --rounds (default 15) quiet rounds.
 */
async function pairChild(threads) {
  const dir = mkdtempSync(join(tmpdir(), 'simdgrad-threads-'));
  const copy = (tag) => {
    const file = join(dir, `${tag}.js`);
    copyFileSync(here('../build/index.js'), file);
    return pathToFileURL(file).href;
  };
  const one = await engine(copy('one'), 1);
  const many = await engine(copy('many'), threads);
  rmSync(dir, { recursive: true, force: true });
  const out = { threads: [one.sg.threads(), many.sg.threads()], backend: one.sg.backend(), dropped: 0 };
  for (const task of ['train', 'infer64', 'infer1']) {
    for (const e of [one, many]) e.model[task === 'train' ? 'train' : 'eval']();
    const [a, b] = [one.tasks[task], many.tasks[task]];
    const [na, nb] = [warm(a), warm(b)];
    let flip = false;
    const round = () => {
      flip = !flip;
      if (flip) {
        const x = sample(a, na);
        return [x, sample(b, nb)];
      }
      const y = sample(b, nb);
      return [sample(a, na), y];
    };
    const rounds = Number(arg('rounds', '15'));
    const { samples, dropped } = quietSamples(round, { want: rounds, maxTries: 3 * rounds });
    out.dropped += dropped;
    out[task] = {
      one: median(samples.map(([x]) => x)),
      many: median(samples.map(([, y]) => y)),
      ratio: median(samples.map(([x, y]) => x / y)),
      n: samples.length,
    };
  }
  console.log(JSON.stringify(out));
  if (globalThis.Deno) globalThis.Deno.exit(0);
  else globalThis.process.exit(0); // the live workers would keep it running
}

if (args.includes('--pair')) {
  await pairChild(Number(arg('threads')));
} else if (args.includes('--one-process')) {
  const n = Number(arg('threads', '2'));
  console.log(
    `${os.cpus()[0]?.model?.trim()}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}, wall clock, one process per runtime`,
  );
  for (const rt of (arg('runtimes') ?? 'node,node24,deno,bun').split(',')) {
    const childArgs = [
      '--pair',
      '--threads',
      String(n),
      '--tile',
      arg('tile', 'auto'),
      '--rounds',
      arg('rounds', '15'),
    ];
    const r = childJson(rt, here('./threads.mjs'), childArgs);
    if (r === null) continue;
    const row = ['train', 'infer64', 'infer1'].map((k) => {
      const x = r[k];
      return `${k} ${x.one.toFixed(3)} → ${x.many.toFixed(3)} ms (${x.ratio.toFixed(2)}×, ${x.n} rounds)`;
    });
    console.log(
      `${rt.padEnd(6)} ${r.backend} 1 → ${r.threads[1]} threads: ${row.join(', ')} (${r.dropped} rounds dropped)`,
    );
  }
} else if (args.includes('--child')) {
  await child(Number(arg('threads')));
} else {
  const n = Number(arg('threads', '2'));
  const rounds = Number(arg('rounds', '3'));
  const runtimes = (arg('runtimes') ?? 'node,node24,deno,bun').split(',');
  console.log(
    `${os.cpus()[0]?.model?.trim()}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(2)}, wall clock`,
  );
  for (const rt of runtimes) {
    // configurations: 1 thread, then n threads with each --per value (default: the pool's own)
    const pers = arg('per')?.split(',') ?? [null];
    const confs = [[1, null], ...pers.map((p) => [n, p])];
    const key = ([t, p]) => (p === null ? String(t) : `${t}/${p}`);
    const res = Object.fromEntries(confs.map((c) => [key(c), []]));
    for (let r = 0; r < rounds; r++) {
      for (const [t, per] of confs) {
        const childArgs = ['--child', '--threads', String(t), '--tile', arg('tile', 'auto')];
        if (per !== null) childArgs.push('--per', per);
        const got = childJson(rt, here('./threads.mjs'), childArgs, 300_000);
        if (got !== null) res[key([t, per])].push(got);
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
