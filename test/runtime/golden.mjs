// `npm run golden`: regenerates test/runtime/golden/simd128.json, the digest the
// simd128 workload must produce on every runtime.
//
// When it may be regenerated: only when the workload itself changed (bump
// WORKLOAD_VERSION in workload.js) or a kernel change deliberately changes the
// numbers (say which kernel and why in the commit message, together with the new
// golden file). Never to make a failing runtime test pass: this script runs the
// workload in all five runtimes (Node, Deno, Bun, Chromium, workerd) and refuses
// to write anything unless every one of them gives the same digest.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, runAllSimd128 } from './runners.mjs';

const file = join(root, 'test/runtime/golden/simd128.json');
const all = await runAllSimd128();
const digests = Object.entries(all).map(([rt, r]) => `${rt.padEnd(9)} ${r.backend.padEnd(13)} ${r.digest}`);
console.log(digests.join('\n'));
const first = all.node;
const disagree = Object.entries(all).filter(([, r]) => r.digest !== first.digest || r.backend !== 'simd128');
if (disagree.length > 0) {
  for (const [rt, r] of disagree) {
    const bad = r.sections.filter((s, i) => s.sha256 !== first.sections[i]?.sha256).map((s) => s.name);
    console.error(`golden: ${rt} disagrees with node in sections: ${bad.join(', ') || '(backend)'}`);
  }
  console.error('golden: the runtimes disagree; not writing. Fix the divergence instead.');
  process.exit(1);
}
let old = null;
try {
  old = JSON.parse(readFileSync(file, 'utf8'));
} catch {}
const golden = {
  note: 'simd128 workload digest (test/runtime/workload.js); regenerate only with `npm run golden`, see golden.mjs',
  workloadVersion: first.version,
  digest: first.digest,
  sections: Object.fromEntries(first.sections.map((s) => [s.name, { n: s.n, sha256: s.sha256 }])),
};
if (old) {
  const changed = Object.keys(golden.sections).filter((k) => old.sections?.[k]?.sha256 !== golden.sections[k].sha256);
  console.log(changed.length ? `changed or new sections: ${changed.join(', ')}` : 'no section changed');
}
writeFileSync(file, `${JSON.stringify(golden, null, 2)}\n`);
console.log(`wrote ${file}`);
