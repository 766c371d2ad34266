// `npm run bench` as a harness. Runs bench/run.mjs in --quick --smoke
// mode (each case once or twice, results to a temp dir) and checks the shape of
// what it reports: every engine has a row under every runtime, and every value
// is a finite positive number or an explicit n/a with a reason. No timing is
// asserted: the numbers are whatever this machine gave.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM without types
import { ENGINE_IDS, ENGINES } from '../bench/engines/index.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// Node 24, Deno and Bun are devDependencies: a missing or broken binary fails
// these tests (the bench then fails, naming it), it never drops the runtime.
const runtimes = ['node', 'node24', 'deno', 'bun'];

type Cell = number | { na: string };
interface Row {
  train: { samplesPerSec: number } | { na: string };
  infer1: { us: number } | { na: string };
  infer64: { ms: number } | { na: string };
  cold: { ms: number } | { na: string };
}
interface Result {
  machine: string;
  e2e: Record<string, Record<string, Row>>;
  cold: Record<string, { bareMs: number }>;
  bytes: Record<
    string,
    { wasm: { raw: number; gzip: number } | { na: string }; js: { raw: number; gzip: number } | { na: string } }
  >;
  gemm: Record<string, { columns: string[]; rows: { name: string; gflops: Record<string, number | null> }[] }>;
}

let dir = '';
let result: Result;
let table = '';
let stdout = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'simdgrad-bench-'));
  const r = spawnSync(
    process.execPath,
    ['--experimental-wasm-relaxed-simd', join(root, 'bench/run.mjs'), '--quick', '--smoke', '--out', dir],
    { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) throw new Error(`bench/run.mjs exited ${r.status}: ${r.stderr.slice(-2000)}`);
  stdout = r.stdout;
  result = JSON.parse(readFileSync(join(dir, 'latest.json'), 'utf8'));
  table = readFileSync(join(dir, 'latest.md'), 'utf8');
}, 600_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** simdgrad's own rows and columns: always measured, never n/a. */
function expectValue(what: string, v: Cell | undefined) {
  expect(typeof v === 'number' && Number.isFinite(v) && v > 0, `${what} = ${JSON.stringify(v)}`).toBe(true);
}

/** A measured value or an explicit not-available with a reason (peers only). */
function expectValueOrReason(what: string, v: Cell | undefined) {
  if (typeof v === 'number') {
    expect(Number.isFinite(v) && v > 0, `${what} = ${v}`).toBe(true);
  } else {
    expect(v, `${what} is neither a number nor n/a`).toBeTypeOf('object');
    expect(typeof v?.na === 'string' && v.na.length > 3, `${what}: n/a without a reason`).toBe(true);
  }
}

const pick = (cell: unknown, key: string): Cell =>
  cell && typeof cell === 'object' && key in cell ? (cell as Record<string, number>)[key] : (cell as { na: string });

