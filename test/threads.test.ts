// Threads (init({ threads }), the worker pool): options and errors in process;
// in child processes on Node 20, Node 24, Deno and Bun: the runtime workload's
// simd128 golden digest with 1–4 threads and every splittable call split, the
// book's MLP trained 50 steps with 1 and 2 threads bit for bit, a script that
// never cleans up still exits, batch-1 never starts the workers, memory growth
// after the workers started, a worker that dies is a SimdgradError on the next
// call (then fresh workers, same bits), one that dies in the middle of a call
// makes that call a SimdgradError (a bounded wait, no leak), and the 10,000-step soak flat.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { bin, root, runBun, runChromium, runDeno, runNode, runNode24 } from './runtime/runners.mjs';

const NODE24 = join(root, 'node_modules/node24/bin/node');
const child = join(root, 'test/threads/child.mjs');
const golden = JSON.parse(readFileSync(join(root, 'test/runtime/golden/simd128.json'), 'utf8')).digest as string;

type Runtime = 'node' | 'node24' | 'deno' | 'bun';
const RUNTIMES: Runtime[] = ['node', 'node24', 'deno', 'bun'];

interface ChildOut {
  scenario: string;
  threads: number;
  fatal?: string;
  params?: Record<string, string>;
  infer?: string[];
  stats: { threads: number; ready: number; parallelCalls: number; disabled: string | null };
  sum?: number;
  grew?: boolean;
  hash?: string;
  error?: { name: string; message: string } | null;
  again?: boolean;
  leaked?: number;
  waitedMs?: number;
  base?: sg.MemoryInfo;
  samples?: sg.MemoryInfo[];
}

