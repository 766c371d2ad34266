// `npm test`: every stage runs, also after one fails, and the closing line counts
// everything: build, lint, the as-pect specs of both builds, the vitest suites.
// A stage whose prerequisite failed is not run and counted as a failure, as is
// every skipped test and every suite that never ran (scripts/ci-summary.mjs).
// Ends with `N passed, N failed`; exits non-zero unless all ran and passed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarize } from './ci-summary.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'simdgrad-test-'));
const json = join(dir, 'vitest.json');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** name, kind, npm script, stages that must have passed first */
const plan = [
  ['build', 'step', 'build', []],
  ['lint', 'step', 'lint', ['build']],
  ['as-pect simd128', 'as-pect', 'test:as:simd128', []],
  ['as-pect relaxed', 'as-pect', 'test:as:relaxed', []],
  ['vitest', 'vitest', 'test:js', ['build']],
];

function run(script) {
  return new Promise((resolve) => {
    let output = '';
    const p = spawn(npm, ['run', '--silent', script], {
      cwd: root,
      env: { ...process.env, SIMDGRAD_VITEST_JSON: json },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tee = (stream) => (chunk) => {
      stream.write(chunk);
      output += chunk;
    };
    p.stdout.on('data', tee(process.stdout));
    p.stderr.on('data', tee(process.stderr));
    p.on('error', (e) => resolve({ rc: 1, output: `${output}\n${e.message}` }));
    p.on('close', (code, signal) => resolve({ rc: code ?? (signal ? 1 : 0), output }));
  });
}

const stages = [];
for (const [name, kind, script, needs] of plan) {
  const unmet = needs.filter((n) => stages.find((s) => s.name === n)?.rc !== 0);
  if (unmet.length) {
    stages.push({ name, kind, rc: null, why: `${unmet.join(', ')} failed` });
    continue;
  }
  console.log(`\n── ${name} (npm run ${script}) ──`);
  stages.push({ name, kind, json, ...(await run(script)) });
}

const { passed, failed, notes } = summarize({ stages, root });
rmSync(dir, { recursive: true, force: true });
console.log('');
for (const s of stages) console.log(`${s.rc === 0 ? 'ok  ' : s.rc === null ? 'skip' : 'FAIL'}  ${s.name}`);
for (const n of notes) console.log(n);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
