// Files shaped as torch.onnx.export (TorchScript and dynamo), tf2onnx and
// skl2onnx write them (test/onnx/exporters.ts says what each follows) go
// through ONNX Runtime Web and through importOnnx; the outputs must agree.
import * as sg from 'simdgrad';
import { importOnnx } from 'simdgrad/onnx';
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, halfExact, randomF32, sklMlp, tf2onnx, torchDynamo, torchErfGelu, torchGemm } from './exporters.js';
import { expectClose, runOrt } from './ort.js';

beforeAll(async () => {
  await sg.init({ simd: 'simd128' });
});

/** importOnnx(bytes) applied to x [batch, …]; disposes what it made. */
function simdgrad(bytes: Uint8Array, x: Float32Array, shape: number[], output?: string): Float32Array {
  const model = importOnnx(bytes, output ? { output } : {});
  try {
    return sg.tidy(() => model.forward(sg.tensor(x, shape)).data());
  } finally {
    for (const p of model.parameters()) p.dispose();
  }
}

const BATCH = 7;

describe('importOnnx on exporter-shaped files, against ONNX Runtime Web', () => {
  it('torch.onnx.export opset 17: Flatten → Gemm/Relu chain (raw_data initializers)', async () => {
    const layers = [dense(20, 16, 1), dense(16, 12, 3), dense(12, 3, 5)];
    const bytes = torchGemm(layers);
    const x = randomF32(BATCH * 20, 7);
    const ref = await runOrt(bytes, 'input', x, [BATCH, 4, 5]);
    expectClose(simdgrad(bytes, x, [BATCH, 4, 5]), ref);
    const m = importOnnx(bytes);
    expect([...m.namedParameters().keys()]).toEqual(['1.weight', '1.bias', '3.weight', '3.bias', '5.weight', '5.bias']);
    for (const p of m.parameters()) p.dispose();
  });

  it('torch.onnx.export of model.half(): float16 weights (raw_data and int32_data) read exactly into float32', async () => {
    const layers = [dense(20, 16, 11), dense(16, 12, 13), dense(12, 3, 15)].map((d) => ({
      ...d,
      w: halfExact(d.w),
      b: halfExact(d.b),
    }));
    const x = randomF32(BATCH * 20, 17);
    const f16 = simdgrad(torchGemm(layers, 'float16'), x, [BATCH, 4, 5]);
    // The same values stored as float32: the same model, bit for bit, which ONNX Runtime checks.
    const f32 = simdgrad(torchGemm(layers), x, [BATCH, 4, 5]);
    expect(f16).toEqual(f32);
    expectClose(f32, await runOrt(torchGemm(layers), 'input', x, [BATCH, 4, 5]));
  });

  it('torch.onnx.export opset 17: GELU as Div/Erf/Add/Mul/Mul', async () => {
    const bytes = torchErfGelu(dense(10, 9, 21), dense(9, 4, 23));
    const x = randomF32(BATCH * 10, 25, 3);
    expectClose(simdgrad(bytes, x, [BATCH, 10]), await runOrt(bytes, 'input', x, [BATCH, 10]), 1e-5, 1e-6);
  });

  it('torch.onnx.export(dynamo=True) opset 18: MatMul + Add, ReLU', async () => {
    const bytes = torchDynamo(dense(10, 9, 31), dense(9, 4, 33), 'relu');
    const x = randomF32(BATCH * 10, 35);
    expectClose(simdgrad(bytes, x, [BATCH, 10]), await runOrt(bytes, 'x', x, [BATCH, 10]));
    const m = importOnnx(bytes);
    expect(m.layers.map((l) => l.constructor)).toEqual([sg.nn.Linear, sg.nn.ReLU, sg.nn.Linear]);
    for (const p of m.parameters()) p.dispose();
  });

  it("torch.onnx.export(dynamo=True) opset 18: torchlib's GELU (Mul(0.5, ·) before Mul(x, ·))", async () => {
    const bytes = torchDynamo(dense(10, 9, 41), dense(9, 4, 43), 'gelu');
    const x = randomF32(BATCH * 10, 45, 3);
    expectClose(simdgrad(bytes, x, [BATCH, 10]), await runOrt(bytes, 'x', x, [BATCH, 10]), 1e-5, 1e-6);
  });

  it('tf2onnx opset 13: Keras Flatten (Reshape [-1, F]) and Dense stack with Softmax (float_data initializers)', async () => {
    const bytes = tf2onnx([dense(20, 16, 51), dense(16, 8, 53), dense(8, 5, 55)]);
    const x = randomF32(BATCH * 20, 57);
    const got = simdgrad(bytes, x, [BATCH, 4, 5]);
    expectClose(got, await runOrt(bytes, 'flatten_input', x, [BATCH, 4, 5]));
    for (let r = 0; r < BATCH; r++)
      expect(Math.abs(got.subarray(r * 5, r * 5 + 5).reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-6);
  });

  it('skl2onnx MLPClassifier (zipmap=False): the probabilities output, label branch left out', async () => {
    const bytes = sklMlp([dense(6, 11, 61), dense(11, 7, 63), dense(7, 4, 65)], [0, 1, 2, 3]);
    const x = randomF32(BATCH * 6, 67, 2);
    const ref = await runOrt(bytes, 'float_input', x, [BATCH, 6], 'probabilities');
    expectClose(simdgrad(bytes, x, [BATCH, 6], 'probabilities'), ref);
    expect(() => importOnnx(bytes)).toThrow(/2 outputs \(label, probabilities\).*\{ output: name \}/);
    expect(() => importOnnx(bytes, { output: 'label' })).toThrow(/ArgMax.*not supported/);
  });
});
