// examples/edge-worker on workerd: a small model trained by `simdgrad train --limit`,
// served by the worker on 127.0.0.1; good requests must give exactly the
// probabilities the same model gives in Node (both run the simd128 build), bad
// ones a 400 with a JSON error, and the worker must keep serving afterwards.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sg from 'simdgrad';
import { fashionMnist } from 'simdgrad/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { root, withWorkerd } from './runners.mjs';

const dir = join(root, 'examples/edge-worker');
const modelPath = join(dir, 'model.safetensors'); // gitignored; config.capnp embeds it
const N_IMAGES = 6;

interface Answer {
  status: number;
  type: string | null;
  body: { error?: string; label?: number; class?: string; probabilities?: number[]; [k: string]: unknown };
}

/** A small model trained by the CLI (`simdgrad train --limit`), written where config.capnp embeds it. */
function trainModel(): void {
  const cwd = mkdtempSync(join(tmpdir(), 'simdgrad-edge-'));
  try {
    execFileSync(
      process.execPath,
      [
        join(root, 'build/cli.js'),
        'train',
        ...['--limit', '2000', '--epochs', '4', '--hidden', '32', '--batch', '50', '--simd', 'simd128'],
        ...['--no-plot', '--out', modelPath],
      ],
      { cwd, stdio: 'pipe', timeout: 90_000 },
    );
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

const pixels = (images: Float32Array, i: number) => Array.from(images.subarray(i * 784, (i + 1) * 784));

describe('examples/edge-worker: inference on workerd', () => {
  const answers: Record<string, Answer> = {};
  const good: Answer[] = [];
  const reference: { probs: number[]; label: number }[] = [];
  let after: Answer;

  beforeAll(async () => {
    trainModel();
    await sg.init({ simd: 'simd128' });
    const test = fashionMnist({ split: 'test' });

    // The reference: the same file through the public API in this process.
    const weights = sg.io.loadSafetensors(readFileSync(modelPath));
    const model = new sg.nn.MLP([784, 32, 10], { activation: 'relu' });
    model.loadStateDict(weights);
    for (let i = 0; i < N_IMAGES; i++) {
      const probs = sg.tidy(() => sg.softmax(model.forward(sg.tensor(pixels(test.images, i), [1, 784]))).data());
      let label = 0;
      for (let c = 1; c < 10; c++) if (probs[c] > probs[label]) label = c;
      reference.push({ probs: Array.from(probs), label });
    }

    await withWorkerd(join(dir, 'config.capnp'), async (base) => {
      const ask = async (init?: RequestInit): Promise<Answer> => {
        const res = await fetch(base, { ...init, signal: AbortSignal.timeout(20_000) });
        const text = await res.text();
        let body: Answer['body'];
        try {
          body = JSON.parse(text);
        } catch {
          body = { error: `(not JSON) ${text}` };
        }
        return { status: res.status, type: res.headers.get('content-type'), body };
      };
      const post = (body: string) => ask({ method: 'POST', body, headers: { 'content-type': 'application/json' } });
      answers.info = await ask();
      for (let i = 0; i < N_IMAGES; i++) good.push(await post(JSON.stringify(pixels(test.images, i))));
      answers.short = await post(JSON.stringify(pixels(test.images, 0).slice(0, 783)));
      answers.long = await post(JSON.stringify([...pixels(test.images, 0), 0]));
      answers.strings = await post(JSON.stringify(pixels(test.images, 0).map(String)));
      answers.oneNull = await post(JSON.stringify(pixels(test.images, 0).map((v, i) => (i === 400 ? null : v))));
      answers.bytes = await post(JSON.stringify(pixels(test.images, 0).map((v) => v * 255)));
      answers.empty = await post('');
      answers.badJson = await post('[0.1, 0.2,');
      answers.object = await post(JSON.stringify({ pixels: pixels(test.images, 0) }));
      answers.put = await ask({ method: 'PUT', body: '[]' });
      after = await post(JSON.stringify(pixels(test.images, 0)));
    });
  }, 120_000);

  it('GET describes the endpoint and the model it serves', () => {
    expect(answers.info.status).toBe(200);
    expect(answers.info.body.model).toEqual({ sizes: [784, 32, 10], activation: 'relu' });
    expect(answers.info.body.backend).toBe('simd128');
    expect(answers.info.body.threads).toBe(1); // workerd: no Worker, so 'auto' is 1
  });

  it('classifies test images exactly as the same model does in Node (simd128, bit for bit)', () => {
    expect(good).toHaveLength(N_IMAGES);
    good.forEach((a, i) => {
      expect(a.status, JSON.stringify(a.body)).toBe(200);
      expect(a.type).toMatch(/application\/json/);
      expect(a.body.probabilities).toEqual(reference[i].probs);
      expect(a.body.label).toBe(reference[i].label);
      expect(typeof a.body.class).toBe('string');
      const sum = a.body.probabilities!.reduce((s, p) => s + p, 0);
      expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
    });
  });

  const bad: [string, RegExp][] = [
    ['short', /784 numbers.*got 783/],
    ['long', /784 numbers.*got 785/],
    ['strings', /pixel 0 is not a number/],
    ['oneNull', /pixel 400 is not a number: null/],
    ['bytes', /expected a number in \[0, 1\]/],
    ['empty', /empty body/],
    ['badJson', /not valid JSON/],
    ['object', /JSON array/],
  ];
  for (const [name, message] of bad) {
    it(`a bad body (${name}) is a 400 with a JSON error saying what is wrong`, () => {
      const a = answers[name];
      expect(a.status).toBe(400);
      expect(a.type).toMatch(/application\/json/);
      expect(a.body.error).toMatch(message);
    });
  }

  it('other methods are a 405, and the worker still answers correctly after the bad requests', () => {
    expect(answers.put.status).toBe(405);
    expect(after.status).toBe(200);
    expect(after.body.probabilities).toEqual(reference[0].probs);
  });
});
