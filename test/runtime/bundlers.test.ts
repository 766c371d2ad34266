// Apps built from a few lines that import 'simdgrad', with each bundler's
// defaults, run in headless Chromium under COOP/COEP. Vite follows simdgrad's
// new Worker(new URL('./worker.js', import.meta.url)) and emits the worker, so
// the app gets threads. esbuild leaves that URL as it is: without worker.js
// beside the bundle the workers cannot start and the engine turns threads off
// (same results, threads() = 1, the reason in threadStats()); with the file
// copied there (as examples/browser does) it gets threads.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from './runners.mjs';
import { launchChromium, serveStatic } from './serve.mjs';

const MAIN = `import * as sg from 'simdgrad';
await sg.init();
await sg.startThreads().catch(() => {});
const a = sg.randn([256, 300], { seed: 1 });
const b = sg.randn([300, 200], { seed: 2 });
const y = sg.matmul(a, b).data();
let h = 0;
for (const v of y) h = (Math.imul(h, 31) + Math.round(v * 1e4)) | 0;
document.getElementById('out').textContent = JSON.stringify({ threads: sg.threads(), stats: sg.threadStats(), h });
`;
const HTML =
  '<!doctype html><html><body><pre id="out">…</pre><script type="module" src="./main.js"></script></body></html>';

let dir = '';
type Result = { threads: number; stats: { ready: number; parallelCalls: number; disabled: string | null }; h: number };

async function runApp(dist: string): Promise<{ r: Result; cores: number }> {
  const server = await serveStatic({ mounts: { '/': dist }, index: '/index.html', isolated: true });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => document.getElementById('out')?.textContent !== '…', null, { timeout: 60_000 });
    const r = JSON.parse((await page.textContent('#out')) ?? '') as Result;
    return { r, cores: await page.evaluate(() => navigator.hardwareConcurrency) };
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

  it('esbuild: without worker.js beside the bundle, threads turn off with a reason and results stay the same; with it, threads', async () => {
    const out = join(dir, 'esb');
    execFileSync(
      join(root, 'node_modules/.bin/esbuild'),
      ['main.js', '--bundle', '--format=esm', `--outdir=${out}`, '--log-level=warning'],
      { cwd: dir, stdio: 'pipe' },
    );
    copyFileSync(join(dir, 'index.html'), join(out, 'index.html'));
    const without = await runApp(out);
    expect(without.r.threads).toBe(1);
    expect(without.r.stats.disabled).toMatch(/could not start/);
    expect(without.r.h).toBe(reference);
    copyFileSync(join(root, 'build/worker.js'), join(out, 'worker.js'));
    const withWorker = await runApp(out);
    expect(withWorker.r.threads).toBe(withWorker.cores);
    expect(withWorker.r.stats.ready).toBe(withWorker.cores - 1);
    expect(withWorker.r.h).toBe(reference);
  }, 120_000);
});
