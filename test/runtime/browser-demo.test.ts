// examples/browser in headless Chromium, served from 127.0.0.1 under the strict
// CSP: start training, wait (bounded) until the page reports a test accuracy
// above 0.7, save a screenshot, and require no CSP violation, no console error
// and no page error, with the live chart, the gallery and the activation figures
// drawn.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemo } from '../../examples/browser/build.mjs';
import { root } from './runners.mjs';
import { launchChromium, serveStatic } from './serve.mjs';

describe('examples/browser: the MLP trains in a Web Worker under a strict CSP', () => {
  let server: { url: string; close: () => Promise<void> } | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    const dir = await buildDemo();
    // with COOP/COEP as `npm run demo` serves it: the page is crossOriginIsolated, so threads
    server = await serveStatic({ mounts: { '/': dir }, index: '/index.html', isolated: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.addInitScript(() => {
      const w = globalThis as unknown as { cspViolations: string[] };
      w.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    await page.goto(`${server.url}/`, { timeout: 30_000 });
    await page.waitForFunction(() => document.body.dataset.status === 'ready', null, { timeout: 30_000 });
    await page.click('#start');
    try {
      // Done when the accuracy is there, or as soon as the page reports an error or the end of training.
      await page.waitForFunction(
        () => {
          const { testAcc, status = '' } = document.body.dataset;
          return Number(testAcc) > 0.7 || /^(error|worker error|done|stopped)/.test(status);
        },
        null,
        { timeout: 90_000, polling: 250 },
      );
    } finally {
      mkdirSync(join(root, 'test-results'), { recursive: true });
      await page.screenshot({ path: join(root, 'test-results/browser-demo.png'), fullPage: true });
    }
  }, 150_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('reaches a test accuracy above 0.7 and redraws the learning curves as it goes', async () => {
    expect(await page.evaluate(() => document.body.dataset.status)).not.toMatch(/error/);
    const acc = await page.evaluate(() => Number(document.body.dataset.testAcc));
    expect(acc).toBeGreaterThan(0.7);
    const updates = await page.evaluate(() => Number(document.body.dataset.chartUpdates));
    expect(updates).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#curves svg').count()).toBe(1);
    expect(await page.textContent('#backend')).toMatch(/^(simd128|relaxed-simd)$/);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await page.textContent('#threads')).toBe(String(cores)); // 'auto' under COOP/COEP
  });

  it('trains in a module Web Worker loaded from a same-origin file, and stops when asked', async () => {
    const workers = page.workers().map((w) => w.url());
    expect(workers).toContain(`${server!.url}/train-worker.js`);
    // besides it, only simdgrad's kernel workers (started by the training worker)
    for (const w of workers) expect([`${server!.url}/train-worker.js`, `${server!.url}/worker.js`]).toContain(w);
    await page.click('#stop');
    await page.waitForFunction(() => /^(stopped|done)$/.test(document.body.dataset.status ?? ''), null, {
      timeout: 30_000,
    });
    expect(await page.isEnabled('#start')).toBe(true);
  });

  it('shows the activation figures and the test images with predicted labels', async () => {
    expect(await page.locator('#activations svg').count()).toBe(3);
    const captions = await page.locator('#gallery figcaption').evaluateAll((els) => els.map((e) => e.className));
    expect(captions.length).toBe(24);
    expect(captions.every((c) => c === 'right' || c === 'wrong')).toBe(true);
    expect(captions.filter((c) => c === 'right').length).toBeGreaterThan(12);
  });

  it('ran with no CSP violation, no console error and no page error', async () => {
    const violations = await page.evaluate(() => (globalThis as unknown as { cspViolations: string[] }).cspViolations);
    expect(violations).toEqual([]);
    expect(problems).toEqual([]);
  });
});
