// SPDX-License-Identifier: MIT
// simdgrad/onnx by the numbers (node bench/onnx.mjs [--runs N]):
//  1. the protobuf layer: bytes (minified, gzip) and cold start (a fresh process
//     imports the decoder and decodes the book's 1.07 MB MLP once; CPU time) of
//     the hand-written reader (src/onnx/wire.ts + proto.ts) against the same
//     decode with @bufbuild/protobuf and the code generated from proto/onnx/onnx.proto,
//     and their warm decode times;
//  2. importOnnx of that 1.07 MB model (decode + checks + building the module);
//  3. inference of the imported model against the same nn.MLP built by hand,
//     batch 1 and batch 64, interleaved.
// Times are medians of process CPU time (the machine may be shared).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 15;
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const sg = await import(join(root, 'build/index.js'));
const { exportOnnx, importOnnx } = await import(join(root, 'build/onnx.js'));
await sg.init();
const SIZES = [784, 256, 256, 10];
const mlp = new sg.nn.MLP(SIZES, { seed: 0 });
const model = exportOnnx(mlp);
const dir = mkdtempSync(join(tmpdir(), 'simdgrad-onnx-bench-'));
const modelPath = join(dir, 'mlp.onnx');
writeFileSync(modelPath, model);

// 1. The two decoders, bundled decode-only the same way (esbuild, minified, ESM).
const entries = {
  'hand-written reader': `import { decodeModel } from './src/onnx/proto.ts'; export const decode = decodeModel;`,
  '@bufbuild/protobuf + generated code': `import { fromBinary } from '@bufbuild/protobuf'; import { ModelProtoSchema } from './test/onnx/gen/onnx/onnx_pb.ts'; export const decode = (b) => fromBinary(ModelProtoSchema, b);`,
};
const rows = [];
for (const [name, contents] of Object.entries(entries)) {
  const file = join(dir, `${rows.length}.mjs`);
  await esbuild.build({
    stdin: { contents, resolveDir: root, loader: 'ts' },
    bundle: true,
    format: 'esm',
    minify: true,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    outfile: file,
    // The reader's only import from the core is SimdgradError: stub it, so neither bundle loads the engine.
    plugins: [
      {
        name: 'core-stub',
        setup: (b) => {
          b.onResolve({ filter: /^simdgrad$/ }, () => ({ path: 'simdgrad', namespace: 'stub' }));
          b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
            contents: 'export class SimdgradError extends Error {}',
          }));
        },
      },
    ],
    logLevel: 'warning',
  });
  const js = readFileSync(file);
  const probe = join(dir, `probe${rows.length}.mjs`);
  writeFileSync(
    probe,
    `const t0 = process.cpuUsage(); const { decode } = await import(${JSON.stringify(file)});
     const b = new Uint8Array((await import('node:fs')).readFileSync(${JSON.stringify(modelPath)}));
     const t1 = process.cpuUsage(); decode(b); const t2 = process.cpuUsage();
     const ms = (a, z) => (z.user + z.system - a.user - a.system) / 1000;
     console.log(JSON.stringify({ importMs: ms(t0, t1), firstDecodeMs: ms(t1, t2), processMs: ms({ user: 0, system: 0 }, t2) }));`,
  );
  const cold = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [probe], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    cold.push(JSON.parse(r.stdout));
  }
  const { decode } = await import(file);
  const warm = [];
  for (let i = 0; i < runs; i++) {
    const t = cpu();
    decode(model);
    warm.push(cpu() - t);
  }
  rows.push({
    name,
    min: js.length,
    gzip: gzipSync(js).length,
    importMs: median(cold.map((c) => c.importMs)),
    firstDecodeMs: median(cold.map((c) => c.firstDecodeMs)),
    processMs: median(cold.map((c) => c.processMs)),
    warmMs: median(warm),
  });
}
const onnxJs = readFileSync(join(root, 'build/onnx.js'));

// 2. importOnnx of the 1.07 MB model.
const imports = [];
for (let i = 0; i < runs; i++) {
  const t = cpu();
  const m = importOnnx(model);
  imports.push(cpu() - t);
  for (const p of m.parameters()) p.dispose();
}

// 3. Inference: imported vs hand-built, interleaved.
const imported = importOnnx(model);
imported.eval();
mlp.eval();
const infer = {};
for (const batch of [1, 64]) {
  const x = sg.rand([batch, 784], { seed: 1 });
  const reps = batch === 1 ? 2000 : 100;
  const times = { imported: [], handBuilt: [] };
  const pair = [
    ['imported', imported],
    ['handBuilt', mlp],
  ];
  for (let r = 0; r < runs; r++) {
    // alternate which model goes first, so drift on a shared machine hits both alike
    for (const [k, m] of r % 2 ? [...pair].reverse() : pair) {
      const t = cpu();
      for (let i = 0; i < reps; i++) sg.tidy(() => sg.softmax(m.forward(x)).data());
      times[k].push(((cpu() - t) / reps) * (batch === 1 ? 1000 : 1));
    }
  }
  infer[batch] = { imported: median(times.imported), handBuilt: median(times.handBuilt) };
  x.dispose();
}
rmSync(dir, { recursive: true, force: true });

const f = (v, d = 2) => v.toFixed(d);
console.log(
  `simdgrad/onnx bench · ${sg.backend()} · node ${process.version} · model ${model.length} bytes (MLP ${SIZES.join('-')}) · medians of ${runs}, CPU time`,
);
console.log('\nprotobuf layer (decode-only bundles; cold = fresh process: import, then the first decode):');
console.log(
  'decoder                                 min B   gzip B   import ms   first decode ms   process ms   warm decode ms',
);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(38)} ${String(r.min).padStart(6)}   ${String(r.gzip).padStart(6)}   ${f(r.importMs).padStart(9)}   ${f(r.firstDecodeMs).padStart(15)}   ${f(r.processMs).padStart(10)}   ${f(r.warmMs).padStart(14)}`,
  );
}
console.log(
  `\nbuild/onnx.js (the whole entry, hand-written reader): ${onnxJs.length} B minified, ${gzipSync(onnxJs).length} B gzip`,
);
console.log(
  `importOnnx of the ${(model.length / 1e6).toFixed(2)} MB model: ${f(median(imports))} ms (min ${f(Math.min(...imports))})`,
);
for (const b of [1, 64]) {
  const { imported: i, handBuilt: h } = infer[b];
  console.log(
    `inference batch ${b}: imported ${f(i)} ${b === 1 ? 'µs' : 'ms'}, nn.MLP ${f(h)} ${b === 1 ? 'µs' : 'ms'} (imported/hand-built ${f(i / h, 3)})`,
  );
}
