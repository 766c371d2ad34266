// SPDX-License-Identifier: MIT
// simdgrad/plot against the built bundle: the SVG is well-formed XML, holds
// one path per series plus the title, axis labels, legend and tick labels,
// escapes text, and the bundles carry no eval/new Function (strict CSP).

import * as fs from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import * as plot from 'simdgrad/plot';
import { describe, expect, it } from 'vitest';

/** Every text node of the SVG, decoded. */
function texts(svg: string): string[] {
  const doc = new XMLParser({ ignoreAttributes: false, htmlEntities: true }).parse(svg);
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        if (k !== 'text') walk(v);
        else for (const t of Array.isArray(v) ? v : [v]) out.push(String(typeof t === 'object' ? t['#text'] : t));
      }
    }
  };
  walk(doc);
  return out;
}

/** The `d` attribute of every path drawn in a series colour. */
function seriesPaths(svg: string, color: string): string[] {
  return [...svg.matchAll(/<path d="([^"]+)"[^>]*stroke="([^"]+)"/g)].filter((m) => m[2] === color).map((m) => m[1]!);
}

describe('plot.line', () => {
  const x = Array.from({ length: 160 }, (_, i) => -8 + i * 0.1);
  const svg = plot.line({
    x,
    ys: { 'relu(x)': x.map((v) => Math.max(v, 0)), "relu'(x) <tape> & co": x.map((v) => (v > 0 ? 1 : 0)) },
    xlabel: 'x',
    ylabel: 'value',
    title: 'ReLU',
    width: 500,
    height: 300,
  });

  it('is a well-formed SVG document of the requested size', () => {
    expect(XMLValidator.validate(svg)).toBe(true);
    const root = new XMLParser({ ignoreAttributes: false }).parse(svg).svg;
    expect(root['@_width']).toBe('500');
    expect(root['@_height']).toBe('300');
  });

  it('holds the title, axis labels, legend entries and tick labels', () => {
    const t = texts(svg);
    expect(t).toContain('ReLU');
    expect(t).toContain('x');
    expect(t).toContain('value');
    expect(t).toContain('relu(x)');
    expect(t).toContain("relu'(x) <tape> & co"); // escaped in the SVG, decoded by the parser
    const ticks = t.map(Number).filter((v) => Number.isFinite(v));
    expect(ticks.some((v) => v < 0)).toBe(true); // x ticks reach the negative range
    expect(ticks.some((v) => v >= 7)).toBe(true);
  });

  it('draws each series as one line in its own colour', () => {
    const first = seriesPaths(svg, '#1f77b4');
    const second = seriesPaths(svg, '#ff7f0e');
    expect(first.length).toBeGreaterThanOrEqual(1);
    expect(second.length).toBeGreaterThanOrEqual(1);
    // the curve has (at least) one vertex per data point
    const longest = first.reduce((a, d) => (d.length > a.length ? d : a), '');
    expect((longest.match(/L/g) ?? []).length).toBeGreaterThanOrEqual(x.length - 1);
  });

  it('supports a log y axis and short series with markers', () => {
    const s = plot.line({ x: [1, 2, 3], ys: { loss: [1, 0.1, 0.01] }, yLog: true });
    expect(XMLValidator.validate(s)).toBe(true);
    expect(texts(s)).toContain('loss');
    expect(() => plot.line({ x: [1, 2], ys: { loss: [1, 0] }, yLog: true })).toThrow(/yLog needs positive values/);
  });

  it('rejects mismatched series and bad sizes', () => {
    expect(() => plot.line({ x: [1, 2, 3], ys: { a: [1, 2] } })).toThrow(/series "a" has 2 values but x has 3/);
    expect(() => plot.line({ x: [1], ys: { a: [1] }, width: 0 })).toThrow(/width/);
    expect(() => plot.line({ x: [1], ys: { a: [1] }, height: Number.NaN })).toThrow(/height/);
  });

  it('renders the same string twice', () => {
    const a = plot.line({ x: [0, 1, 2], ys: { a: [0, 1, 4], b: [0, 2, 3] }, title: 't' });
    const b = plot.line({ x: [0, 1, 2], ys: { a: [0, 1, 4], b: [0, 2, 3] }, title: 't' });
    expect(a).toBe(b);
  });
});

describe('bundles for strict-CSP hosts', () => {
  for (const file of ['build/plot.js', 'build/data.js', 'build/cli.js']) {
    it(`${file} contains no eval( or new Function`, () => {
      const code = fs.readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
      expect(code).not.toMatch(/(?<![.\w$])eval\s*\(/); // a global eval, not a method such as model.eval()
      expect(code).not.toMatch(/new\s+Function\b/);
      expect(code).not.toMatch(/[^.\w]Function\s*\(\s*['"`]/);
    });
  }
  it('build/plot.js imports no Node built-ins (it runs in browsers)', () => {
    const code = fs.readFileSync(new URL('../build/plot.js', import.meta.url), 'utf8');
    expect(code).not.toMatch(/from\s*['"]node:|require\(\s*['"](fs|path|os|node:)/);
  });
});

describe('strict style-src', () => {
  it('writes presentation attributes, never style="" attributes a CSP would refuse', async () => {
    const { line } = await import('simdgrad/plot');
    const svg = line({ x: [0, 1, 2], ys: { a: [1, 2, 3] }, title: 't', xlabel: 'x', ylabel: 'y' });
    expect(svg).not.toMatch(/\sstyle="/);
    expect(svg).toMatch(/font-size="\d+px"/);
  });
});
