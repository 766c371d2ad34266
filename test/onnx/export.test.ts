// exportOnnx: ONNX Runtime Web loads every exported model and computes the same
// outputs (within 1e-5 relative); the bytes decode with the independent
// protobuf-es codec into the torch.onnx.export layout; importOnnx reads them back
// bit for bit; bad modules and options are SimdgradErrors.
import { fromBinary } from '@bufbuild/protobuf';
import * as sg from 'simdgrad';
import { exportOnnx, importOnnx, LeakyReLU, LogSoftmax } from 'simdgrad/onnx';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelProtoSchema } from './gen/onnx/onnx_pb.js';
import { expectClose, runOrt } from './ort.js';

beforeAll(async () => {
  await sg.init({ simd: 'simd128' });
});

async function roundTrip(m: sg.nn.Module, inF: number, opts: Parameters<typeof exportOnnx>[1] = {}, batch = 6) {
  const bytes = exportOnnx(m, opts);
  const x = sg.rand([batch, inF], { seed: 5, low: -3, high: 3 });
  const want = sg.tidy(() => m.forward(x).data());
  expectClose(await runOrt(bytes, 'input', x.data(), [batch, inF], 'output'), want);
  const back = importOnnx(bytes);
  expect(sg.tidy(() => back.forward(x).data())).toEqual(want);
  expect([...back.namedParameters().keys()].length).toBe(m.parameters().length);
  for (const p of back.parameters()) p.dispose();
  x.dispose();
  return bytes;
}

describe('exportOnnx → ONNX Runtime Web and back', () => {
  for (const activation of ['relu', 'prelu', 'sigmoid', 'tanh'] as const) {
    it(`nn.MLP with ${activation}`, async () => {
      await roundTrip(new sg.nn.MLP([13, 17, 9, 5], { activation, seed: 1 }), 13);
    });
  }

  it('a Sequential of Flatten, Linear (no bias), PReLU per feature, LeakyReLU, Linear and Softmax / LogSoftmax', async () => {
    for (const head of [new sg.nn.Softmax(), new LogSoftmax()]) {
      const p = new sg.nn.PReLU({ numParameters: 8, init: -0.3 });
      const m = new sg.nn.Sequential(
        new sg.nn.Flatten(),
        new sg.nn.Linear(10, 8, { bias: false, seed: 2 }),
        p,
        new sg.nn.Linear(8, 6, { seed: 3 }),
        new LeakyReLU({ negativeSlope: 0.1 }),
        new sg.nn.Linear(6, 4, { seed: 4 }),
        head,
      );
      await roundTrip(m, 10);
    }
  });

  it('nn.MLP with dropout: Dropout left out, the eval-mode outputs', async () => {
    const m = new sg.nn.MLP([13, 11, 9, 5], { dropout: [0.2, 0.5], seed: 4 }).eval();
    const bytes = await roundTrip(m, 13);
    const ops = fromBinary(ModelProtoSchema, bytes).graph!.node.map((n) => n.opType);
    expect(ops).toEqual(['Gemm', 'Relu', 'Gemm', 'Relu', 'Gemm']);
    for (const p of m.parameters()) p.dispose();
  });

  it('nested Sequentials keep PyTorch names; batch fixed or symbolic; opsets 13 to 21', async () => {
    const m = new sg.nn.Sequential(
      new sg.nn.Sequential(new sg.nn.Linear(5, 4, { seed: 1 }), new sg.nn.ReLU()),
      new sg.nn.Linear(4, 2, { seed: 2 }),
    );
    for (const opset of [13, 17, 21]) await roundTrip(m, 5, { opset, batch: 3 }, 3);
    const decoded = fromBinary(ModelProtoSchema, exportOnnx(m, { batch: 'batch_size' }));
    const g = decoded.graph!;
    expect(g.initializer.map((t) => t.name)).toEqual(['0.0.weight', '0.0.bias', '1.weight', '1.bias']);
    expect(g.node.map((n) => [n.name, n.opType])).toEqual([
      ['/0/0/Gemm', 'Gemm'],
      ['/0/1/Relu', 'Relu'],
      ['/1/Gemm', 'Gemm'],
    ]);
    const gemm = g.node[0];
    expect(gemm.input).toEqual(['input', '0.0.weight', '0.0.bias']);
    expect(gemm.attribute.map((a) => [a.name, a.f || Number(a.i)])).toEqual([
      ['alpha', 1],
      ['beta', 1],
      ['transB', 1],
    ]);
    expect(g.node[2].output).toEqual(['output']);
    const dims = (v: (typeof g.input)[0]) =>
      v.type?.value.case === 'tensorType' ? v.type.value.value.shape?.dim.map((d) => d.value.value) : null;
    expect(dims(g.input[0])).toEqual(['batch_size', 5n]);
    expect(dims(g.output[0])).toEqual(['batch_size', 2n]);
    expect(decoded.irVersion).toBe(8n);
    expect(decoded.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    expect(decoded.producerName).toBe('simdgrad');
    for (const p of m.parameters()) p.dispose();
  });

  it('GELU: the Gelu op from opset 20, the erf form before (read back by importOnnx)', async () => {
    const G = (sg.nn as unknown as { GELU: new (o?: object) => sg.nn.Module }).GELU;
    for (const [opset, approximate] of [
      [17, 'none'],
      [20, 'none'],
      [20, 'tanh'],
    ] as const) {
      const m = new sg.nn.Sequential(
        new sg.nn.Linear(7, 6, { seed: 1 }),
        new G({ approximate }),
        new sg.nn.Linear(6, 3, { seed: 2 }),
      );
      await roundTrip(m, 7, { opset });
    }
  });

  it('refuses what it cannot write, naming the layer', () => {
    const mlp = new sg.nn.MLP([4, 3, 2], { seed: 1 });
    expect(() => exportOnnx(mlp, { opset: 12 })).toThrow(/exportOnnx: opset must be an integer from 13 to 21, got 12/);
    expect(() => exportOnnx(mlp, { batch: 0 })).toThrow(/batch must be a positive integer or a symbolic name/);
    expect(() => exportOnnx(mlp, { batch: 'a b' })).toThrow(/batch must be/);
    expect(() => exportOnnx({} as never)).toThrow(/expected an nn.Sequential or nn.MLP/);
    expect(() => exportOnnx(new sg.nn.Sequential(new sg.nn.ReLU()))).toThrow(/no Linear layer/);
    expect(() => exportOnnx(new sg.nn.Sequential(new sg.nn.Linear(3, 2), new sg.nn.Softmax({ axis: 0 })))).toThrow(
      /layer 1 \(Softmax\) has axis 0/,
    );
    class Custom extends sg.nn.Module {
      forward(x: sg.Tensor) {
        return x;
      }
    }
    expect(() => exportOnnx(new sg.nn.Sequential(new sg.nn.Linear(3, 2), new Custom()))).toThrow(
      /layer 1 \(.*\) cannot be exported; supported: Linear/,
    );
  });
});
