// SPDX-License-Identifier: MIT
// nn.quantize end to end: the int8 weights and scales follow the documented rule
// (checked against a float64/fround reference), forward equals a JS reference of
// the int8 arithmetic bit for bit, batch 1 == batch M row for row, nothing is
// recorded, state dicts save as I8 and load back bit for bit, every misuse is a
// SimdgradError with the engine still usable, no memory grows over many calls,
// and the quantized model stays close to the float one.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await sg.init();
});

const f = Math.fround;

/** Round half to even (f32.nearest) of a float64 value. */
function nearest(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/** The rule for one row: q (numbers) and the scale, in f32 arithmetic. */
function quantRow(row: ArrayLike<number>): { q: number[]; scale: number } {
  let amax = 0;
  for (let i = 0; i < row.length; i++) amax = Math.max(amax, Math.abs(row[i]));
  const inv = amax === 0 ? 0 : f(127 / amax);
  const q = Array.from(row, (v) => Math.max(-127, Math.min(127, nearest(f(v * inv)))));
  return { q, scale: f(amax / 127) };
}

/** The reference of one quantized linear layer: f32(acc)·(sx·sw) + b, then relu if asked. */
function refLinear(
  x: Float32Array,
  M: number,
  K: number,
  wq: Int8Array,
  sw: Float32Array,
  b: Float32Array,
  relu: boolean,
) {
  const N = sw.length;
  const y = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    const { q, scale } = quantRow(x.subarray(i * K, (i + 1) * K));
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += q[k] * wq[n * K + k];
      let v = f(f(f(acc) * f(scale * sw[n])) + b[n]);
      if (relu) v = Math.max(v, 0);
      y[i * N + n] = v;
    }
  }
  return y;
}

