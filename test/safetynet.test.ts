// The FinalizationRegistry safety net: a tensor dropped without dispose() is
// freed by the garbage collector, whether it was made outside any tidy scope,
// returned out of one (nested too), or kept inside one (inside a scope the
// registration is deferred to the scope's end: src/memory.ts track()). Tensors
// that tidy disposes never reach the net. Runs in a child Node with --expose-gc.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function run(body: string): { before: number; during: number; after: number; bytes: number } {
  const code = `
    import * as sg from './build/index.js';
    await sg.init({ simd: 'simd128' });
    const settle = async () => {
      for (let i = 0; i < 30; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 5)); }
    };
    await settle();
    const before = sg.memory().tensors;
    let during = 0;
    (() => { ${body}; during = sg.memory().tensors; })();
    await settle();
    console.log(JSON.stringify({ before, during, after: sg.memory().tensors, bytes: sg.memory().bytes }));
  `;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

describe('safety net', () => {
  it('frees dropped tensors made outside any scope', () => {
    const r = run('for (let i = 0; i < 50; i++) sg.zeros([64])');
    expect(r.during).toBe(r.before + 50);
    expect(r.after).toBe(r.before);
    expect(r.bytes).toBe(0);
  });

  it('frees dropped tensors returned out of tidy, also out of nested scopes', () => {
    const r = run(`
      const keepAlive = [];
      for (let i = 0; i < 20; i++) keepAlive.push(sg.tidy(() => sg.add(sg.ones([8]), 1)));
      for (let i = 0; i < 20; i++) keepAlive.push(sg.tidy(() => sg.tidy(() => sg.mul(sg.ones([8]), 2))));
      for (let i = 0; i < 20; i++) keepAlive.push(sg.tidy(() => ({ a: [sg.ones([4])] })).a[0]);
      keepAlive.length = 0;
    `);
    expect(r.during).toBe(r.before + 60);
    expect(r.after).toBe(r.before);
  });

  it('frees dropped tensors kept inside tidy, and never double-frees ones tidy or dispose() freed', () => {
    const r = run(`
      sg.tidy(() => {
        for (let i = 0; i < 10; i++) sg.keep(sg.ones([16]));
        for (let i = 0; i < 10; i++) sg.ones([16]).dispose();
        for (let i = 0; i < 10; i++) sg.ones([16]);
      });
      try { sg.tidy(() => { sg.keep(sg.ones([16])); sg.ones([16]); throw new Error('x'); }); } catch {}
    `);
    expect(r.during).toBe(r.before + 11);
    expect(r.after).toBe(r.before);
    expect(r.bytes).toBe(0);
  });
});
