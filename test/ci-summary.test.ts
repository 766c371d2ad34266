// The closing line of `npm test` cannot flatter: skipped tests, suites that never
// ran, spec files that never reported and stages that did not run are failures,
// and a run without tests is never `N passed, 0 failed`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain .mjs script without types
import { summarize, walk } from '../scripts/ci-summary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'simdgrad-summary-'));
const testFiles: string[] = walk(join(root, 'test'), /\.test\.ts$/).concat(walk(join(root, 'src'), /\.test\.ts$/));
const specFiles: string[] = walk(join(root, 'assembly'), /\.spec\.ts$/);

function report(files: { name: string; status: string; tests: string[] }[]): string {
  const p = join(dir, `r${Math.random()}.json`);
  const testResults = files.map((f) => ({
    name: f.name,
    status: f.status,
    message: f.status === 'failed' ? 'Error: boom' : '',
    assertionResults: f.tests.map((status, i) => ({ status, title: `t${i}`, fullName: `t${i}` })),
  }));
  writeFileSync(p, JSON.stringify({ testResults }));
  return p;
}
const allPassing = () => testFiles.map((name) => ({ name, status: 'passed', tests: ['passed', 'passed'] }));
const aspect = (specs: string[], line = (f: string) => `✔ ${f} Pass: 3 / 3 Todo: 0 Time: 1ms`) =>
  specs.map((f) => line(f.slice(root.length))).join('\n');

describe('scripts/ci-summary.mjs', () => {
  it('counts a clean run', () => {
    const s = summarize({
      root,
      stages: [
        { name: 'build', kind: 'step', rc: 0, output: '' },
        { name: 'as-pect simd128', kind: 'as-pect', rc: 0, output: aspect(specFiles) },
        { name: 'vitest', kind: 'vitest', rc: 0, json: report(allPassing()) },
      ],
    });
    expect(s).toEqual({ passed: specFiles.length * 3 + testFiles.length * 2, failed: 0, notes: [] });
  });

  it('a skipped or todo test is a failure, named', () => {
    const files = allPassing();
    files[0].tests = ['passed', 'skipped', 'todo'];
    const s = summarize({ root, stages: [{ name: 'vitest', kind: 'vitest', rc: 0, json: report(files) }] });
    expect(s.failed).toBe(2);
    expect(s.notes.join('\n')).toMatch(/skipped test: .*> t1/);
    expect(s.notes.join('\n')).toMatch(/todo test: .*> t2/);
  });

  it('a test file missing from the report, or failing to import, is a failure', () => {
    const files = allPassing();
    files.pop();
    files[0] = { ...files[0], status: 'failed', tests: [] };
    const s = summarize({ root, stages: [{ name: 'vitest', kind: 'vitest', rc: 1, json: report(files) }] });
    expect(s.failed).toBe(2);
    expect(s.notes.join('\n')).toMatch(/never ran/);
    expect(s.notes.join('\n')).toMatch(/did not run: Error: boom/);
  });

  it('a spec file that never reported, a todo spec, a failing spec', () => {
    const out = aspect(specFiles.slice(1), (f) =>
      f.includes(specFiles[1].slice(root.length))
        ? `✖ ${f} Pass: 2 / 3 Todo: 1 Time: 1ms`
        : `✔ ${f} Pass: 3 / 3 Todo: 0`,
    );
    const s = summarize({ root, stages: [{ name: 'as-pect simd128', kind: 'as-pect', rc: 1, output: out }] });
    expect(s.failed).toBe(1 + 1 + 1);
    expect(s.notes.join('\n')).toMatch(/reported no result/);
  });

  it('a stage that did not run, or failed without a test, is a failure; no tests at all is never a pass', () => {
    const s = summarize({
      root,
      stages: [
        { name: 'build', kind: 'step', rc: 2, output: 'error' },
        { name: 'vitest', kind: 'vitest', rc: null, why: 'build failed' },
      ],
    });
    expect(s).toMatchObject({ passed: 0, failed: 2 });
    expect(summarize({ root, stages: [] })).toMatchObject({ passed: 0, failed: 1 });
    expect(
      summarize({ root, stages: [{ name: 'vitest', kind: 'vitest', rc: 0, json: join(dir, 'none.json') }] }).failed,
    ).toBe(1);
  });
});