describe('npm run bench (smoke)', () => {
  it('has a machine line with the CPU, every runtime and the date', () => {
    expect(result.machine).toMatch(/cores \| node v\d+/);
    expect(result.machine).toMatch(/node24 v24\.\d+/);
    expect(result.machine).toMatch(/deno \d+\.\d+/);
    expect(result.machine).toMatch(/bun \d+\.\d+/);
    expect(result.machine).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\dZ/);
    expect(table).toContain(`machine: ${result.machine}`);
  });

  for (const rt of runtimes) {
    it(`${rt}: every engine has train, batch-1, batch-64 and cold-start values or reasons`, () => {
      const rows = result.e2e[rt];
      expect(Object.keys(rows).sort()).toEqual([...ENGINE_IDS].sort());
      for (const id of ENGINE_IDS) {
        const r = rows[id];
        const check = String(id).startsWith('simdgrad') ? expectValue : expectValueOrReason;
        // int8 rows are inference-only: their train cell is an n/a with its reason, never missing
        const inferenceOnly = 'noTrain' in (ENGINES as Record<string, object>)[id];
        (inferenceOnly ? expectValueOrReason : check)(`${rt} ${id} train`, pick(r.train, 'samplesPerSec'));
        check(`${rt} ${id} infer b1`, pick(r.infer1, 'us'));
        check(`${rt} ${id} infer b64`, pick(r.infer64, 'ms'));
        check(`${rt} ${id} cold`, pick(r.cold, 'ms'));
      }
      expect(ENGINE_IDS.filter((id: string) => id.startsWith('simdgrad')).length).toBeGreaterThanOrEqual(2);
      // the reference peer itself must run, or no ratio means anything
      expect(typeof pick(rows['tfjs-wasm'].train, 'samplesPerSec')).toBe('number');
      expect(typeof pick(rows['tfjs-wasm'].infer1, 'us')).toBe('number');
      expect(result.cold[rt].bareMs).toBeGreaterThan(0);
    });

    it(`${rt}: the printed table names every engine`, () => {
      const section = table.split('### ').find((s) => s.startsWith(`MLP 784-256-256-10 end to end, ${rt}`));
      expect(section, `no ${rt} section`).toBeDefined();
      for (const id of ENGINE_IDS) expect(section).toContain((ENGINES as Record<string, { label: string }>)[id].label);
      expect(stdout).toContain(`end to end, ${rt}`);
      expect(section).toMatch(/int8 vs float32 \(same build\): simd128: b1 [\d.]+ µs = [\d.]+× float32's latency/);
    });

    it(`${rt}: the GEMM table has every case and simdgrad column`, () => {
      const g = result.gemm[rt];
      expect(g.rows.map((r) => r.name)).toEqual(
        expect.arrayContaining(['nn 64³', 'nt 64³', 'tn 64³', 'mlp fwd X·Wᵀ 256×784·(256×784)ᵀ']),
      );
      for (const row of g.rows) {
        for (const col of g.columns) {
          const v = row.gflops[col];
          // null: a slow peer (tfjs cpu, plain JS) skipped on a large case, shown as '—'
          if (col.startsWith('simdgrad')) expectValue(`${rt} ${row.name} ${col}`, v as Cell);
          else if (col === 'tfjs-wasm') expectValueOrReason(`${rt} ${row.name} ${col}`, v as Cell);
          else if (v !== null) expectValueOrReason(`${rt} ${row.name} ${col}`, v);
        }
      }
    });

    it(`${rt}: the GEMM section has each build's probe, its tile and how it was chosen, and every tile`, () => {
      const g = result.gemm[rt] as Result['gemm'][string] & {
        probe: Record<string, number>;
        tiles: Record<string, { tile: string; by: string; gflops: Record<string, number> }>;
        perTile: { cases: string[]; gflops: Record<string, number[]> };
      };
      for (const b of ['simd128', 'relaxed']) {
        expectValue(`${rt} ${b} probe`, g.probe[b]);
        expect(['4x8', '5x8', '6x8']).toContain(g.tiles[b].tile);
        expect(g.tiles[b].by).toBe('measured');
        for (const t of ['4x8', '5x8', '6x8']) {
          expectValue(`${rt} ${b} ${t} init timing`, g.tiles[b].gflops[t]);
          for (const v of g.perTile.gflops[`${b} ${t}`]) expectValue(`${rt} ${b} ${t}`, v);
        }
      }
      const section = table.split('### ').find((s) => s.startsWith(`GEMM GFLOP/s, ${rt}`));
      expect(section).toMatch(
        /simdgrad simd128 tile: [456]x8 \(measured: best 4x8 [\d.]+ · 5x8 [\d.]+ · 6x8 [\d.]+ GFLOP\/s on packed scratch; decided by speed relative to each turn's mean: 4x8 [\d.]+ · 5x8 [\d.]+ · 6x8 [\d.]+;/,
      );
      // The tile printed is the one the printed relative speeds rank first.
      for (const b of ['simd128', 'relaxed']) {
        const m = section?.match(
          new RegExp(`simdgrad ${b} tile: (\\dx8) .*?turn's mean: 4x8 ([\\d.]+) · 5x8 ([\\d.]+) · 6x8 ([\\d.]+);`),
        );
        expect(m, `${rt} ${b} tile line`).not.toBeNull();
        const rel = { '4x8': Number(m?.[2]), '5x8': Number(m?.[3]), '6x8': Number(m?.[4]) };
        expect(rel[m?.[1] as '4x8']).toBe(Math.max(...Object.values(rel)));
      }
      expect(section).toContain('register-only probe');
      expect(section).toContain('s128 %probe');
      const targets = table.split('### ').find((s) => s.startsWith(`targets, ${rt}`));
      expect(targets).toMatch(/training simd128: \d+ samples\/s = \d+% of \d+, the rate its GEMMs allow/);
    });

    it(`${rt}: the GEMM section has the threaded peers on the wall clock, each run's real thread count, and the tfjs check`, () => {
      const t = (
        result.gemm[rt] as Result['gemm'][string] & {
          threaded: {
            clock: string;
            threads: number;
            cases: string[];
            runs: Record<string, { threads: number; gflops: (number | null)[] } | { na: string }>;
            check: { values: number; identical: number; maxRel: number } | { na: string };
          };
        }
      ).threaded;
      expect(t.clock).toBe('wall');
      expect(t.cases).toEqual(expect.arrayContaining(['mlp fwd X·Wᵀ 256×784·(256×784)ᵀ']));
      for (const engine of ['tfjs', 'simdgrad']) {
        for (const n of [1, t.threads]) {
          const r = t.runs[`${engine} ${n}`];
          // simdgrad runs threaded on all four runtimes, the forced tfjs build at least in Node;
          // elsewhere it may give a reason
          if (engine === 'tfjs' && !rt.startsWith('node') && 'na' in r) {
            expectValueOrReason(`${rt} threaded ${engine} ${n}`, r);
            continue;
          }
          expect('threads' in r && r.threads, `${rt} ${engine} ${n}: ${JSON.stringify(r)}`).toBe(n);
          for (const v of 'gflops' in r ? r.gflops : []) expectValue(`${rt} threaded ${engine} ${n}`, v as Cell);
        }
      }
      // Where the tfjs peer ran threaded, its products match one-thread tfjs-wasm's.
      if ('threads' in t.runs[`tfjs ${t.threads}`]) {
        expect('values' in t.check && t.check.values, JSON.stringify(t.check)).toBeGreaterThan(0);
        expect('maxRel' in t.check && t.check.maxRel).toBeLessThanOrEqual(1e-5);
      }
      const section = table.split('### ').find((s) => s.startsWith(`GEMM GFLOP/s, ${rt}`));
      expect(section).toContain('threaded peers, wall clock');
      expect(section).toMatch(/tfjs-mt 2T products vs tfjs-wasm \(one thread\), same inputs: /);
    });
  }

  it('reports shipped bytes (raw and gzip) for every engine', () => {
    expect(Object.keys(result.bytes).sort()).toEqual([...ENGINE_IDS].sort());
    for (const id of ENGINE_IDS) {
      for (const part of ['wasm', 'js'] as const) {
        const v = result.bytes[id][part];
        if ('na' in v) expectValueOrReason(`${id} ${part}`, v);
        else {
          expectValueOrReason(`${id} ${part} raw`, v.raw);
          expectValueOrReason(`${id} ${part} gzip`, v.gzip);
          expect(v.gzip).toBeLessThan(v.raw);
        }
      }
    }
    // simdgrad ships both builds' wasm and its JS, always measurable
    for (const id of ['simdgrad-simd128', 'simdgrad-relaxed', 'simdgrad-int8-simd128', 'simdgrad-int8-relaxed']) {
      expect('raw' in result.bytes[id].wasm).toBe(true);
      expect('raw' in result.bytes[id].js).toBe(true);
    }
  });
});

describe('the forced TensorFlow.js threaded build (bench/lib/tfjs-threaded.mjs)', () => {
  it('fails loudly, naming getThreadsCount(), when it gets fewer threads than asked', () => {
    // XNNPACK's pool is capped at the core count (at most 8): one more is never granted.
    const ask = Math.min(availableParallelism(), 8) + 1;
    const c = JSON.stringify([{ name: 'nn 64³', kind: 'nn', M: 64, N: 64, K: 64 }]);
    const r = spawnSync(
      process.execPath,
      [join(root, 'bench/lib/threaded-gemm.mjs'), 'tfjs', String(ask), c, '--smoke'],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status, r.stdout).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`runs \\d thread\\(s\\), not ${ask} \\(getThreadsCount\\(\\)\\)`));
  }, 60_000);
});

