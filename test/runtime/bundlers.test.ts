// Apps built from a few lines that import 'simdgrad', with each bundler's
// defaults, run in headless Chromium under COOP/COEP. Vite follows simdgrad's
// new Worker(new URL('./worker.js', import.meta.url)) and emits the worker, so
// the app gets threads. esbuild leaves that URL as it is and emits no worker.js:
// the page then starts the workers from a blob: URL of the source inlined in the
// bundle, and gets threads too (a page with a CSP must allow worker-src blob:;
// under the suite's strict CSP, which does not, threads turn off with the reason
// and the same results). With worker.js copied beside the bundle (as
// examples/browser does) the page loads that file instead, strict CSP and all.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from './runners.mjs';
import { CSP, launchChromium, serveStatic } from './serve.mjs';

const MAIN = `import * as sg from 'simdgrad';
await sg.init();
await sg.startThreads().catch(() => {});
const a = sg.randn([256, 300], { seed: 1 });
const b = sg.randn([300, 200], { seed: 2 });
const y = sg.matmul(a, b).data();
let h = 0;
for (const v of y) h = (Math.imul(h, 31) + Math.round(v * 1e4)) | 0;
// until a worker has taken a share (a busy machine may not schedule it in time for one call)
for (let i = 0; i < 150 && sg.threads() > 1 && sg.threadStats().parallelCalls === 0; i++) {
  sg.matmul(a, b).dispose();
  await new Promise((r) => setTimeout(r, 20));
}
document.getElementById('out').textContent = JSON.stringify({ threads: sg.threads(), stats: sg.threadStats(), h });
`;
const HTML =
  '<!doctype html><html><body><pre id="out">…</pre><script type="module" src="./main.js"></script></body></html>';

let dir = '';
type Result = { threads: number; stats: { ready: number; parallelCalls: number; disabled: string | null }; h: number };

async function runApp(dist: string, csp = CSP): Promise<{ r: Result; cores: number; workers: string[] }> {
  const server = await serveStatic({ mounts: { '/': dist }, index: '/index.html', isolated: true, csp });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => document.getElementById('out')?.textContent !== '…', null, { timeout: 60_000 });
    const r = JSON.parse((await page.textContent('#out')) ?? '') as Result;
    const workers = page.workers().map((w) => w.url());
    return { r, cores: await page.evaluate(() => navigator.hardwareConcurrency), workers };
  } finally {
    await browser.close();
    await server.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'simdgrad-bundlers-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules/simdgrad'));
  writeFileSync(join(dir, 'main.js'), MAIN);
  writeFileSync(join(dir, 'index.html'), HTML);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('apps bundled with default config, in headless Chromium under COOP/COEP', () => {
  let reference = 0;

  it('Vite: the worker script is emitted and the app computes with every core', async () => {
    execFileSync(join(root, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: dir, stdio: 'pipe' });
    const { r, cores } = await runApp(join(dir, 'dist'));
    expect(r.threads).toBe(cores);
    expect(r.stats.disabled).toBeNull();
    expect(r.stats.ready).toBe(cores - 1);
    reference = r.h;
  }, 120_000);

  it('esbuild: no worker.js is emitted, the workers start from the inlined source; with the file copied, from the file', async () => {
    const out = join(dir, 'esb');
    execFileSync(
      join(root, 'node_modules/.bin/esbuild'),
      ['main.js', '--bundle', '--format=esm', `--outdir=${out}`, '--log-level=warning'],
      { cwd: dir, stdio: 'pipe' },
    );
    copyFileSync(join(dir, 'index.html'), join(out, 'index.html'));
    expect(existsSync(join(out, 'worker.js'))).toBe(false);
    // the suite's policy plus blob: workers (a page without any CSP needs nothing)
    const inlined = await runApp(out, `${CSP}; worker-src 'self' blob:`);
    expect(inlined.r.threads).toBe(inlined.cores);
    expect(inlined.r.stats.disabled).toBeNull();
    expect(inlined.r.stats.ready).toBe(inlined.cores - 1);
    expect(inlined.r.stats.parallelCalls).toBeGreaterThan(0);
    expect(inlined.workers.every((u) => u.startsWith('blob:'))).toBe(true);
    expect(inlined.r.h).toBe(reference);
    const strict = await runApp(out);
    expect(strict.r.threads).toBe(1);
    expect(strict.r.stats.disabled).toMatch(/could not start .*inlined copy/);
    expect(strict.r.h).toBe(reference);
    copyFileSync(join(root, 'build/worker.js'), join(out, 'worker.js'));
    const withFile = await runApp(out);
    expect(withFile.r.threads).toBe(withFile.cores);
    expect(withFile.r.stats.ready).toBe(withFile.cores - 1);
    expect(withFile.workers.every((u) => u.endsWith('/worker.js'))).toBe(true);
    expect(withFile.r.h).toBe(reference);
  }, 120_000);
});
