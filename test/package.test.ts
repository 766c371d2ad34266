// Guards of the design: the package as users get it (exports, both wasm builds,
// a child process importing `simdgrad` by name), and what the core bundle may
// and may not contain.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));

function node(code: string, flags: string[] = []): string {
  return execFileSync(process.execPath, [...flags, '--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
  });
}

describe('package', () => {
  it('has the exports map of the public API', () => {
    expect(pkg.type).toBe('module');
    expect(Object.keys(pkg.exports)).toEqual(
      expect.arrayContaining(['.', './data', './plot', './wasm/simd128.wasm', './wasm/relaxed.wasm']),
    );
    expect(pkg.bin.simdgrad).toBeTruthy();
    expect(pkg.dependencies ?? {}).toEqual({});
  });

  it('is importable by name in a child Node process: init, add two tensors, read the result', () => {
    const out = node(`
      import * as sg from 'simdgrad';
      await sg.init();
      const c = sg.add(sg.tensor([[1, 2, 3], [4, 5, 6]]), sg.tensor([10, 20, 30]));
      console.log(JSON.stringify({ backend: sg.backend(), c: c.toArray() }));
    `);
    const r = JSON.parse(out);
    expect(r.c).toEqual([
      [11, 22, 33],
      [14, 25, 36],
    ]);
    expect(['simd128', 'relaxed-simd']).toContain(r.backend);
  });

  it('loads both wasm builds, forced or passed as a Module through the exports', () => {
    for (const [which, backend] of [
      ['simd128', 'simd128'],
      ['relaxed', 'relaxed-simd'],
    ]) {
      const r = execFileSync(
        process.execPath,
        [
          '--experimental-wasm-relaxed-simd',
          '--input-type=module',
          '-e',
          `import * as sg from 'simdgrad';
           import { readFileSync } from 'node:fs';
           import { createRequire } from 'node:module';
           const path = createRequire(import.meta.url).resolve('simdgrad/wasm/${which}.wasm');
           await sg.init({ module: new WebAssembly.Module(readFileSync(path)) });
           console.log(sg.backend(), sg.add(sg.ones([5]), 2).data().join(','));`,
        ],
        { cwd: root, encoding: 'utf8' },
      );
      expect(r.trim()).toBe(`${backend} 3,3,3,3,3`);
    }
    const forced = node(
      `import * as sg from 'simdgrad'; await sg.init({ simd: 'simd128' }); console.log(sg.backend());`,
    );
    expect(forced.trim()).toBe('simd128');
  });

  it('core bundle imports no Node built-in and no package, and has no eval or new Function', () => {
    const src = readFileSync(`${root}/build/index.js`, 'utf8');
    expect(src).not.toMatch(/\bimport\s*\(|\bfrom\s*["']|\brequire\s*\(/);
    expect(src).not.toMatch(/["'`]node:/); // a node: module specifier (a `node:` object key is fine)
    // an eval call, not a method named eval (`eval(){…}`: Module.eval())
    expect(src).not.toMatch(/(?<![\w$.])eval\s*\((?![^()]*\)\s*\{)|new\s+Function\b|\bFunction\s*\(/);
    expect(src).not.toMatch(/Math\.random/);
    expect(src).not.toMatch(/\bprocess\.|\bBuffer\b/);
  });

  it('keeps each wasm build within 64 KB, allocating nothing and importing only memory', () => {
    for (const w of ['simd128', 'relaxed']) {
      const path = `${root}/build/${w}.wasm`;
      expect(statSync(path).size).toBeLessThanOrEqual(64 * 1024);
      const mod = new WebAssembly.Module(readFileSync(path));
      const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
      expect(exports).not.toContain('__new');
      expect(exports).not.toContain('__collect');
      expect(WebAssembly.Module.imports(mod)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
    }
  });

  it('stays within the line budgets (scripts/sz.mjs)', () => {
    const out = execFileSync(process.execPath, [`${root}/scripts/sz.mjs`], { encoding: 'utf8' });
    expect(out).toMatch(/assembly\//);
    expect(out).not.toMatch(/OVER/);
  });
});
