// SPDX-License-Identifier: MIT
// Thresholds: from what size does splitting a kernel call over 2 threads pay?
// In one process per runtime (2 threads, workers hot), each op at each size is
// timed with the pool told to split nothing and to split everything, the two
// alternating in rounds so drift hits both; the row is the median of the
// per-round ratios (one thread ÷ split), rounds another process disturbed
// dropped (bench/lib/quiet.mjs). src/engine/split.ts takes its
// thresholds from these crossovers: a call splits where the ratio is clearly
// above 1 on every runtime. Wall clock.
// Usage: node --experimental-wasm-relaxed-simd bench/thresholds.mjs [--runtimes node,node24,deno,bun] [--rounds 7]
import { fileURLToPath } from 'node:url';
import { childJson } from './lib/child.mjs';
import { arg, args, median } from './lib/common.mjs';
import { quietSamples } from './lib/quiet.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

/** Each case: a size axis (the work unit split.ts compares with its threshold) and a maker of one call. */
function cases(sg) {
  const gemm = (m) => {
    const x = sg.rand([m, 256], { seed: 1 });
    const w = sg.rand([256, 256], { seed: 2 });
    return { work: m * 256 * 256, call: () => sg.matmul(x, w) };
  };
  const elem = (n) => {
    const a = sg.rand([n], { seed: 3 });
    const b = sg.rand([n], { seed: 4 });
    return { work: n, call: () => sg.add(a, b) };
  };
  const heavy = (n) => {
    const a = sg.rand([n], { seed: 5 });
    return { work: n, call: () => sg.exp(a) };
  };
  const rows = (r) => {
    const a = sg.rand([r, 256], { seed: 6 });
    return { work: r * 256, call: () => sg.softmax(a) };
  };
  return {
    'gemm (M×256×256, multiply-adds)': [1, 2, 4, 8, 16, 32, 64, 128].map(gemm),
    'elementwise add (elements)': [4096, 8192, 16384, 32768, 65536, 131072, 262144].map(elem),
    'exp (elements)': [1024, 2048, 4096, 8192, 16384, 32768, 65536].map(heavy),
    'softmax rows (elements)': [4, 8, 16, 32, 64, 128, 256].map(rows),
  };
}

async function child(rounds) {
  const g = globalThis;
  let pool = null;
  g[Symbol.for('simdgrad.testPool')] = (p) => {
    pool = p;
  };
  const sg = await import('../build/index.js');
  await sg.init({ threads: 2 });
  await sg.startThreads();
  for (let i = 0; i < 100; i++) sg.tidy(() => sg.matmul(sg.rand([64, 256]), sg.rand([256, 256]))); // tile chosen, code tiered up
  const timeFor = (call, ms) => {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      sg.tidy(() => {
        call();
      });
      n++;
    }
    return (performance.now() - t0) / n;
  };
  const out = {};
  for (const [name, list] of Object.entries(cases(sg))) {
    out[name] = [];
    for (const { work, call } of list) {
      pool.splitMode('all');
      timeFor(call, 60); // warm
      // one thread, then split: a pair another process disturbed is dropped
      const pair = () => {
        pool.splitMode('none');
        const a = timeFor(call, 40);
        pool.splitMode('all');
        return [a, timeFor(call, 40)];
      };
      const { samples, dropped } = quietSamples(pair, { want: rounds, maxTries: 4 * rounds });
      const ratios = samples.map(([a, b]) => a / b);
      const ones = samples.map(([a]) => a);
      out[name].push({ work, oneMs: median(ones), ratio: median(ratios), n: ratios.length, dropped });
    }
  }
  pool.splitMode('auto');
  console.log(JSON.stringify(out));
  if (g.Deno) g.Deno.exit(0);
}

if (args.includes('--child')) {
  await child(Number(arg('rounds', '7')));
} else {
  const runtimes = (arg('runtimes') ?? 'node,node24,deno,bun').split(',');
  const rounds = arg('rounds', '7');
  const all = {};
  for (const rt of runtimes) {
    const r = childJson(rt, here('./thresholds.mjs'), ['--child', '--rounds', rounds], 300_000);
    if (r !== null) all[rt] = r;
  }
  const names = Object.keys(Object.values(all)[0] ?? {});
  for (const name of names) {
    console.log(
      `\n${name}: one-thread time and speed-up when split over 2 threads (median of ${rounds} paired rounds)`,
    );
    const sizes = Object.values(all)[0][name].map((r) => r.work);
    console.log(
      `${'size'.padStart(9)}  ${Object.keys(all)
        .map((rt) => rt.padStart(19))
        .join('')}`,
    );
    for (const [i, size] of sizes.entries()) {
      const cells = Object.values(all).map((res) => {
        const r = res[name][i];
        const ratio = r.n > 0 ? `${r.ratio.toFixed(2)}×` : 'noisy';
        return `${(r.oneMs * 1000).toFixed(1).padStart(8)} µs ${ratio}${r.n < rounds ? '*' : ' '}`.padStart(19);
      });
      console.log(`${String(size).padStart(9)}  ${cells.join('')}`);
    }
  }
  console.log('\n* fewer quiet rounds than asked (other processes used the CPU)');
}
