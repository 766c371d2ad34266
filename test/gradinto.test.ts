// Backward writes a 'write'-mode leaf's first gradient straight into its .grad
// (the fused linear backward, through Saved.into) instead of a temporary and a
// copy. The bits must be those of the copy path: checked against 'add' mode
// from a zero .grad (0 + g = g exactly, and the same order of additions), with
// a weight shared by two layers and also used by a plain op, so the direct
// write is followed by in-order additions.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(() => sg.init({ simd: 'simd128' }));

function data(n: number, seed: number): Float32Array {
  const f = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    f[i] = (s >>> 8) / 8388608 - 1;
  }
  return f;
}

const bits = (f: Float32Array) => Array.from(new Uint32Array(f.buffer, f.byteOffset, f.length));

describe('gradients written into .grad', () => {
  it("'write' mode gives the bits of 'add' mode from zero, with a shared weight and a regularizer; again on a second backward", () => {
    const x = sg.tensor(data(7 * 9, 1), [7, 9]);
    const w = sg.tensor(data(9 * 9, 2), [9, 9]);
    const b = sg.tensor(data(9, 3), [9]);
    const labels = new Int32Array([0, 3, 8, 1, 2, 2, 5]);
    const grads = (accumulate: boolean) => {
      for (const t of [w, b]) {
        t.grad?.dispose();
        t.grad = null;
        t.gradReq = null;
        t.attachGrad({ accumulate });
      }
      const out: number[][] = [];
      for (let step = 0; step < 2; step++) {
        if (accumulate) for (const t of [w, b]) t.grad?.view().fill(0);
        sg.tidy(() => {
          const loss = sg.autograd.record(() => {
            // recorded first, so its gradient comes last in the reverse walk, after the direct write
            const reg = sg.sum(sg.mul(w, w)).mul(0.01);
            const h = sg.nn.linear(x, w, b, 'relu');
            const z = sg.nn.linear(h, w, b, 'tanh');
            return sg.nn.softmaxCrossEntropy(z, labels).add(reg);
          });
          loss.backward();
        });
        out.push(bits(w.grad!.data()), bits(b.grad!.data()));
      }
      return out;
    };
    const direct = grads(false);
    const added = grads(true);
    expect(direct).toEqual(added);
    expect(direct[0]).toEqual(direct[2]); // write mode overwrites: the second step is the same
    expect(sg.memory().tensors).toBe(5); // x, w, b and the two grads
  });

  it("'add' mode accumulates across backward calls (no direct write there)", () => {
    const x = sg.tensor(data(4 * 6, 4), [4, 6]);
    const w = sg.tensor(data(3 * 6, 5), [3, 6]);
    w.attachGrad({ accumulate: true });
    const step = () =>
      sg.tidy(() => {
        sg.autograd.record(() => sg.sum(sg.nn.linear(x, w, null, 'sigmoid'))).backward();
        return w.grad!.data();
      });
    const g1 = step();
    const g2 = step();
    for (let i = 0; i < g2.length; i++) expect(g2[i]).toBe(g1[i] + g1[i]);
    for (const t of [x, w]) t.dispose();
  });
});
