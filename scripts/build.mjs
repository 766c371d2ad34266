// Bundles src/ into build/: the core entry with both wasm builds inlined (so no
// fs/fetch is needed to start), the data/plot/onnx/cli entries importing the core as
// the sibling ./index.js (one engine per process), the raw .wasm files, and .d.ts
// types emitted by tsc. Bundles are minified but keep their names (a stack trace
// and `sg.nn.Linear.name` read as in src/); the library bundles (index, data, onnx)
// have a source map beside them whose paths point at src/ (no sources inlined: the package stays small, and a
// stack trace under --enable-source-maps or a debugger names src/ file:line).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { workerSourcePlugin } from './worker-source.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build');
mkdirSync(out, { recursive: true });

/**
 * data/plot/cli import 'simdgrad' (and the CLI 'simdgrad/plot'): keep them
 * external as the sibling bundles, so a process has one engine and one copy of
 * the chart library.
 */
const coreExternal = {
  name: 'core-external',
  setup(b) {
    b.onResolve({ filter: /^simdgrad$/ }, () => ({ path: './index.js', external: true }));
    b.onResolve({ filter: /^simdgrad\/plot$/ }, () => ({ path: './plot.js', external: true }));
    b.onResolve({ filter: /^simdgrad\/onnx$/ }, () => ({ path: './onnx.js', external: true }));
  },
};

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: false,
  sourcesContent: false,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
};

// The kernel worker, bundled first. Browsers start it from build/worker.js
// (new Worker(new URL('./worker.js', import.meta.url)), which Vite follows and a
// strict CSP allows as 'self'); its source is also inlined in the core bundle as a
// string (the virtual module 'simdgrad:worker-source'), started from a data: URL
// in Node, Deno and Bun, and from a blob: URL in a page whose bundler dropped the
// file (esbuild's defaults), so threads survive any bundler.
const worker = await esbuild.build({
  ...common,
  entryPoints: [join(root, 'src/engine/worker.ts')],
  platform: 'neutral',
  minify: true,
  write: false,
});
const workerSource = worker.outputFiles[0].text.trim();
const inlineWorker = workerSourcePlugin(workerSource);

await esbuild.build({
  ...common,
  plugins: [inlineWorker],
  entryPoints: [join(root, 'src/index.ts')],
  outfile: join(out, 'index.js'),
  platform: 'neutral',
  loader: { '.wasm': 'binary' },
  minify: true,
  sourcemap: 'linked',
});

writeFileSync(join(out, 'worker.js'), `${workerSource}\n`);

const entries = [
  ['data', 'src/data/index.ts', 'node'],
  ['plot', 'src/plot/index.ts', 'neutral'],
  ['onnx', 'src/onnx/index.ts', 'neutral'],
  ['cli', 'src/cli/index.ts', 'node'],
];
for (const [name, src, platform] of entries) {
  if (!existsSync(join(root, src))) continue;
  await esbuild.build({
    ...common,
    entryPoints: [join(root, src)],
    outfile: join(out, `${name}.js`),
    platform,
    mainFields: ['module', 'main'],
    minify: true,
    // maps for the library bundles; the cli is mostly vendored code (commander,
    // cli-table3) whose map would double the package
    sourcemap: name === 'cli' ? false : 'linked',
    plugins: [coreExternal],
    // The CLI bundles CommonJS packages (cli-progress, cli-table3) that call
    // require('events') etc.; an ESM bundle needs a real `require` for those.
    banner:
      name === 'cli'
        ? {
            js: "#!/usr/bin/env node\nimport { createRequire as __simdgradRequire } from 'node:module';\nconst require = __simdgradRequire(import.meta.url);",
          }
        : undefined,
    // the optional peer dependencies: the Fashion-MNIST files, and ECharts for
    // simdgrad/plot (about 200 KB gzip that a user who never draws need not ship)
    external: platform === 'node' ? ['fashion-mnist'] : name === 'plot' ? ['echarts', 'echarts/*'] : [],
  });
  if (name === 'cli') chmodSync(join(out, 'cli.js'), 0o755);
}

// Types: tsc declarations for src/, re-exported from build/<entry>.d.ts.
rmSync(join(out, 'types'), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.types.json')],
  { stdio: 'inherit', cwd: root },
);
const dts = { index: 'index', data: 'data/index', plot: 'plot/index', onnx: 'onnx/index' };
for (const [name, path] of Object.entries(dts)) {
  if (name !== 'index' && !existsSync(join(root, `src/${path}.ts`))) continue;
  writeFileSync(join(out, `${name}.d.ts`), `export * from './types/${path}.js';\n`);
}
