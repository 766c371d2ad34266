// Inference runs the linear layers on a packed copy of each weight
// (src/ops/packed.ts, built on the second use of a weight version outside a
// recording): batch-1 row by row on it, bigger batches in the GEMM, which reads
// its B panels from it (test/nn.test.ts counts those calls). Checked here through the public API: the packed path gives the
// bits of the same rows in a batch of 7 (the register-tiled GEMM) for every
// activation, on the MLP shapes and odd ones; an in-place change of the weight
// (optimizer step, loadStateDict) is followed at once; memory stays flat.
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
const B = 7;

/** The model's output for the batch xs [B, n] and for each row alone, three times (the packed path from the 2nd). */
function rowsVsBatch(model: sg.nn.Module, xs: Float32Array, n: number) {
  const batch = sg.tidy(() => model.forward(sg.tensor(xs, [B, n])).data());
  const out = batch.length / B;
  const alone: Float32Array[][] = [];
  for (let rep = 0; rep < 3; rep++) {
    const reps: Float32Array[] = [];
    for (let i = 0; i < B; i++) {
      reps.push(sg.tidy(() => model.forward(sg.tensor(xs.subarray(i * n, (i + 1) * n), [1, n])).data()));
    }
    alone.push(reps);
  }
  return { batch, out, alone };
}

function expectRowsEqualBatch(model: sg.nn.Module, xs: Float32Array, n: number) {
  const { batch, out, alone } = rowsVsBatch(model, xs, n);
  for (const reps of alone) {
    for (let i = 0; i < B; i++) expect(bits(reps[i])).toEqual(bits(batch.subarray(i * out, (i + 1) * out)));
  }
}

describe('packed weights for batch-1 inference', () => {
  const cases: [number[], 'relu' | 'tanh' | 'sigmoid' | 'prelu'][] = [
    [[784, 256, 256, 10], 'relu'],
    [[37, 45, 13, 10], 'relu'],
    [[37, 45, 13, 10], 'tanh'],
    [[37, 45, 13, 10], 'sigmoid'],
    [[33, 70, 1, 9], 'prelu'],
    [[5, 3, 515, 7], 'relu'],
  ];
  for (const [sizes, activation] of cases) {
    it(`one row alone has the bits of that row in a batch of ${B}: MLP ${sizes.join('-')} ${activation}`, () => {
      const model = new sg.nn.MLP(sizes, { activation, seed: 3 });
      model.eval();
      expectRowsEqualBatch(model, data(B * sizes[0], 11), sizes[0]);
      for (const p of model.parameters()) p.dispose();
    });
  }

  it('linear without bias, 1-D and 2-row inputs, no activation', () => {
    const w = sg.tensor(data(13 * 29, 4), [13, 29]);
    const x = sg.tensor(data(3 * 29, 5), [3, 29]);
    const full = sg.nn.linear(x, w).data();
    for (let rep = 0; rep < 3; rep++) {
      const two = sg.tidy(() => sg.nn.linear(sg.tensor(data(3 * 29, 5).subarray(0, 58), [2, 29]), w).data());
      expect(bits(two)).toEqual(bits(full.subarray(0, 26)));
      const one = sg.tidy(() => sg.nn.linear(sg.tensor(data(3 * 29, 5).subarray(29, 58), [29]), w).data());
      expect(bits(one)).toEqual(bits(full.subarray(13, 26)));
    }
    w.dispose();
    x.dispose();
  });

  it('follows in-place changes of the weight: optimizer steps and loadStateDict', () => {
    const sizes = [20, 12, 6];
    const model = new sg.nn.MLP(sizes, { activation: 'relu', seed: 5 });
    const opt = new sg.optim.SGD(model.parameters(), { lr: 0.5 });
    const xs = data(B * sizes[0], 12);
    const one = () => sg.tidy(() => model.forward(sg.tensor(xs.subarray(0, sizes[0]), [1, sizes[0]])).data());
    const row0 = () =>
      sg.tidy(() =>
        model
          .forward(sg.tensor(xs, [B, sizes[0]]))
          .data()
          .subarray(0, sizes[2]),
      );
    const step = () =>
      sg.tidy(() => {
        model.train();
        const l = sg.autograd.record(() =>
          sg.nn.softmaxCrossEntropy(model.forward(sg.tensor(xs, [B, sizes[0]])), [0, 1, 2, 3, 4, 5, 0]),
        );
        l.backward();
        opt.step();
        model.eval();
      });
    model.eval();
    let before = one();
    one(); // packed from here on
    for (let s = 0; s < 3; s++) {
      const packed = one();
      expect(bits(packed)).toEqual(bits(before));
      step();
      const after = one(); // first use of the new version
      expect(bits(after)).not.toEqual(bits(before));
      expect(bits(after)).toEqual(bits(row0()));
      expect(bits(one())).toEqual(bits(after)); // now packed again
      before = after;
    }
    // loadStateDict writes the weights in place (new versions): the packed copies follow
    const other = new sg.nn.MLP(sizes, { activation: 'relu', seed: 6 });
    other.eval();
    const want = sg.tidy(() => other.forward(sg.tensor(xs.subarray(0, sizes[0]), [1, sizes[0]])).data());
    model.loadStateDict(other.stateDict());
    expect(bits(one())).toEqual(bits(want));
    expect(bits(one())).toEqual(bits(want));
    for (const p of [...model.parameters(), ...other.parameters()]) p.dispose();
    opt.dispose();
  });

  it('memory stays flat: packed copies are internal scratch, freed on a new version and on dispose', () => {
    const sizes = [64, 48, 10];
    const xs = data(sizes[0], 13);
    const cycle = () => {
      const model = new sg.nn.MLP(sizes, { activation: 'relu', seed: 7 });
      const opt = new sg.optim.SGD(model.parameters(), { lr: 0.1 });
      model.eval();
      const run = () => sg.tidy(() => model.forward(sg.tensor(xs, [1, sizes[0]])).data());
      run();
      run();
      run();
      // in-place writes (new versions): the copies are dropped and rebuilt
      const other = new sg.nn.MLP(sizes, { activation: 'relu', seed: 8 });
      model.loadStateDict(other.stateDict());
      for (const p of other.parameters()) p.dispose();
      run();
      run();
      opt.dispose();
      for (const p of model.parameters()) p.dispose();
    };
    cycle();
    const base = sg.memory();
    for (let i = 0; i < 50; i++) cycle();
    expect(sg.memory()).toEqual(base);
  });
});