const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('nn.quantize', () => {
  it('stores each Linear weight as int8 with one scale per output row (scale = max|row|/127, ties to even)', () => {
    const model = new sg.nn.MLP([13, 9, 5], { seed: 3 });
    const q = sg.nn.quantize(model, { dtype: 'int8' });
    expect(q).toBeInstanceOf(sg.nn.QuantizedModule);
    expect(q.quantized).toBe('int8');
    expect(sg.nn.isQuantized(q)).toBe(true);
    expect(sg.nn.isQuantized(model)).toBe(false);
    const state = q.stateDict();
    expect([...state.keys()]).toEqual(['0.weight', '0.weight_scale', '0.bias', '2.weight', '2.weight_scale', '2.bias']);
    for (const idx of [0, 2]) {
      const w = model.stateDict().get(`${idx}.weight`)!;
      const wq = state.get(`${idx}.weight`) as sg.Int8Tensor;
      const sw = state.get(`${idx}.weight_scale`) as sg.Tensor;
      expect(wq).toBeInstanceOf(sg.Int8Tensor);
      expect(wq.dtype).toBe('int8');
      expect(wq.shape).toEqual(w.shape);
      expect(sw.shape).toEqual([w.shape[0]]);
      const [N, K] = w.shape;
      const wd = w.data();
      const qd = wq.data();
      const sd = sw.data();
      for (let n = 0; n < N; n++) {
        const ref = quantRow(wd.subarray(n * K, (n + 1) * K));
        expect(Array.from(qd.subarray(n * K, (n + 1) * K))).toEqual(ref.q);
        expect(sd[n]).toBe(ref.scale);
        expect(Math.max(...Array.from(qd.subarray(n * K, (n + 1) * K), Math.abs))).toBe(127);
      }
      expect((state.get(`${idx}.bias`) as sg.Tensor).data()).toEqual(model.stateDict().get(`${idx}.bias`)!.data());
    }
    // the original is untouched and still trains
    expect(model.parameters()).toHaveLength(4);
    q.dispose();
  });

  it('forward equals the int8 reference bit for bit (x quantized per row, exact int sums, f32 epilogue with relu)', () => {
    const model = new sg.nn.MLP([37, 21, 6], { seed: 11 });
    const q = sg.nn.quantize(model, { dtype: 'int8' });
    const M = 5;
    const x = sg.randn([M, 37], { seed: 4 });
    const y = q.forward(x);
    const s = q.stateDict();
    const get8 = (k: string) => (s.get(k) as sg.Int8Tensor).data();
    const get32 = (k: string) => (s.get(k) as sg.Tensor).data();
    const h = refLinear(x.data(), M, 37, get8('0.weight'), get32('0.weight_scale'), get32('0.bias'), true);
    const ref = refLinear(h, M, 21, get8('2.weight'), get32('2.weight_scale'), get32('2.bias'), false);
    expect(y.shape).toEqual([M, 6]);
    expect(bitsOf(y.data())).toEqual(bitsOf(ref));
    // and it approximates the float model (int8 weights and activations: ~1% of the scale)
    const yf = model.forward(x).data();
    const yd = y.data();
    const span = Math.max(...Array.from(yf, Math.abs));
    for (let i = 0; i < yd.length; i++) expect(Math.abs(yd[i] - yf[i])).toBeLessThan(0.05 * span);
    q.dispose();
  });

  it('batch 1 and batch M give the same bits row for row, for every activation; 3-D input keeps its leading dims', () => {
    for (const activation of ['relu', 'prelu', 'sigmoid', 'tanh'] as const) {
      const q = sg.nn.quantize(new sg.nn.MLP([30, 17, 9, 4], { activation, seed: 1 }), { dtype: 'int8' });
      const x = sg.randn([7, 30], { seed: 2 });
      const all = q.forward(x).data();
      for (let i = 0; i < 7; i++) {
        const row = q.forward(x.slice([i, 0], [1, -1])).data();
        expect(bitsOf(row)).toEqual(bitsOf(all.subarray(i * 4, (i + 1) * 4)));
      }
      const x3 = x.reshape([7, 1, 30]);
      const y3 = q.forward(x3);
      expect(y3.shape).toEqual([7, 1, 4]);
      expect(bitsOf(y3.data())).toEqual(bitsOf(all));
      q.dispose();
    }
  });

  it('an MLP runs its Linears as one chained kernel call with the bits of running its layers one by one', () => {
    for (const activation of ['relu', 'prelu', 'sigmoid', 'tanh'] as const) {
      const q = sg.nn.quantize(new sg.nn.MLP([45, 33, 17, 6], { activation, seed: 3 }), { dtype: 'int8' });
      if (!(q instanceof sg.nn.QuantizedSequential)) throw new Error('expected a QuantizedSequential');
      for (const M of [1, 4]) {
        const x = sg.randn([M, 45], { seed: 9 + M });
        const chained = q.forward(x);
        let h: sg.Tensor = x;
        for (const layer of q.layers) h = layer.forward(h); // unfused: Linear, then the activation layer
        expect(chained.shape).toEqual([M, 6]);
        expect(bitsOf(chained.data())).toEqual(bitsOf(h.data()));
      }
      q.dispose();
    }
  });

  it('a quantized bare Linear, and layers without parameters (Flatten, Softmax) pass through', () => {
    const lin = new sg.nn.Linear(8, 3, { seed: 5 });
    const ql = sg.nn.quantize(lin, { dtype: 'int8' });
    expect(ql).toBeInstanceOf(sg.nn.QuantizedLinear);
    expect([...ql.stateDict().keys()]).toEqual(['weight', 'weight_scale', 'bias']);
    const seq = new sg.nn.Sequential(new sg.nn.Flatten(), new sg.nn.Linear(8, 3, { seed: 5 }), new sg.nn.Softmax());
    const qs = sg.nn.quantize(seq, { dtype: 'int8' });
    const x = sg.rand([2, 2, 4], { seed: 9 });
    const p = qs.forward(x);
    expect(p.shape).toEqual([2, 3]);
    const expected = ql
      .forward(x.reshape([2, 8]))
      .softmax(-1)
      .data();
    expect(bitsOf(p.data())).toEqual(bitsOf(expected));
    ql.dispose();
    qs.dispose();
  });

  it('recording a quantized module for a backward is a SimdgradError; the engine stays usable', () => {
    const q = sg.nn.quantize(new sg.nn.MLP([6, 4, 2], { seed: 0 }), { dtype: 'int8' });
    const x = sg.ones([1, 6]);
    expect(() => sg.autograd.record(() => q.forward(x))).toThrow(sg.SimdgradError);
    expect(() => sg.autograd.record(() => q.forward(x))).toThrow(/inference-only.*backward/);
    expect(() => q.train()).toThrow(/inference-only/);
    expect(q.eval()).toBe(q);
    expect(sg.autograd.pause(() => q.forward(x)).shape).toEqual([1, 2]); // paused: not recording
    expect(q.forward(x).shape).toEqual([1, 2]);
    q.dispose();
  });

  it('bad input: unsupported dtype, module, shapes and disposed use are SimdgradErrors naming the problem', () => {
    const model = new sg.nn.MLP([6, 4, 2], { seed: 0 });
    expect(() => sg.nn.quantize(model, { dtype: 'int4' as 'int8' })).toThrow(/nn\.quantize: unsupported dtype.*int4/);
    expect(() => sg.nn.quantize(model, undefined as unknown as { dtype: 'int8' })).toThrow(/nn\.quantize: options/);
    class Custom extends sg.nn.Module {
      readonly w = this.registerParameter('w', sg.ones([2]));
      forward(x: sg.Tensor) {
        return x.mul(this.w);
      }
    }
    expect(() => sg.nn.quantize(new sg.nn.Sequential(new sg.nn.Linear(2, 2), new Custom()), { dtype: 'int8' })).toThrow(
      /unsupported module Custom at 1/,
    );
    const q = sg.nn.quantize(model, { dtype: 'int8' });
    expect(() => sg.nn.quantize(q as unknown as sg.nn.Module, { dtype: 'int8' })).toThrow(/already quantized/);
    expect(() => q.forward(sg.ones([1, 5]))).toThrow(/QuantizedLinear: input \[1,5\] must have 6 features/);
    const gone = sg.ones([1, 6]);
    gone.dispose();
    expect(() => q.forward(gone)).toThrow(/disposed/);
    q.dispose();
    expect(() => q.forward(sg.ones([1, 6]))).toThrow(/disposed/);
    expect(sg.add(sg.ones([2]), 1).data()).toEqual(new Float32Array([2, 2]));
  });

  it('memory stays flat over many forwards at batch 1 and 64; dispose returns the module memory', () => {
    const q = sg.nn.quantize(new sg.nn.MLP([50, 32, 10], { seed: 0 }), { dtype: 'int8' });
    const x1 = sg.rand([1, 50], { seed: 1 });
    const x64 = sg.rand([64, 50], { seed: 2 });
    const step = () =>
      sg.tidy(() => {
        q.forward(x1);
        q.forward(x64);
      });
    for (let i = 0; i < 20; i++) step();
    const before = sg.memory();
    for (let i = 0; i < 2000; i++) step();
    const after = sg.memory();
    expect(after.tensors).toBe(before.tensors);
    expect(after.bytes).toBe(before.bytes);
    expect(after.wasmBytes).toBe(before.wasmBytes);
    q.dispose();
    expect(sg.memory().tensors).toBe(before.tensors - 4); // two scales and two biases
    x1.dispose();
    x64.dispose();
  });
});

