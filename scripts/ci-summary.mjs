// Prints CI's closing line `N passed, N failed` from the as-pect log and the
// vitest JSON report. A failing step that ran no test (lint, build) counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

const [logPath, jsonPath, rcText] = process.argv.slice(2);
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const log = existsSync(logPath) ? readFileSync(logPath, 'utf8').replace(ansi, '') : '';
let passed = 0;
let failed = 0;
// as-pect's summary line of each run: passed / total, alone on its line
for (const m of log.matchAll(/^\s*\[Tests\]:\s*(\d+)\s*\/\s*(\d+)\s*$/gm)) {
  passed += Number(m[1]);
  failed += Number(m[2]) - Number(m[1]);
}
if (jsonPath && existsSync(jsonPath) && readFileSync(jsonPath, 'utf8').trim()) {
  const r = JSON.parse(readFileSync(jsonPath, 'utf8'));
  passed += r.numPassedTests ?? 0;
  failed += r.numFailedTests ?? 0;
  // a file that failed without a failing test (an import or hook error) counts once
  for (const s of r.testResults ?? []) {
    if (s.status === 'failed' && !(s.assertionResults ?? []).some((a) => a.status === 'failed')) failed++;
  }
}
if (Number(rcText) !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
