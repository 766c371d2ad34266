// Tensors print their values and shape (the public API): toString, console.log through
// util.inspect in Node, Bun's console and Deno's inspector; long axes elided with
// `...`; a few thousand characters at most for any size. And the bundle keeps
// its names and maps stack frames back to src/.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import * as sg from 'simdgrad';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const index = join(root, 'build/index.js');
const dir = mkdtempSync(join(tmpdir(), 'simdgrad-print-'));

beforeAll(async () => {
  await sg.init();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('printing a tensor', () => {
  it("is PyTorch's form with the shape: the public API's example", () => {
    const t = sg.tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(t.toString()).toBe('tensor([[1, 2], [3, 4]], shape=[2, 2])');
    expect(`${t}`).toBe('tensor([[1, 2], [3, 4]], shape=[2, 2])');
    expect(inspect(t)).toBe('tensor([[1, 2], [3, 4]], shape=[2, 2])');
    expect(inspect({ t })).toBe('{ t: tensor([[1, 2], [3, 4]], shape=[2, 2]) }');
    t.dispose();
    expect(String(t)).toBe('tensor(<disposed>, shape=[2, 2])');
  });

  it('0-d, empty, fractions, nan, inf, -0 and tiny values', () => {
    expect(String(sg.tensor(2.5))).toBe('tensor(2.5, shape=[])');
    expect(String(sg.zeros([0, 3]))).toBe('tensor([], shape=[0, 3])');
    expect(String(sg.tensor([0.1, -1 / 3, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0]))).toBe(
      'tensor([0.1, -0.333333, nan, inf, -inf, -0], shape=[6])',
    );
    expect(String(sg.tensor([1e-7, 3e20, 123456789]))).toBe('tensor([1e-7, 3e+20, 123456792], shape=[3])');
  });

  it('elides long axes of large tensors with ... and shows the first and last entries', () => {
    const t = sg.arange(0, 1000);
    expect(String(t)).toBe('tensor([0, 1, 2, ..., 997, 998, 999], shape=[1000])');
    const m = sg.arange(0, 300 * 4).reshape([300, 4]);
    expect(String(m)).toBe(
      'tensor([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11], ..., [1188, 1189, 1190, 1191], [1192, 1193, 1194, 1195], [1196, 1197, 1198, 1199]], shape=[300, 4])',
    );
    expect(String(sg.arange(0, 100))).not.toContain('...'); // small tensors print whole
  });

  it('stays within a few thousand characters for any size and rank', () => {
    for (const shape of [[2 ** 22], [2048, 2048], [7, 7, 7, 7, 7], Array(12).fill(2), [1, 1, 1, 5000]]) {
      const t = sg.zeros(shape);
      const s = String(t);
      expect(s.length, `shape [${shape}]`).toBeLessThanOrEqual(4200);
      expect(s).toMatch(new RegExp(`shape=\\[${shape.join(', ')}\\]\\)$`));
      t.dispose();
    }
  });

  const script = `import * as sg from ${JSON.stringify(index)};
await sg.init({ simd: 'simd128' });
console.log(sg.tensor([[1, 2], [3, 4]]));
console.log({ w: sg.tensor([0.5]) });`;
  // objects around a tensor are laid out by each runtime (Bun breaks lines); the tensor prints the same
  const expected = ['tensor([[1, 2], [3, 4]], shape=[2, 2])', 'w: tensor([0.5], shape=[1])'];
  for (const [name, cmd, args] of [
    ['Node', process.execPath, []],
    ['Deno', join(root, 'node_modules/.bin/deno'), ['run', '-A']],
    ['Bun', join(root, 'node_modules/.bin/bun'), []],
  ] as const) {
    it(`console.log shows the values in ${name}`, () => {
      const file = join(dir, `print-${name}.mjs`);
      writeFileSync(file, script);
      const r = spawnSync(cmd, [...args, file], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, NO_COLOR: '1' },
      });
      expect(r.error, `${name} could not start`).toBeUndefined();
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const [first, ...rest] = r.stdout.trim().split('\n');
      expect(first).toBe(expected[0]);
      expect(rest.join(' ')).toContain(expected[1]);
    });
  }
});

describe('debuggable bundle', () => {
  it('public classes keep their names', () => {
    expect(sg.nn.Linear.name).toBe('Linear');
    expect(sg.nn.Sequential.name).toBe('Sequential');
    expect(sg.nn.MLP.name).toBe('MLP');
    expect(sg.optim.SGD.name).toBe('SGD');
    expect(sg.Tensor.name).toBe('Tensor');
    expect(sg.SimdgradError.name).toBe('SimdgradError');
    expect(sg.matmul.name).toBe('matmul');
  });

  it('stack frames map back to src/ with --enable-source-maps', () => {
    const file = join(dir, 'stack.mjs');
    writeFileSync(
      file,
      `import * as sg from ${JSON.stringify(index)};
await sg.init();
try { sg.matmul(sg.ones([2, 3]), sg.ones([4, 5])); } catch (e) { console.log(e.stack); }`,
    );
    const r = spawnSync(process.execPath, ['--enable-source-maps', file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/SimdgradError: matmul: /);
    expect(r.stdout).toMatch(/src\/ops\/\w+\.ts:\d+:\d+/);
    expect(r.stdout).not.toMatch(/index\.js:\d+:\d+/);
  });
});