describe('quantized state dicts and safetensors I8', () => {
  it('saves I8 + F32, loads Int8Tensor entries, and a reloaded model is the same bit for bit (bytes too)', () => {
    const model = new sg.nn.MLP([20, 12, 12, 3], { activation: 'prelu', seed: 8 });
    const q = sg.nn.quantize(model, { dtype: 'int8' });
    const bytes = sg.io.saveSafetensors(q, { metadata: { quantized: 'int8' } });
    const headerLen = new DataView(bytes.buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
    expect(header['0.weight']).toEqual({ dtype: 'I8', shape: [12, 20], data_offsets: [0, 240] });
    expect(header['0.weight_scale'].dtype).toBe('F32');
    expect(header['1.weight'].dtype).toBe('F32'); // PReLU slope
    const loaded = sg.io.loadSafetensors(bytes);
    expect(loaded.metadata).toEqual({ quantized: 'int8' });
    const w0 = loaded.get('0.weight') as sg.Int8Tensor;
    expect(w0).toBeInstanceOf(sg.Int8Tensor);
    expect(w0.data()).toBeInstanceOf(Int8Array);
    expect(w0.data()).toEqual((q.stateDict().get('0.weight') as sg.Int8Tensor).data());
    const fresh = sg.nn.quantize(new sg.nn.MLP([20, 12, 12, 3], { activation: 'prelu', seed: 99 }), { dtype: 'int8' });
    fresh.loadStateDict(loaded);
    const x = sg.randn([4, 20], { seed: 5 });
    expect(bitsOf(fresh.forward(x).data())).toEqual(bitsOf(q.forward(x).data()));
    expect(sg.io.saveSafetensors(fresh, { metadata: { quantized: 'int8' } })).toEqual(bytes);
    for (const t of loaded.values()) t.dispose();
    q.dispose();
    fresh.dispose();
  });

  it('quantized files are about a quarter of the float file', () => {
    const model = new sg.nn.MLP([784, 256, 256, 10], { seed: 0 });
    const fb = sg.io.saveSafetensors(model).length;
    const q = sg.nn.quantize(model, { dtype: 'int8' });
    const qb = sg.io.saveSafetensors(q).length;
    expect(qb / fb).toBeLessThanOrEqual(0.28);
    q.dispose();
  });

  it('loadStateDict is atomic and names a missing, extra, wrongly typed or shaped entry', () => {
    const q = sg.nn.quantize(new sg.nn.MLP([4, 3, 2], { seed: 0 }), { dtype: 'int8' });
    const good = sg.io.loadSafetensors(sg.io.saveSafetensors(q));
    const before = sg.io.saveSafetensors(q);
    const x = sg.ones([1, 4]);
    const with_ = (k: string, v: unknown) => new Map([...good, [k, v]]);
    const without = (k: string) => new Map([...good].filter(([n]) => n !== k));
    expect(() => q.loadStateDict(without('2.weight_scale'))).toThrow(/missing entry "2\.weight_scale"/);
    expect(() => q.loadStateDict(with_('9.weight', sg.ones([1])))).toThrow(/unexpected entry "9\.weight"/);
    expect(() => q.loadStateDict(with_('0.weight', sg.ones([3, 4])))).toThrow(
      /entry "0\.weight" must be an int8 tensor.*got a float32 Tensor/,
    );
    expect(() => q.loadStateDict(with_('0.bias', new sg.Int8Tensor([1, 2, 3])))).toThrow(
      /entry "0\.bias" must be a float32 Tensor, got an int8 tensor/,
    );
    expect(() => q.loadStateDict(with_('2.weight', new sg.Int8Tensor(new Int8Array(6), [3, 2])))).toThrow(
      /entry "2\.weight" has shape \[3,2\], but this module's has shape \[2,3\]/,
    );
    expect(sg.io.saveSafetensors(q)).toEqual(before);
    expect(q.forward(x).shape).toEqual([1, 2]);
    // int8 entries into a float model: a clear error pointing at nn.quantize
    expect(() => new sg.nn.MLP([4, 3, 2]).loadStateDict(good)).toThrow(/is int8.*nn\.quantize/);
    for (const t of good.values()) t.dispose();
    q.dispose();
  });

  it('Int8Tensor: values checked, copied, shown; a truncated I8 entry is a loader error', () => {
    expect(() => new sg.Int8Tensor([1, 200])).toThrow(/value 1 is number 200, expected an integer in \[-128, 127\]/);
    expect(() => new sg.Int8Tensor([1, 2, 3], [2, 2])).toThrow(/3 values cannot have shape \[2,2\]/);
    const t = new sg.Int8Tensor(Int8Array.of(-128, 127, 0, 5), [2, 2]);
    expect(t.toArray()).toEqual([
      [-128, 127],
      [0, 5],
    ]);
    expect(String(t)).toContain('dtype=int8');
    const bytes = sg.io.saveSafetensors({ t });
    expect(sg.io.loadSafetensors(bytes).get('t')!.shape).toEqual([2, 2]);
    expect(() => sg.io.loadSafetensors(bytes.subarray(0, bytes.length - 1))).toThrow(/loadSafetensors: .*"t"/);
    t.dispose();
    expect(t.disposed).toBe(true);
    expect(() => sg.io.saveSafetensors({ t })).toThrow(/disposed/);
  });
});