describe('npm start at 1 and 2 threads (bench/npmstart.mjs)', () => {
  it('runs the CLI at both thread counts and reports wall time, GFLOP/s against the probe, and equal results', () => {
    const r = spawnSync(
      process.execPath,
      ['--experimental-wasm-relaxed-simd', join(root, 'bench/npmstart.mjs'), '--smoke'],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout.split('\n')[0]);
    // 1 epoch of 512 training samples (2 steps of 256) and 512 test samples, forward only
    expect(res.gflop).toBeCloseTo((2 * 310_116_352 + 512 * 537_600) / 1e9, 6);
    expect(res.probe).toBeGreaterThan(0);
    for (const n of ['1', '2']) {
      expect(res.runs[n].wall).toBeGreaterThan(0);
      expect(res.runs[n].pctOfProbe).toBeGreaterThan(0);
      expect(res.runs[n].line).toMatch(/^done: 1 epoch, test acc /);
    }
    // the same accuracies and loss, bit for bit as printed, with 1 and 2 threads
    expect(res.sameResult).toBe(true);
    expect(r.stdout).toMatch(/1 → 2 threads: [\d.]+× \(the same accuracies and loss\); 11 s would need/);
    // the floor: the GEMM work over 2 × the probe, below the 2-thread run's wall time
    expect(res.floor).toBeCloseTo(res.gflop / (2 * res.probe), 9);
    expect(res.floor).toBeLessThan(res.runs['2'].wall);
    expect(r.stdout).toMatch(/floor: the GEMMs alone at 2 × probe take [\d.]+ s/);
  }, 60_000);
});

