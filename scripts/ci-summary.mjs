// CI's closing line `N passed, N failed`, counted so that it cannot flatter:
// - as-pect: each spec file's `Pass: p / t Todo: n` line; a todo is a failure, and
//   a spec file on disk that did not report (a compile error, a crash) is one;
// - vitest: the JSON report; a skipped or todo test is a failure (the suite's rule:
//   a runtime that cannot start fails, it is never skipped), a test file that
//   failed without a failing test (import or hook error) is one, and a test file
//   on disk that is missing from the report never ran: one failure each;
// - a stage that failed without any counted failure (lint, build) is one failure,
//   and a stage that did not run at all (its prerequisite failed) is one too.
// A run with no tests at all is never `N passed, 0 failed`.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** Files under `dir` whose name matches `re` (node_modules and build left out). */
export function walk(dir, re, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'build') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, re, out);
    else if (re.test(e)) out.push(p);
  }
  return out;
}

/**
 * stages: [{ name, kind: 'as-pect' | 'vitest' | 'step', rc (null = did not run),
 * why?, output (its log text), json? (vitest's report path) }].
 * Returns { passed, failed, notes } (notes: one line per counted failure that
 * no failing test reports by itself).
 */
export function summarize({ stages, root }) {
  const notes = [];
  let passed = 0;
  let failed = 0;
  for (const s of stages) {
    if (s.rc === null) {
      failed++;
      notes.push(`counted as failed: stage "${s.name}" did not run (${s.why})`);
      continue;
    }
    const before = failed;
    const text = (s.output ?? '').replace(ansi, '');
    if (s.kind === 'as-pect') {
      const files = [...text.matchAll(/^\S+\s+(\S+\.spec\.ts)\s+Pass:\s*(\d+)\s*\/\s*(\d+)\s+Todo:\s*(\d+)/gm)];
      const seen = new Set();
      for (const [, file, p, t, todo] of files) {
        seen.add(resolve(root, file));
        passed += Number(p);
        failed += Number(t) - Number(p) + Number(todo);
        if (Number(todo)) notes.push(`counted as failed: ${todo} todo spec(s) in ${file} (${s.name})`);
      }
      for (const f of walk(join(root, 'assembly'), /\.spec\.ts$/)) {
        if (seen.has(resolve(f))) continue;
        failed++;
        notes.push(`counted as failed: ${relative(root, f)} reported no result (${s.name})`);
      }
    } else if (s.kind === 'vitest') {
      const raw = s.json && existsSync(s.json) ? readFileSync(s.json, 'utf8').trim() : '';
      if (!raw) {
        failed++;
        notes.push('counted as failed: vitest wrote no report');
      } else {
        const r = JSON.parse(raw);
        const seen = new Set();
        for (const file of r.testResults ?? []) {
          seen.add(resolve(file.name));
          const rel = relative(root, file.name);
          const tests = file.assertionResults ?? [];
          for (const a of tests) {
            if (a.status === 'passed') passed++;
            else if (a.status === 'failed') failed++;
            else {
              failed++;
              notes.push(`counted as failed: ${a.status} test: ${rel} > ${a.fullName ?? a.title}`);
            }
          }
          if (file.status === 'failed' && !tests.some((a) => a.status === 'failed')) {
            failed++;
            notes.push(`counted as failed: ${rel} did not run: ${(file.message ?? '').split('\n')[0]}`);
          }
        }
        for (const f of [...walk(join(root, 'test'), /\.test\.ts$/), ...walk(join(root, 'src'), /\.test\.ts$/)]) {
          if (seen.has(resolve(f))) continue;
          failed++;
          notes.push(`counted as failed: ${relative(root, f)} never ran`);
        }
      }
    }
    if (s.rc !== 0 && failed === before) {
      failed++;
      notes.push(`counted as failed: stage "${s.name}" exited with ${s.rc}`);
    }
  }
  if (passed === 0 && failed === 0) {
    failed++;
    notes.push('counted as failed: no test ran at all');
  }
  return { passed, failed, notes };
}
