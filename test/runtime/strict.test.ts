// Strict hosts: nothing that ships may need `eval`, `new Function`,
// string timers or blob: workers, so the package runs under a CSP that allows only
// 'wasm-unsafe-eval' beyond 'self' (the Chromium runs in runtimes.test.ts and the
// browser example's test serve exactly that header and assert no violation).
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

  it('every build/*.js bundle is free of them', () => {
    const files = readdirSync(join(root, 'build')).filter((f) => f.endsWith('.js'));
    expect(files).toEqual(expect.arrayContaining(['index.js', 'onnx.js', 'plot.js']));
    const found: Record<string, { what: string; at: string }[]> = {};
    for (const f of files) {
      const hits = scan(readFileSync(join(root, 'build', f), 'utf8'));
      if (hits.length) found[f] = hits;
    }
    expect(found).toEqual({});
  });
});