describe('the split profile of a 2-thread step (bench/splitprofile.mjs)', () => {
  it("reports each split kernel's calls, shares and wait, and how the workers found their jobs", () => {
    const r = spawnSync(
      process.execPath,
      ['--experimental-wasm-relaxed-simd', join(root, 'bench/splitprofile.mjs'), '--runtimes', 'node', '--steps', '4'],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^node +relaxed-simd, tile \dx8, 2 threads: [\d.]+ ms a step$/m);
    // three layers at batch 256: every forward and every backward GEMM is big enough to split
    expect(r.stdout).toMatch(
      /^ {2}linear_fwd +3\.0 calls\/step, [\d.]+ shares\/call \(\d+% on the calling thread\), \d+ µs\/call, waiting [\d.]+ µs\/call/m,
    );
    expect(r.stdout).toMatch(/^ {2}linear_bwd_part +3\.0 calls\/step, /m);
    expect(r.stdout).toMatch(/workers found their jobs: \d+ spinning \/ \d+ woken; gaps between split calls/);
  }, 60_000);
});

describe("the GEMM section's probe readings (bench/gemm.mjs formatGemm)", () => {
  it('says when the probe read more than 15% apart within a run, and only then', async () => {
    // @ts-expect-error plain ESM without types
    const { formatGemm } = await import('../bench/gemm.mjs');
    const row = { name: 'nn 256³', kind: 'nn', flop: 1, gflops: { 'simdgrad simd128': 20, 'simdgrad relaxed': 30 } };
    const base = { machine: 'test', columns: ['simdgrad simd128', 'simdgrad relaxed'], rows: [row] };
    const steady = formatGemm({
      ...base,
      probe: { simd128: 30, relaxed: 40 },
      probeReadings: { simd128: [29, 30], relaxed: [38, 40] },
    });
    expect(steady).not.toContain('NOTE');
    expect(steady).toContain('67%'); // 20 of 30
    const drifted = formatGemm({
      ...base,
      probe: { simd128: 30, relaxed: 40 },
      probeReadings: { simd128: [18, 30, 29], relaxed: [38, 40] },
    });
    expect(drifted).toContain('NOTE: the simd128 probe read 18.0 / 30.0 / 29.0 GFLOP/s in this run (40% apart)');
    expect(drifted).not.toContain('NOTE: the relaxed probe');
  });
});
