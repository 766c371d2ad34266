// Strict hosts: nothing that ships may need `eval`, `new Function`,
// string timers or blob: workers, so the package runs under a CSP that allows only
// 'wasm-unsafe-eval' beyond 'self' (the Chromium runs in runtimes.test.ts and the
// browser example's test serve exactly that header and assert no violation).
// One blob: use ships, and is never needed under such a policy: the fallback
// for a page whose bundler dropped worker.js (see withoutWorkerFallback).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './runners.mjs';

const FORBIDDEN: [string, RegExp][] = [
  // a call, not a method named eval (`eval(){…}`: Module.eval(), as PyTorch's)
  ['eval(', /(?<![\w$.])eval\s*\((?![^()]*\)\s*\{)/],
  ['new Function', /new\s+Function\b/],
  ['Function(...) constructor call', /(?<![\w$.])Function\s*\(\s*['"`]/],
  ['string timer', /(?<![\w$.])set(?:Timeout|Interval)\s*\(\s*['"`]/],
  ['blob: URL', /\bblob:/i],
  ['URL.createObjectURL', /createObjectURL/],
  ['importScripts', /importScripts\s*\(/],
];

function scan(text: string): { what: string; at: string }[] {
  const hits: { what: string; at: string }[] = [];
  for (const [what, re] of FORBIDDEN) {
    const m = re.exec(text);
    if (m) hits.push({ what, at: text.slice(Math.max(0, m.index - 60), m.index + 60) });
  }
  return hits;
}

describe('strict hosts: no eval, new Function or blob: workers in what ships', () => {
  it('the scanner recognizes each forbidden construct (so a clean scan means something)', () => {
    const samples = [
      'x = eval("1")',
      'f = new Function("a", "return a")',
      'g = Function("return this")()',
      'setTimeout("go()", 1)',
      "new Worker('blob:https://x/1')",
      'URL.createObjectURL(b)',
      'importScripts("a.js")',
    ];
    for (const s of samples) expect(scan(s).length, s).toBeGreaterThan(0);
    for (const s of [
      'page.evaluate(x)',
      'isFunction(x)',
      'retrieval(x)',
      'o.eval(x)',
      'setTimeout(fn, 1)',
      'class M{train=!1;eval(){return this}}',
    ]) {
      expect(scan(s), s).toEqual([]);
    }
  });

  it('every build/*.js bundle is free of them (index.js: but for the one blob: fallback of a dropped worker.js)', () => {
    const files = readdirSync(join(root, 'build')).filter((f) => f.endsWith('.js'));
    expect(files).toEqual(expect.arrayContaining(['index.js', 'onnx.js', 'plot.js', 'worker.js']));
    const found: Record<string, { what: string; at: string }[]> = {};
    for (const f of files) {
      let text = readFileSync(join(root, 'build', f), 'utf8');
      if (f === 'index.js') text = withoutWorkerFallback(text);
      const hits = scan(text);
      if (hits.length) found[f] = hits;
    }
    expect(found).toEqual({});
  });
});

/**
 * index.js minus the one sanctioned blob: use: a page whose bundler dropped
 * worker.js (esbuild's defaults) starts the kernel workers from a blob: URL of
 * the inlined source (src/engine/threads.ts), and only then. Under the strict
 * policy worker.js loads as 'self' and the blob: path never runs (the Chromium
 * runs assert no violation; bundlers.test.ts covers the fallback under both
 * policies). That function's span and the fallback's error message
 * are cut (every createObjectURL must lie within that one short function);
 * anything else still fails the scan.
 */
function withoutWorkerFallback(text: string): string {
  // the typeof check, its error message and the call, all in workerBlobUrl
  expect((text.match(/createObjectURL/g) ?? []).length, 'createObjectURL in index.js').toBeLessThanOrEqual(3);
  const at = text.indexOf('createObjectURL');
  const end = text.lastIndexOf('createObjectURL') + 'createObjectURL'.length;
  expect(end - at, 'the blob: fallback is one small function').toBeLessThan(400);
  const message = text.indexOf('nor its inlined copy from a blob: URL');
  expect(message, 'the fallback error message').toBeGreaterThan(0);
  const cut = text.slice(0, at) + text.slice(end);
  const m = cut.indexOf('nor its inlined copy from a blob: URL');
  return cut.slice(0, m) + cut.slice(m + 'nor its inlined copy from a blob: URL'.length);
}

describe('strict hosts: the worker fallback stays what the exception above allows', () => {
  it('the blob: URL is made only in workerBlobUrl, called only after worker.js failed to load', () => {
    const src = readFileSync(join(root, 'src/engine/threads.ts'), 'utf8');
    expect(src.match(/createObjectURL\(/g)).toHaveLength(1);
    expect(src.match(/workerBlobUrl\(g\)/g)).toHaveLength(1);
    expect(src).toMatch(/fellBack = true;\s*try \{\s*attach\(\(\) => new Worker\(workerBlobUrl\(g\)/);
  });
});
