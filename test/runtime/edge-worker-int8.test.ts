// examples/edge-worker serving an int8 model (config.int8.capnp): a small model
// trained and quantized by the CLI (`simdgrad train --limit`, `simdgrad quantize`)
// must give on workerd exactly the probabilities nn.quantize of the same file
// gives in Node (both run the simd128 build), and GET must say it is int8.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sg from 'simdgrad';
import { fashionMnist } from 'simdgrad/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { root, withWorkerd } from './runners.mjs';

const dir = join(root, 'examples/edge-worker');
const int8Path = join(dir, 'model.int8.safetensors'); // gitignored; config.int8.capnp embeds it
const N_IMAGES = 4;

const pixels = (images: Float32Array, i: number) => Array.from(images.subarray(i * 784, (i + 1) * 784));

describe('examples/edge-worker: the int8 model on workerd', () => {
  const answers: { status: number; body: Record<string, unknown> }[] = [];
  const reference: number[][] = [];
  let info: Record<string, unknown> = {};
  let floatBytes = 0;

  beforeAll(async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'simdgrad-edge-int8-'));
    try {
      const cli = (args: string[]) =>
        execFileSync(process.execPath, [join(root, 'build/cli.js'), ...args], { cwd, stdio: 'pipe', timeout: 90_000 });
      cli(['train', '--limit', '1000', '--epochs', '2', '--hidden', '48', '--simd', 'simd128', '--no-plot']);
      cli(['quantize', '--model', 'model.safetensors', '--out', int8Path]);
      floatBytes = statSync(join(cwd, 'model.safetensors')).size;
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
    await sg.init({ simd: 'simd128' });
    const test = fashionMnist({ split: 'test', limit: 100 });
    const weights = sg.io.loadSafetensors(readFileSync(int8Path));
    const model = sg.nn.quantize(new sg.nn.MLP([784, 48, 10]), { dtype: 'int8' }).loadStateDict(weights);
    for (let i = 0; i < N_IMAGES; i++) {
      reference.push(
        Array.from(sg.tidy(() => sg.softmax(model.forward(sg.tensor(pixels(test.images, i), [1, 784]))).data())),
      );
    }
    await withWorkerd(join(dir, 'config.int8.capnp'), async (base) => {
      info = (await (await fetch(base, { signal: AbortSignal.timeout(20_000) })).json()) as Record<string, unknown>;
      for (let i = 0; i < N_IMAGES; i++) {
        const res = await fetch(base, {
          method: 'POST',
          body: JSON.stringify(pixels(test.images, i)),
          headers: { 'content-type': 'application/json' },
          signal: AbortSignal.timeout(20_000),
        });
        answers.push({ status: res.status, body: (await res.json()) as Record<string, unknown> });
      }
    });
  }, 150_000);

  it('the int8 file is at most 28% of the float file', () => {
    expect(statSync(int8Path).size / floatBytes).toBeLessThanOrEqual(0.28);
  });

  it('GET says the model is int8', () => {
    expect(info.model).toEqual({ sizes: [784, 48, 10], activation: 'relu', quantized: 'int8' });
    expect(info.backend).toBe('simd128');
  });

  it('classifies exactly as nn.quantize of the same file does in Node (simd128, bit for bit)', () => {
    expect(answers).toHaveLength(N_IMAGES);
    answers.forEach((a, i) => {
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(a.body.probabilities).toEqual(reference[i]);
    });
  });
});
