// Memory soak (docs/testing.md §5): 10,000 training steps of a 64-32-10 MLP at
// batch 16 inside tidy, once with SGD+momentum and once with Adam. From step 100
// on, sampled every 1,000 steps, memory().tensors and bytes are exactly constant
// and wasmBytes does not grow: the free lists recycle every block.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniform } from './util/close.js';

beforeAll(async () => {
  await sg.init();
});

const STEPS = 10_000;
const B = 16;

function soak(makeOpt: (m: sg.nn.Module) => sg.optim.Optimizer) {
  const model = new sg.nn.MLP([64, 32, 10], { activation: 'relu', seed: 1 });
  const opt = makeOpt(model);
  // a few fixed batches, cycled
  const xs = [0, 1, 2, 3].map((i) => sg.tensor(uniform(B * 64, 100 + i), [B, 64]));
  const ys = [0, 1, 2, 3].map((i) => Int32Array.from(uniform(B, 200 + i, 0, 10), (v) => Math.min(9, Math.floor(v))));
  let base: sg.MemoryInfo | null = null;
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const loss = sg.tidy(() => {
      const l = sg.autograd.record(() => sg.nn.softmaxCrossEntropy(model.forward(xs[step % 4]), ys[step % 4]));
      l.backward();
      opt.step();
      return step % 1000 === 0 ? l.item() : 0;
    });
    if (step === 100) base = sg.memory();
    if (step > 100 && step % 1000 === 0) {
      losses.push(loss);
      const m = sg.memory();
      expect(m.tensors, `tensors at step ${step}`).toBe(base?.tensors);
      expect(m.bytes, `bytes at step ${step}`).toBe(base?.bytes);
      expect(m.wasmBytes, `wasmBytes at step ${step}`).toBeLessThanOrEqual(base?.wasmBytes ?? 0);
    }
  }
  expect(sg.memory()).toEqual(base);
  // it trained: the loss on these 64 samples went down
  expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  for (const x of xs) x.dispose();
  opt.dispose();
}

describe('soak: 10,000 steps inside tidy keep memory exactly flat', () => {
  it('SGD with momentum', () => soak((m) => new sg.optim.SGD(m, { lr: 0.05, momentum: 0.9 })));
  it('Adam', () => soak((m) => new sg.optim.Adam(m, { lr: 1e-3 })));
});
