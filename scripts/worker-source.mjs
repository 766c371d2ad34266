// SPDX-License-Identifier: MIT
// The esbuild plugin that resolves the virtual module 'simdgrad:worker-source'
// (src/engine/threads.ts imports it) to the kernel worker's bundled source as a
// string. scripts/build.mjs inlines the worker it has just bundled; the bench
// scripts that bundle src/ themselves (bench/bytes.mjs, bench/profile.mjs) pass
// build/worker.js.

/** An esbuild plugin whose 'simdgrad:worker-source' default-exports `source`. */
export function workerSourcePlugin(source) {
  return {
    name: 'worker-source',
    setup(b) {
      b.onResolve({ filter: /^simdgrad:worker-source$/ }, (a) => ({ path: a.path, namespace: 'worker-source' }));
      b.onLoad({ filter: /.*/, namespace: 'worker-source' }, () => ({
        contents: `export default ${JSON.stringify(source.trim())};`,
        loader: 'js',
      }));
    },
  };
}
