// SPDX-License-Identifier: MIT
// `npm run bench`: every benchmark under the current runtime, then the same under
// Deno (node_modules/.bin/deno, spawned with --json) for the Deno column.
// Results are also written to bench/results/<bench>-<runtime>.json.
// Usage: node --experimental-wasm-relaxed-simd bench/run.mjs [--quick] [--no-deno]

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchGemm, formatGemm } from './gemm.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const results = here('./results');

function save(name, result) {
  mkdirSync(results, { recursive: true });
  writeFileSync(`${results}/${name}-${result.runtime}.json`, `${JSON.stringify(result, null, 2)}\n`);
}

console.log('== GEMM (current runtime) ==');
const node = await benchGemm({ quick, log: (m) => console.error(m) });
save('gemm', node);
console.log(formatGemm(node));

const deno = here('../node_modules/.bin/deno');
if (!args.includes('--no-deno') && existsSync(deno)) {
  console.log('\n== GEMM (Deno) ==');
  const r = spawnSync(deno, ['run', '-A', here('./gemm.mjs'), '--json', ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  if (r.status === 0) {
    const result = JSON.parse(r.stdout);
    save('gemm', result);
    console.log(formatGemm(result));
  } else {
    console.log(`deno run failed (status ${r.status}); skipped`);
  }
}