/** Runs child.mjs in `rt`; resolves with its JSON line (and rejects if it does not exit in time). */
function run(rt: Runtime, args: string[], timeout = 120_000): Promise<ChildOut> {
  const [file, pre] =
    rt === 'node'
      ? [process.execPath, []]
      : rt === 'node24'
        ? [NODE24, []]
        : rt === 'deno'
          ? [bin('deno'), ['run', '-A']]
          : [bin('bun'), [`--tsconfig-override=${join(root, 'test/runtime/bun.tsconfig.json')}`]];
  return new Promise((resolve, reject) => {
    execFile(file, [...pre, child, ...args], { cwd: root, timeout, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${rt} ${args.join(' ')}: ${err.message}\n${stderr.slice(-1500)}`));
      const line = stdout.trim().split('\n').pop() ?? '';
      const out = JSON.parse(line) as ChildOut;
      if (out.fatal) return reject(new Error(`${rt} ${args.join(' ')}: ${out.fatal}`));
      resolve(out);
    });
  });
}

beforeAll(async () => {
  await sg.init();
});

describe('init({ threads }) and threads()', () => {
  it('rejects a thread count that is not auto or a positive integer, naming the value', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 257, '2', 'all', null]) {
      await expect(sg.init({ threads: bad as never })).rejects.toThrow(
        /init: threads must be 'auto' or an integer from 1 to 256/,
      );
    }
  });

  it("reports the thread count and refuses a second init asking for another; 'auto' is this machine's cores", async () => {
    const n = sg.threads();
    expect(n).toBeGreaterThanOrEqual(1);
    const cores = (await import('node:os')).availableParallelism();
    expect(n).toBe(cores);
    await expect(sg.init({ threads: n + 1 })).rejects.toThrow(
      new RegExp(`already initialized with ${n} threads?; cannot switch to ${n + 1}`),
    );
    await expect(sg.init({ threads: n })).resolves.toBeUndefined();
    await expect(sg.init({ threads: 'auto' })).resolves.toBeUndefined();
    expect(sg.backend()).toMatch(/^(simd128|relaxed-simd)$/);
    expect(sg.threadStats().threads).toBe(n);
  });
});

describe.each(RUNTIMES)('%s', (rt) => {
  const runWorkload = (threads: number) =>
    rt === 'deno'
      ? runDeno('simd128', { threads })
      : rt === 'bun'
        ? runBun('simd128', { threads })
        : rt === 'node24'
          ? runNode24('simd128', { threads })
          : runNode('simd128', { threads });

  it.each([1, 2, 3, 4])('the golden digest holds with %i thread(s), every splittable call split', async (t) => {
    const r = await runWorkload(t);
    expect(r.digest).toBe(golden);
    expect(r.threads?.threads).toBe(t);
    if (t > 1) {
      expect(r.threads?.ready).toBe(t - 1);
      expect(r.threads?.parallelCalls).toBeGreaterThan(0); // shares a busy machine keeps a worker from are run by the caller
    }
  });

  it("the book's MLP trained 50 steps has the same bits with 1 and 2 threads (default thresholds and split-all)", async () => {
    const [one, two, all] = await Promise.all([
      run(rt, ['mlp', '1']),
      run(rt, ['mlp', '2']),
      run(rt, ['mlp', '2', '--split-all']),
    ]);
    expect(Object.keys(one.params ?? {})).toHaveLength(6);
    expect(two.params).toEqual(one.params);
    expect(all.params).toEqual(one.params);
    // then batch-67 inference: the packed weights (2nd and 3rd run) give the first run's bits, on any thread count
    expect(one.infer).toHaveLength(3);
    expect(new Set(one.infer).size).toBe(1);
    expect(two.infer).toEqual(one.infer);
    expect(all.infer).toEqual(one.infer);
    expect(one.stats.parallelCalls).toBe(0);
    expect(two.stats.parallelCalls).toBeGreaterThan(0);
    expect(all.stats.parallelCalls).toBeGreaterThan(0);
  });

  it('a script that never cleans up exits on its own; batch-1 inference never starts the workers', async () => {
    const done = await run(rt, ['exit', '2'], 30_000);
    expect(done.stats.ready).toBe(1); // a live worker when the script ended
    expect(Number.isFinite(done.sum)).toBe(true);
    const lazy = await run(rt, ['lazy', '2'], 30_000);
    expect(lazy.stats).toMatchObject({ threads: 2, ready: 0, parallelCalls: 0 });
  });

  it('memory growth after the workers started reaches them (same bits as one thread)', async () => {
    const [one, two] = await Promise.all([run(rt, ['grow', '1']), run(rt, ['grow', '2', '--split-all'])]);
    expect(two.grew).toBe(true);
    expect(two.stats.parallelCalls).toBeGreaterThan(0);
    expect(two.hash).toBe(one.hash);
  });

  it('a worker that dies gives a SimdgradError on the next call, then fresh workers give the same bits', async () => {
    const r = await run(rt, ['death', '2'], 60_000);
    expect(r.error?.name).toBe('SimdgradError');
    expect(r.error?.message).toMatch(/worker thread .*this call was not run/);
    expect(r.again).toBe(true);
  });

  it('a worker that dies in the middle of a call: that call is a SimdgradError after a bounded wait, no tensor leaks, then the same bits', async () => {
    const r = await run(rt, ['midcall', '2'], 90_000);
    expect(r.error?.name).toBe('SimdgradError');
    expect(r.error?.message).toMatch(
      /worker thread did not finish its share .* within \d+ ms; the thread pool restarts/,
    );
    expect(r.leaked).toBe(0);
    expect(r.again).toBe(true);
  });
});

describe('headless Chromium', () => {
  it.each([2, 3, 4])(
    'a page served with COOP/COEP: the golden digest holds with %i threads, every call split',
    async (t) => {
      const r = (await runChromium(['simd128'], { threads: t })).simd128;
      expect(r.isolated).toBe(true);
      expect(r.digest).toBe(golden);
      expect(r.threads).toMatchObject({ threads: t, ready: t - 1 });
      expect(r.threads?.parallelCalls).toBeGreaterThan(0); // shares a busy machine keeps a worker from are run by the caller
      expect(r.violations).toEqual([]);
      expect(r.problems).toEqual([]);
    },
  );

  it("a page without COOP/COEP is not cross-origin isolated: 'auto' runs one thread", async () => {
    const r = (await runChromium(['simd128'])).simd128;
    expect(r.isolated).toBe(false);
    expect(r.digest).toBe(golden);
    expect(r.threads).toMatchObject({ threads: 1, parallelCalls: 0 });
  });
});

describe('soak with threads', () => {
  it('10,000 steps with every call split over 2 threads keep tensors and bytes exactly flat', async () => {
    const r = await run('node', ['soak', '2', '--split-all'], 300_000);
    expect(r.stats.parallelCalls).toBeGreaterThan(0);
    expect(r.samples).toHaveLength(9);
    for (const m of r.samples ?? []) {
      expect(m.tensors).toBe(r.base?.tensors);
      expect(m.bytes).toBe(r.base?.bytes);
      expect(m.wasmBytes).toBeLessThanOrEqual(r.base?.wasmBytes ?? 0);
    }
  }, 300_000);
});
