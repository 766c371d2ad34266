// Builds the browser demo into build/demo/: the Fashion-MNIST subset as one small
// binary file (from `simdgrad/data`), the page, and two esbuild bundles (the page
// script and the module Web Worker that trains), both importing the built
// package (build/index.js, build/plot.js) as an application would.
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
export const outdir = join(root, 'build/demo');

export const N_TRAIN = 5000;
export const N_TEST = 1000;

/**
 * fashion-subset.bin: 'SGFM', u32 nTrain, u32 nTest (little-endian), then the
 * train images (nTrain×784 bytes), train labels (nTrain bytes), test images,
 * test labels. Pixels are the dataset's bytes (value × 255).
 */
export async function makeSubset(file = join(outdir, 'fashion-subset.bin')) {
  if (existsSync(file)) return file;
  const { fashionMnist } = await import(join(root, 'build/data.js'));
  const parts = [];
  for (const [split, n] of [
    ['train', N_TRAIN],
    ['test', N_TEST],
  ]) {
    // The splits interleave the classes (0,1,…,9,0,1,…), so the first n are balanced.
    const d = fashionMnist({ split });
    const images = new Uint8Array(n * 784);
    for (let i = 0; i < images.length; i++) images[i] = Math.round(d.images[i] * 255);
    parts.push(images, Uint8Array.from(d.labels.subarray(0, n)));
  }
  const head = new Uint8Array(12);
  head.set([0x53, 0x47, 0x46, 0x4d]);
  new DataView(head.buffer).setUint32(4, N_TRAIN, true);
  new DataView(head.buffer).setUint32(8, N_TEST, true);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, Buffer.concat([head, ...parts]));
  return file;
}

/** esbuild options shared by the one-off build and the dev server. */
export const bundleOptions = {
  entryPoints: { main: join(here, 'main.js'), 'train-worker': join(here, 'train-worker.js') },
  outdir,
  bundle: true,
  format: 'esm',
  target: 'es2022',
  logLevel: 'warning',
  alias: { simdgrad: join(root, 'build/index.js'), 'simdgrad/plot': join(root, 'build/plot.js') },
};

export async function buildDemo() {
  if (!existsSync(join(root, 'build/index.js'))) throw new Error('build/index.js is missing: run `npm run build`');
  mkdirSync(outdir, { recursive: true });
  await makeSubset();
  for (const f of ['index.html', 'style.css']) copyFileSync(join(here, f), join(outdir, f));
  // simdgrad starts its kernel workers from new URL('./worker.js', import.meta.url), which
  // esbuild leaves as it is (Vite follows it); without the file they would start from a
  // blob: URL, which this page's strict CSP refuses: put the file beside the bundles.
  copyFileSync(join(root, 'build/worker.js'), join(outdir, 'worker.js'));
  await esbuild.build(bundleOptions);
  return outdir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildDemo();
  console.log(`built ${outdir}`);
}
