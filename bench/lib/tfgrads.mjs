// SPDX-License-Identifier: MIT
// tfjs-core's npm entry for Node (dist/tf-core.node.js) registers no gradients,
// and its ESM dist/register_all_gradients.js uses extensionless imports that
// Node cannot load. The bench bundles that file once with esbuild into
// bench/results/.cache/tfjs-grads.mjs; the gradient registry lives on a global
// that both copies share, so importing the bundle makes tf.grad work.

import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const gradsFile = fileURLToPath(new URL('../results/.cache/tfjs-grads.mjs', import.meta.url));

/** Builds the bundle if missing (Node only: esbuild is a native binary). */
export async function ensureTfGrads() {
  if (existsSync(gradsFile)) return gradsFile;
  const esbuild = await import('esbuild');
  mkdirSync(fileURLToPath(new URL('../results/.cache/', import.meta.url)), { recursive: true });
  await esbuild.build({
    entryPoints: [
      fileURLToPath(
        new URL('../../node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js', import.meta.url),
      ),
    ],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    outfile: gradsFile,
    logLevel: 'error',
  });
  return gradsFile;
}
