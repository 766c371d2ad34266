// SPDX-License-Identifier: MIT
// `simdgrad quantize` end to end on a --limit subset: train → quantize → eval.
// The int8 file is at most 28% of the float file, eval reads it, its test
// accuracy stays within 0.01 of the float model's on 2,000 test images (the
// full-size check, 0.005 on 10,000 images, is reported in README.md), and a
// quantized file loads back into nn.quantize(new nn.MLP(sizes)) bit for bit.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sg from 'simdgrad';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../build/cli.js', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'simdgrad-quantize-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...process.env, SIMDGRAD_DEBUG: '' },
    timeout: 300_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const accuracy = (stdout: string) => Number(/test accuracy (\d\.\d{4})/.exec(stdout)?.[1]);
const file = (f: string) => path.join(tmp, f);

describe('simdgrad quantize', () => {
  let quantized: ReturnType<typeof run>;
  beforeAll(() => {
    const t = run([
      'train',
      '--limit',
      '2000',
      '--epochs',
      '3',
      '--batch',
      '64',
      '--optimizer',
      'adam',
      '--out',
      'f.safetensors',
      '--no-plot',
    ]);
    expect(t.status).toBe(0);
    quantized = run(['quantize', '--model', 'f.safetensors', '--out', 'q.safetensors']);
  });

  it('--help documents --model and --out', () => {
    const r = run(['quantize', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: simdgrad quantize');
    expect(r.stdout).toMatch(/--model <file>/);
    expect(r.stdout).toMatch(/--out <file>/);
  });

  it('writes an int8 file of at most 28% of the float bytes and says so', () => {
    expect(quantized.stderr).toBe('');
    expect(quantized.status).toBe(0);
    const fb = fs.statSync(file('f.safetensors')).size;
    const qb = fs.statSync(file('q.safetensors')).size;
    expect(qb / fb).toBeLessThanOrEqual(0.28);
    expect(quantized.stdout).toContain(`${qb.toLocaleString('en-US')} bytes`);
  });

  it('eval reads the quantized file; its accuracy is within 0.01 of the float model on 2,000 test images', () => {
    const ef = run(['eval', '--model', 'f.safetensors', '--limit', '2000']);
    const eq = run(['eval', '--model', 'q.safetensors', '--limit', '2000']);
    expect(eq.stderr).toBe('');
    expect(eq.status).toBe(0);
    expect(eq.stdout).toContain('MLP 784-256-256-10 relu (int8)');
    const af = accuracy(ef.stdout);
    const aq = accuracy(eq.stdout);
    expect(af).toBeGreaterThan(0.7);
    expect(Math.abs(aq - af)).toBeLessThanOrEqual(0.01);
  });

  it('the file holds I8 weights and F32 scales and loads into nn.quantize(new nn.MLP(sizes)) bit for bit', async () => {
    await sg.init();
    const bytes = new Uint8Array(fs.readFileSync(file('q.safetensors')));
    const m = sg.io.loadSafetensors(bytes);
    expect(m.metadata).toMatchObject({ sizes: '784,256,256,10', activation: 'relu', quantized: 'int8' });
    expect(m.get('0.weight')).toBeInstanceOf(sg.Int8Tensor);
    expect(m.get('0.weight_scale')!.shape).toEqual([256]);
    const q = sg.nn.quantize(new sg.nn.MLP([784, 256, 256, 10]), { dtype: 'int8' }).loadStateDict(m);
    expect(sg.io.saveSafetensors(q, { metadata: m.metadata })).toEqual(bytes);
    for (const t of m.values()) t.dispose();
    q.dispose();
  });

  it('an already quantized file, a missing file and a missing --out are one-line errors', () => {
    for (const [args, re] of [
      [['quantize', '--model', 'q.safetensors', '--out', 'again.safetensors'], /already quantized/],
      [['quantize', '--model', 'nope.safetensors', '--out', 'x.safetensors'], /cannot read nope\.safetensors/],
      [['quantize', '--model', 'f.safetensors'], /required option '--out <file>'/],
    ] as const) {
      const r = run([...args]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect(fs.existsSync(file('again.safetensors'))).toBe(false);
  });
});
