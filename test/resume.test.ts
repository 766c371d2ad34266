// Checkpoints that resume bit for bit (docs/testing.md §4: nothing half-loaded):
// N steps in one go equal k steps + saveCheckpoint + loadCheckpoint into fresh
// objects + N − k steps, for SGD (momentum, Nesterov), Adam and AdamW, with a
// scheduler and dropout; opt.stateDict() uses PyTorch's names; a checkpoint of
// another architecture or optimizer, or a corrupted file, is a SimdgradError
// naming the entry and leaves model, optimizer and scheduler unchanged.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { uniform } from './util/close.js';
import { labelsFor } from './util/train.js';

beforeAll(async () => {
  await sg.init();
});

type Make = (m: sg.nn.Module) => sg.optim.Optimizer;
const SIZES = [10, 12, 8, 4];
const bytesOf = (m: sg.nn.Module) => sg.io.saveSafetensors(m);

function setup(make: Make, seed: number) {
  const model = new sg.nn.MLP(SIZES, { dropout: [0.2, 0.5], seed });
  const opt = make(model);
  const sched = new sg.optim.StepLR(opt, { stepSize: 2, gamma: 0.5 });
  return { model, opt, sched };
}

/** Step s of the run: a fixed batch, a fixed dropout seed; the schedule steps every 3 steps ("epochs"). */
function step(p: ReturnType<typeof setup>, s: number) {
  const x = sg.tensor(uniform(6 * SIZES[0], 100 + s), [6, SIZES[0]]);
  sg.seed(1000 + s);
  sg.tidy(() => {
    const loss = sg.autograd.record(() => sg.nn.softmaxCrossEntropy(p.model.forward(x), labelsFor(6, 4, s)));
    loss.backward();
    sg.optim.clipGradNorm(p.model, 5);
    p.opt.step();
  });
  x.dispose();
  if (s % 3 === 2) p.sched.step();
}

const cases: [string, Make][] = [
  ['SGD', (m) => new sg.optim.SGD(m, { lr: 0.1 })],
  ['SGD momentum + weight decay', (m) => new sg.optim.SGD(m, { lr: 0.1, momentum: 0.9, weightDecay: 1e-3 })],
  ['SGD Nesterov', (m) => new sg.optim.SGD(m, { lr: 0.05, momentum: 0.8, nesterov: true })],
  ['Adam', (m) => new sg.optim.Adam(m, { lr: 1e-2, weightDecay: 1e-3 })],
  ['AdamW', (m) => new sg.optim.AdamW(m, { lr: 1e-2, betas: [0.8, 0.99] })],
];

describe('resume bit for bit', () => {
  for (const [name, make] of cases) {
    it(`${name}: 9 steps = 4 steps + save + load into fresh objects + 5 steps`, () => {
      const N = 9;
      const k = 4;
      const a = setup(make, 1);
      for (let s = 0; s < N; s++) step(a, s);
      const b = setup(make, 1);
      for (let s = 0; s < k; s++) step(b, s);
      const file = sg.io.saveCheckpoint({
        model: b.model,
        optimizer: b.opt,
        scheduler: b.sched,
        epoch: k,
        metadata: { note: 'hello' },
      });
      const c = setup(make, 2); // other initial weights: everything must come from the file
      const m0 = sg.memory();
      const info = sg.io.loadCheckpoint(file, { model: c.model, optimizer: c.opt, scheduler: c.sched });
      expect(sg.memory().tensors).toBe(m0.tensors);
      expect(info.epoch).toBe(k);
      expect(info.metadata).toEqual({ note: 'hello' });
      expect(info.extra.size).toBe(0);
      expect(c.opt.lr).toBe(b.opt.lr);
      expect(c.sched.getLastLr()).toEqual(b.sched.getLastLr());
      for (let s = k; s < N; s++) step(c, s);
      expect(bytesOf(c.model)).toEqual(bytesOf(a.model));
      expect(c.opt.lr).toBe(a.opt.lr);
      const sa = a.opt.stateDict();
      const sc = c.opt.stateDict();
      expect([...sc.keys()]).toEqual([...sa.keys()]);
      expect(sg.io.saveSafetensors(sc)).toEqual(sg.io.saveSafetensors(sa));
      for (const t of [...sa.values(), ...sc.values()]) t.dispose();
      for (const p of [a, b, c]) p.opt.dispose();
    });
  }
});

