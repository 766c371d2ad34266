// examples/edge-worker/onnx-worker.js on workerd: a small model trained by
// `simdgrad train --limit`, exported by `simdgrad export` to model.onnx, served
// by the worker; POSTed images must get exactly the probabilities importOnnx
// gives in Node (both run the simd128 build), bad bodies a 400.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sg from 'simdgrad';
import { fashionMnist } from 'simdgrad/data';
import { importOnnx } from 'simdgrad/onnx';
import { beforeAll, describe, expect, it } from 'vitest';
import { root, withWorkerd } from './runners.mjs';

const dir = join(root, 'examples/edge-worker');
const modelPath = join(dir, 'model.onnx'); // gitignored; onnx.capnp embeds it
const N_IMAGES = 4;

const pixels = (images: Float32Array, i: number) => Array.from(images.subarray(i * 784, (i + 1) * 784));

describe('examples/edge-worker: an ONNX model served on workerd', () => {
  const answers: { status: number; body: Record<string, unknown> }[] = [];
  const reference: number[][] = [];
  let info: { status: number; body: Record<string, unknown> };
  let bad: { status: number; body: Record<string, unknown> };

  beforeAll(async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'simdgrad-edge-onnx-'));
    try {
      const cli = (args: string[]) =>
        execFileSync(process.execPath, [join(root, 'build/cli.js'), ...args], { cwd, stdio: 'pipe', timeout: 90_000 });
      cli([
        '--simd',
        'simd128',
        'train',
        '--limit',
        '1000',
        '--epochs',
        '2',
        '--hidden',
        '32',
        '--batch',
        '50',
        '--no-plot',
        '--out',
        'm.safetensors',
      ]);
      cli(['export', '--model', 'm.safetensors', '--out', modelPath]);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
    await sg.init({ simd: 'simd128' });
    const test = fashionMnist({ split: 'test' });
    const model = importOnnx(readFileSync(modelPath));
    for (let i = 0; i < N_IMAGES; i++) {
      reference.push(
        Array.from(sg.tidy(() => sg.softmax(model.forward(sg.tensor(pixels(test.images, i), [1, 784]))).data())),
      );
    }
    await withWorkerd(join(dir, 'onnx.capnp'), async (base) => {
      const ask = async (init?: RequestInit) => {
        const res = await fetch(base, { ...init, signal: AbortSignal.timeout(20_000) });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      };
      info = await ask();
      for (let i = 0; i < N_IMAGES; i++) {
        answers.push(await ask({ method: 'POST', body: JSON.stringify(pixels(test.images, i)) }));
      }
      bad = await ask({ method: 'POST', body: '[1, 2' });
    });
  }, 180_000);

  it('GET describes the ONNX model', () => {
    expect(info.status).toBe(200);
    expect(info.body.model).toEqual({ format: 'onnx', sizes: [784, 32, 10] });
    expect(info.body.backend).toBe('simd128');
  });

  it('POSTed images get the probabilities importOnnx gives in Node, bit for bit', () => {
    expect(answers).toHaveLength(N_IMAGES);
    answers.forEach((a, i) => {
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(a.body.probabilities).toEqual(reference[i]);
      expect(a.body.label).toBe(reference[i].indexOf(Math.max(...reference[i])));
    });
  });

  it('a bad body is a 400 with a JSON error', () => {
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/not valid JSON/);
  });
});
