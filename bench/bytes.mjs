// SPDX-License-Identifier: MIT
// Shipped bytes: each engine's wasm binary and its JS minified, raw and gzip
// (node:zlib, level 9). simdgrad's JS is the core bundle (src/index.ts via
// esbuild, minified) without the two inlined wasm builds, measured apart; the
// shipped build/index.js (which inlines both) is reported too. Peers: their own
// published minified files, or an esbuild-minified bundle where none is
// published (jax-js). Node only (esbuild is a native binary).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { workerSourcePlugin } from '../scripts/worker-source.mjs';
import { na } from './lib/common.mjs';

const root = new URL('..', import.meta.url);
const file = (p) => fileURLToPath(new URL(p, root));
const nm = (p) => file(`node_modules/${p}`);

function size(bytes) {
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}
const sizeOf = (...paths) => {
  const parts = paths.map((p) => readFileSync(p));
  return size(Buffer.concat(parts));
};

async function esbuildMin(entry, plugins = [], platform = 'neutral') {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform,
    target: 'es2022',
    write: false,
    legalComments: 'none',
    logLevel: 'error',
    mainFields: ['module', 'main'],
    plugins,
  });
  return Buffer.from(r.outputFiles[0].contents);
}

/** simdgrad's core JS without the inlined .wasm (each import replaced by an empty Uint8Array). */
async function simdgradJs() {
  const noWasm = {
    name: 'no-wasm',
    setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, (a) => ({ path: a.path, namespace: 'no-wasm' }));
      b.onLoad({ filter: /.*/, namespace: 'no-wasm' }, () => ({ contents: 'export default new Uint8Array(0);' }));
    },
  };
  // the kernel worker's source, inlined as scripts/build.mjs does (it ships in the core bundle)
  const workerSource = workerSourcePlugin(readFileSync(file('build/worker.js'), 'utf8'));
  return size(await esbuildMin(file('src/index.ts'), [noWasm, workerSource]));
}

const guard = async (fn) => {
  try {
    return await fn();
  } catch (e) {
    return na(e.message);
  }
};

/** { rows: { id: { wasm: {raw,gzip}|{na}, js: {raw,gzip}|{na}, note } } } */
export async function benchBytes() {
  const sgJs = await guard(simdgradJs);
  const shipped = await guard(() => sizeOf(file('build/index.js')));
  const note = shipped.raw
    ? `build/index.js as shipped (both wasm inlined): ${shipped.raw} B, gzip ${shipped.gzip} B`
    : '';
  const tfCore = nm('@tensorflow/tfjs-core/dist/tf-core.fesm.min.js');
  const rows = {
    'simdgrad-simd128': { wasm: await guard(() => sizeOf(file('build/simd128.wasm'))), js: sgJs, note },
    'simdgrad-relaxed': { wasm: await guard(() => sizeOf(file('build/relaxed.wasm'))), js: sgJs, note },
    'simdgrad-int8-simd128': { wasm: await guard(() => sizeOf(file('build/simd128.wasm'))), js: sgJs, note },
    'simdgrad-int8-relaxed': { wasm: await guard(() => sizeOf(file('build/relaxed.wasm'))), js: sgJs, note },
    'tfjs-wasm': {
      wasm: await guard(() => sizeOf(nm('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'))),
      js: await guard(() => sizeOf(tfCore, nm('@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.fesm.min.js'))),
      note: 'tf-core + tf-backend-wasm .fesm.min.js; the SIMD (non-threaded) wasm',
    },
    'tfjs-cpu': {
      wasm: na('no wasm (plain JS kernels)'),
      js: await guard(() => sizeOf(tfCore, nm('@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.fesm.min.js'))),
      note: 'tf-core + tf-backend-cpu .fesm.min.js',
    },
    'ort-wasm': {
      wasm: await guard(() => sizeOf(nm('onnxruntime-web/dist/ort-wasm-simd-threaded.wasm'))),
      js: await guard(() =>
        sizeOf(nm('onnxruntime-web/dist/ort.wasm.min.mjs'), nm('onnxruntime-web/dist/ort-wasm-simd-threaded.mjs')),
      ),
      note: 'ort.wasm.min.mjs + its wasm glue ort-wasm-simd-threaded.mjs',
    },
    'jax-wasm': {
      wasm: na('no wasm file: kernels are generated at run time'),
      js: await guard(async () => size(await esbuildMin(nm('@jax-js/jax/dist/index.js')))),
      note: 'dist/index.js bundled and minified by esbuild (incl. the webgpu/webgl chunks it imports)',
    },
    brain: {
      wasm: na('no wasm (plain JS)'),
      js: await guard(() => sizeOf(nm('brain.js/browser.min.js'))),
      note: 'browser.min.js (bundles gpu.js)',
    },
  };
  return { rows };
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) console.log(JSON.stringify(await benchBytes(), null, 2));
