// `simdgrad train` with the training options of the book's next sections on a
// small balanced subset: --dropout / --init / --optimizer adamw / --weight-decay
// / --schedule / --clip-grad-norm, the --val column and --patience, and
// --checkpoint + --resume ending with the same model bytes as an unbroken run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sg from 'simdgrad';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdOut } from '../src/cli/loop.js';
import { dropoutList, nonNegativeNumber } from '../src/cli/options.js';

const CLI = fileURLToPath(new URL('../build/cli.js', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'simdgrad-cli-train-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await sg.init();
});

function run(args: string[]) {
  const r = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', CLI, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, SIMDGRAD_DEBUG: '' },
    timeout: 300_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const read = (f: string) => fs.readFileSync(path.join(tmp, f));
const SMALL = ['--limit', '600', '--hidden', '32,32', '--batch', '64', '--no-plot'];

describe('train options', () => {
  it('--help lists every training option of the public API', () => {
    const r = run(['train', '--help']);
    for (const o of [
      '--dropout',
      '--weight-decay',
      '--init',
      '--schedule',
      '--clip-grad-norm',
      '--val',
      '--patience',
      '--checkpoint',
      '--resume',
      'adamw',
    ]) {
      expect(r.stdout).toContain(o);
    }
  });

  it('--dropout 0.2,0.5 --init xavier --optimizer adamw --weight-decay --schedule cosine --clip-grad-norm: trains and saves PyTorch names 0/3/6 that eval reads', () => {
    const r = run([
      'train',
      ...SMALL,
      '--epochs',
      '2',
      '--dropout',
      '0.2,0.5',
      '--init',
      'xavier',
      '--optimizer',
      'adamw',
      '--weight-decay',
      '0.05',
      '--schedule',
      'cosine',
      '--clip-grad-norm',
      '1',
      '--out',
      'd.safetensors',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('adamw lr 0.001');
    expect(r.stdout).toMatch(/dropout 0\.2,0\.5 · weight decay 0\.05 · xavier init · cosine schedule · clip 1/);
    const m = sg.io.loadSafetensors(read('d.safetensors'));
    expect([...m.keys()]).toEqual(['0.weight', '0.bias', '3.weight', '3.bias', '6.weight', '6.bias']);
    for (const t of m.values()) t.dispose();
    const e = run(['eval', '--model', 'd.safetensors', '--limit', '200']);
    expect(e.status).toBe(0);
    expect(e.stdout).toMatch(/test accuracy 0\.\d{4}/);
  });

  it('--val shows the validation column; --patience stops and keeps the best weights', () => {
    const r = run([
      'train',
      ...SMALL,
      '--epochs',
      '12',
      '--lr',
      '0.8',
      '--val',
      '100',
      '--patience',
      '2',
      '--out',
      'p.safetensors',
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('500 train, 100 validation, 600 test images');
    expect(r.stdout).toMatch(/│\s+val acc\s+│/);
    const rows = r.stdout.split('\n').filter((l) => /^│\s+\d+\s+│/.test(l));
    const vals = rows.map((l) => Number.parseFloat(l.split('│')[4]!));
    const tests = rows.map((l) => Number.parseFloat(l.split('│')[5]!));
    expect(rows.length).toBeLessThan(12); // lr 0.8 on this subset oscillates: patience 2 stops it early
    const best = vals.indexOf(Math.max(...vals));
    expect(r.stdout).toContain(`kept the weights of epoch ${best + 1} (val acc ${vals[best]!.toFixed(4)})`);
    // the saved model is the best epoch's: eval on the same 600 test images gives that epoch's test accuracy
    const e = run(['eval', '--model', 'p.safetensors', '--limit', '600']);
    expect(e.stdout).toContain(`test accuracy ${tests[best]!.toFixed(4)}`);
  });

  it('--checkpoint then --resume FILE --epochs N ends with the same model bytes as an unbroken run', () => {
    const opts = [
      ...SMALL,
      '--dropout',
      '0.3',
      '--optimizer',
      'adam',
      '--val',
      '60',
      '--patience',
      '5',
      '--clip-grad-norm',
      '3',
    ];
    expect(run(['train', ...opts, '--epochs', '4', '--out', 'full.safetensors']).status).toBe(0);
    expect(
      run(['train', ...opts, '--epochs', '2', '--checkpoint', 'ck.safetensors', '--out', 'half.safetensors']).status,
    ).toBe(0);
    expect(fs.readdirSync(tmp).filter((f) => f.includes('.tmp'))).toEqual([]); // written through a rename
    const r = run(['train', ...opts, '--epochs', '4', '--resume', 'ck.safetensors', '--out', 'resumed.safetensors']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('resuming ck.safetensors after epoch 2');
    expect(
      r.stdout
        .split('\n')
        .filter((l) => /^│\s+\d+\s+│/.test(l))
        .map((l) => Number.parseInt(l.slice(1), 10)),
    ).toEqual([3, 4]);
    expect(read('resumed.safetensors').equals(read('full.safetensors'))).toBe(true);
    expect(read('half.safetensors').equals(read('full.safetensors'))).toBe(false);
  });

  it('a resume with other settings, a missing checkpoint, or bad values fail with one line', () => {
    expect(
      run(['train', ...SMALL, '--epochs', '1', '--checkpoint', 'c1.safetensors', '--out', 'c1m.safetensors']).status,
    ).toBe(0);
    const other = run(['train', ...SMALL, '--epochs', '2', '--batch', '32', '--resume', 'c1.safetensors']);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(
      /^simdgrad: c1.safetensors was saved by a run with other settings: batch 64 \(now 32\)\n$/,
    );
    const missing = run(['train', ...SMALL, '--resume', 'nope.safetensors']);
    expect(missing.stderr).toMatch(/^simdgrad: cannot read nope.safetensors: ENOENT\n$/);
    expect(run(['train', '--dropout', '0.2,1']).stderr).toMatch(/--dropout .* expected probabilities in \[0, 1\)/);
    expect(run(['train', '--hidden', '8,8,8', '--dropout', '0.1,0.2', '--limit', '100']).stderr).toMatch(
      /--dropout gives 2 probabilities for 3 hidden layers/,
    );
    expect(run(['train', '--patience', '2']).stderr).toMatch(/--patience needs --val/);
    expect(run(['train', '--schedule', 'linear']).stderr).toMatch(/expected one of none, step, cosine/);
  });
});

describe('helpers', () => {
  it('holdOut is balanced by class, disjoint, and leaves the rest for training', () => {
    const n = 103;
    const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
    const images = Float32Array.from({ length: n * 2 }, (_, i) => Math.floor(i / 2));
    const { train, val } = holdOut({ images, labels, n }, 25);
    expect(val.n).toBe(25);
    expect(train.n).toBe(78);
    const counts = new Array(10).fill(0);
    for (const l of val.labels) counts[l]++;
    expect(counts).toEqual([3, 3, 3, 3, 3, 2, 2, 2, 2, 2]);
    const ids = new Set([...train.images.filter((_, i) => i % 2 === 0), ...val.images.filter((_, i) => i % 2 === 0)]);
    expect(ids.size).toBe(n);
    expect(() => holdOut({ images, labels, n }, 103)).toThrow(/--val 103/);
  });

  it('parses dropout lists and non-negative numbers strictly', () => {
    expect(dropoutList('0.2,0.5')).toEqual([0.2, 0.5]);
    expect(() => dropoutList('0.2,')).toThrow();
    expect(() => dropoutList('1')).toThrow();
    expect(nonNegativeNumber('0')).toBe(0);
    expect(() => nonNegativeNumber('-1')).toThrow();
  });
});
