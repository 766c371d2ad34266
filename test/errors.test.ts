// Bad inputs, generated from test/opinfo.ts (docs/testing.md §4): each raises a
// SimdgradError whose message matches, changes no memory, and leaves the engine
// usable. Plus the tape's own errors.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { type OpInfo, opinfo } from './opinfo.js';

beforeAll(async () => {
  await sg.init();
});

function expectError(fn: () => unknown, re: RegExp): void {
  const before = sg.memory();
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a SimdgradError').toBeInstanceOf(sg.SimdgradError);
  expect((err as Error).name).toBe('SimdgradError');
  expect((err as Error).message).toMatch(re);
  const after = sg.memory();
  expect({ tensors: after.tensors, bytes: after.bytes }).toEqual({ tensors: before.tensors, bytes: before.bytes });
  const ok = sg.matmul(sg.ones([2, 3]), sg.ones([3]));
  expect(Array.from(ok.data())).toEqual([3, 3]);
  ok.dispose();
}

for (const [name, info] of Object.entries(opinfo) as [string, OpInfo][]) {
  describe(`${name} errors`, () => {
    it('has at least one error input', () => expect(info.errors.length).toBeGreaterThan(0));
    for (const e of info.errors) {
      it(e.what, () => {
        const ts = e.setup();
        expectError(() => e.call(ts), e.re);
        // also while recording, with a leaf among the inputs
        const live = ts.filter((t) => !t.disposed);
        for (const t of live) t.attachGrad();
        expectError(() => sg.autograd.record(() => e.call(ts)), e.re);
        expect(sg.autograd.isRecording()).toBe(false);
        for (const t of ts) t.dispose();
      });
    }
  });
}

describe('tape errors', () => {
  it('backward on an unrecorded tensor names record', () => {
    const x = sg.ones([3]);
    expectError(() => x.backward(), /backward: tensor \[3\] was not recorded.*record/);
    const y = sg.relu(x); // not recorded: no leaf, no record
    expectError(() => y.backward(), /record/);
    x.dispose();
    y.dispose();
  });

  it('backward twice on one tape', () => {
    const x = sg.tensor([1, -2, 3]);
    x.attachGrad();
    const y = sg.autograd.record(() => x.mul(x).sum());
    y.backward();
    expectError(() => y.backward(), /twice|already/);
    x.dispose();
    y.dispose();
  });

  it('a head gradient of the wrong shape names both shapes', () => {
    const x = sg.ones([2, 3]);
    x.attachGrad();
    const y = sg.autograd.record(() => x.relu());
    const head = sg.ones([3, 2]);
    expectError(() => y.backward(head), /backward: head gradient has shape \[3,2\] but the output has shape \[2,3\]/);
    const good = sg.ones([2, 3]);
    y.backward(good); // the tape is still usable after the error
    expect(Array.from(x.grad!.data())).toEqual([1, 1, 1, 1, 1, 1]);
    good.dispose();
    head.dispose();
    x.dispose();
    y.dispose();
  });

  it('a saved tensor modified in place between forward and backward', () => {
    const x = sg.tensor([1, 2, 3]);
    x.attachGrad();
    const w = sg.tensor([4, 5, 6]);
    const y = sg.autograd.record(() => x.mul(w).sum());
    w.data(); // reading is fine
    w.version++; // what an in-place optimizer step does
    expectError(() => y.backward(), /modified/);
    x.dispose();
    w.dispose();
    y.dispose();
  });

  it('grad of a non-scalar function', () => {
    const x = sg.ones([3]);
    expectError(() => sg.grad((t: sg.Tensor) => t.mul(2))(x), /scalar/);
    x.dispose();
  });
});