describe('opt.stateDict names', () => {
  it('PyTorch names: state.i.momentum_buffer (after the first step), exp_avg / exp_avg_sq / step', () => {
    const m = new sg.nn.MLP([3, 2], { seed: 0 });
    const sgd = new sg.optim.SGD(m, { lr: 0.1, momentum: 0.9 });
    expect([...sgd.stateDict().keys()]).toEqual([]);
    expect(sgd.stateDict().paramGroups).toEqual([
      { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false },
    ]);
    m.parameters().forEach((p) => {
      sg.nn.init.ones(p.grad as sg.Tensor);
    });
    sgd.step();
    const s = sgd.stateDict();
    expect([...s.keys()]).toEqual(['state.0.momentum_buffer', 'state.1.momentum_buffer']);
    expect(Array.from((s.get('state.1.momentum_buffer') as sg.Tensor).data())).toEqual([1, 1]);
    const adam = new sg.optim.AdamW(m, { lr: 0.01 });
    adam.step();
    adam.step();
    const a = adam.stateDict();
    expect([...a.keys()]).toEqual([
      'state.0.exp_avg',
      'state.0.exp_avg_sq',
      'state.0.step',
      'state.1.exp_avg',
      'state.1.exp_avg_sq',
      'state.1.step',
    ]);
    expect((a.get('state.1.step') as sg.Tensor).item()).toBe(2);
    expect(a.paramGroups[0]).toEqual({ lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
  });
});

describe('bad checkpoints: one SimdgradError naming the entry, nothing half-loaded', () => {
  const make: Make = (m) => new sg.optim.Adam(m, { lr: 1e-2 });
  const saved = () => {
    const p = setup(make, 3);
    step(p, 0);
    step(p, 1);
    return sg.io.saveCheckpoint({ model: p.model, optimizer: p.opt, scheduler: p.sched, epoch: 1 });
  };
  const state = (p: ReturnType<typeof setup>) => {
    const s = p.opt.stateDict();
    const bytes = [bytesOf(p.model), sg.io.saveSafetensors(s), p.opt.lr, JSON.stringify(p.sched.stateDict())];
    for (const t of s.values()) t.dispose();
    return bytes;
  };

  it('another architecture names the entry', () => {
    const file = saved();
    const other = new sg.nn.MLP([10, 12, 9, 4], { dropout: [0.2, 0.5], seed: 4 });
    const opt = make(other);
    const before = bytesOf(other);
    expect(() => sg.io.loadCheckpoint(file, { model: other, optimizer: opt })).toThrow(
      /loadCheckpoint: the checkpoint holds "StepLR" scheduler state: pass a scheduler/,
    );
    const sched = new sg.optim.StepLR(opt, { stepSize: 2 });
    expect(() => sg.io.loadCheckpoint(file, { model: other, optimizer: opt, scheduler: sched })).toThrow(
      /loadCheckpoint: model: loadStateDict: entry "3.weight" has shape \[8,12\], but the parameter has shape \[9,12\]/,
    );
    expect(bytesOf(other)).toEqual(before);
  });

  it('another optimizer type, or a model that fits with an optimizer that does not, rolls everything back', () => {
    const file = saved();
    const p = setup((m) => new sg.optim.SGD(m, { lr: 0.3, momentum: 0.9 }), 5);
    step(p, 0);
    const before = state(p);
    expect(() => sg.io.loadCheckpoint(file, { model: p.model, optimizer: p.opt, scheduler: p.sched })).toThrow(
      /loadCheckpoint: the checkpoint holds "Adam" optimizer state, but the optimizer is SGD/,
    );
    expect(state(p)).toEqual(before);
    // an Adam over fewer parameters: the model loads, then the optimizer fails → the model is restored
    const q = setup(make, 6);
    const partial = new sg.optim.Adam(q.model.parameters().slice(0, 2), { lr: 1e-2 });
    const sched = new sg.optim.StepLR(partial, { stepSize: 2 });
    const beforeModel = bytesOf(q.model);
    expect(() => sg.io.loadCheckpoint(file, { model: q.model, optimizer: partial, scheduler: sched })).toThrow(
      /loadCheckpoint: optimizer: Adam.loadStateDict: unexpected entry "state.2.exp_avg"/,
    );
    expect(bytesOf(q.model)).toEqual(beforeModel);
  });

  it('a corrupted or truncated file, or a plain model file, is a SimdgradError and changes nothing', () => {
    const file = saved();
    const p = setup(make, 7);
    step(p, 0);
    const before = state(p);
    const m0 = sg.memory();
    const parts = { model: p.model, optimizer: p.opt, scheduler: p.sched };
    expect(() => sg.io.loadCheckpoint(file.subarray(0, file.length - 9), parts)).toThrow(/loadCheckpoint: file: /);
    const flipped = file.slice();
    flipped[12] ^= 0x55;
    expect(() => sg.io.loadCheckpoint(flipped, parts)).toThrow(sg.SimdgradError);
    expect(() => sg.io.loadCheckpoint(sg.io.saveSafetensors(p.model), parts)).toThrow(
      /loadCheckpoint: not a simdgrad checkpoint/,
    );
    expect(sg.memory().tensors).toBe(m0.tensors);
    expect(state(p)).toEqual(before);
    // random bit flips (no checksum: a flip in the data or a digit may load): a SimdgradError or a load, never another error
    for (let i = 0; i < 40; i++) {
      const bad = file.slice();
      const at = 8 + ((i * 7919) % (file.length - 8));
      bad[at] ^= 1 << (i % 8);
      try {
        sg.io.loadCheckpoint(bad, parts);
      } catch (e) {
        expect(e).toBeInstanceOf(sg.SimdgradError);
      }
    }
    expect(sg.memory().tensors).toBe(m0.tensors);
  });

  it('bad options', () => {
    const p = setup(make, 8);
    // biome-ignore lint/suspicious/noExplicitAny: a bad argument on purpose
    expect(() => sg.io.saveCheckpoint({ model: p.model, optimizer: p.opt, epoch: -1 } as any)).toThrow(
      /saveCheckpoint: epoch must be a non-negative integer/,
    );
    // biome-ignore lint/suspicious/noExplicitAny: a bad argument on purpose
    expect(() => sg.io.loadCheckpoint(new Uint8Array(3), { model: p.model } as any)).toThrow(
      /loadCheckpoint: optimizer must be an optimizer/,
    );
  });
});
