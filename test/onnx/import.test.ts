// importOnnx op by op: each rule against ONNX Runtime Web on small graphs built
// with the protobuf-es codec (every attribute form the rule accepts), and each
// refusal as a SimdgradError naming the node, its op type and what is supported,
// with nothing left allocated.
import * as sg from 'simdgrad';
import { importOnnx, LeakyReLU, LogSoftmax } from 'simdgrad/onnx';
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, floatTensor, int64Tensor, model, node, randomF32, transposed, valueInfo } from './exporters.js';
import { expectClose, runOrt } from './ort.js';

beforeAll(async () => {
  await sg.init({ simd: 'simd128' });
});

type Node = ReturnType<typeof node>;
type Tensor = ReturnType<typeof floatTensor>;

/** A one-input graph over x [B, inF]: `nodes` from 'x' to 'y'. */
function graph(
  nodes: Node[],
  inits: Tensor[],
  inF: number,
  outF: number,
  opset = 17,
  inDims?: (number | string)[],
): Uint8Array {
  return model({
    producer: ['test', '0'],
    ir: 8,
    opsets: [['', opset]],
    graphName: 'g',
    nodes,
    initializers: inits,
    inputs: [valueInfo('x', inDims ?? ['N', inF])],
    outputs: [valueInfo('y', ['N', outF])],
  });
}

function forward(bytes: Uint8Array | ArrayBuffer, x: Float32Array, shape: number[]): Float32Array {
  const m = importOnnx(bytes);
  try {
    return sg.tidy(() => m.forward(sg.tensor(x, shape)).data());
  } finally {
    for (const p of m.parameters()) p.dispose();
  }
}

async function agree(bytes: Uint8Array, inF: number, batch = 5, scale = 2): Promise<void> {
  const x = randomF32(batch * inF, 99, scale);
  expectClose(forward(bytes, x, [batch, inF]), await runOrt(bytes, 'x', x, [batch, inF]));
}

const d = dense(6, 4, 1);

describe('importOnnx: each op, against ONNX Runtime Web', () => {
  for (const [alpha, beta, transB] of [
    [1, 1, 1],
    [0.5, 1, 1],
    [1, -2, 0],
    [3, 0.25, 0],
  ]) {
    it(`Gemm alpha=${alpha} beta=${beta} transB=${transB}`, async () => {
      const w = transB ? floatTensor('W', [4, 6], d.w, 'raw') : floatTensor('W', [6, 4], transposed(d), 'float_data');
      const attrs: [string, number, 'int'?][] = [
        ['alpha', alpha],
        ['beta', beta],
        ['transB', transB, 'int'],
      ];
      await agree(
        graph(
          [node('Gemm', ['x', 'W', 'C'], ['y'], 'gemm', attrs as never)],
          [w, floatTensor('C', [4], d.b, 'raw')],
          6,
          4,
        ),
        6,
      );
    });
  }

  it('Gemm without C, and with C of shape [1, N] and [1] (broadcast)', async () => {
    const w = floatTensor('W', [4, 6], d.w, 'raw');
    await agree(graph([node('Gemm', ['x', 'W'], ['y'], 'g', [['transB', 1, 'int']])], [w], 6, 4), 6);
    await agree(
      graph(
        [node('Gemm', ['x', 'W', 'C'], ['y'], 'g', [['transB', 1, 'int']])],
        [w, floatTensor('C', [1, 4], d.b, 'raw')],
        6,
        4,
      ),
      6,
    );
    await agree(
      graph(
        [node('Gemm', ['x', 'W', 'C'], ['y'], 'g', [['transB', 1, 'int']])],
        [w, floatTensor('C', [1], new Float32Array([0.7]), 'raw')],
        6,
        4,
      ),
      6,
    );
    const m = importOnnx(graph([node('Gemm', ['x', 'W'], ['y'], 'g', [['transB', 1, 'int']])], [w], 6, 4));
    expect([...m.namedParameters().keys()]).toEqual(['0.weight']);
    for (const p of m.parameters()) p.dispose();
  });

  it('MatMul alone (no bias) and MatMul + Add with the bias first', async () => {
    const wt = floatTensor('W', [6, 4], transposed(d), 'raw');
    await agree(graph([node('MatMul', ['x', 'W'], ['y'])], [wt], 6, 4), 6);
    await agree(
      graph(
        [node('MatMul', ['x', 'W'], ['m']), node('Add', ['B', 'm'], ['y'])],
        [wt, floatTensor('B', [4], d.b, 'raw')],
        6,
        4,
      ),
      6,
    );
  });

  const lin = (out: string): Node => node('Gemm', ['x', 'W', 'C'], [out], 'lin', [['transB', 1, 'int']]);
  const linInits = (): Tensor[] => [floatTensor('W', [4, 6], d.w, 'raw'), floatTensor('C', [4], d.b, 'raw')];
  const acts: [string, Node, Tensor[], new (...a: never[]) => sg.nn.Module][] = [
    ['Relu', node('Relu', ['h'], ['y']), [], sg.nn.ReLU],
    ['Sigmoid', node('Sigmoid', ['h'], ['y']), [], sg.nn.Sigmoid],
    ['Tanh', node('Tanh', ['h'], ['y']), [], sg.nn.Tanh],
    ['LeakyRelu alpha 0.2', node('LeakyRelu', ['h'], ['y'], 'l', [['alpha', 0.2]]), [], LeakyReLU],
    ['LeakyRelu default alpha', node('LeakyRelu', ['h'], ['y']), [], LeakyReLU],
    [
      'PRelu, one slope',
      node('PRelu', ['h', 'S'], ['y']),
      [floatTensor('S', [1], new Float32Array([0.3]), 'raw')],
      sg.nn.PReLU,
    ],
    [
      'PRelu, one slope per feature',
      node('PRelu', ['h', 'S'], ['y']),
      [floatTensor('S', [4], new Float32Array([0.1, -0.2, 0.3, 2]), 'raw')],
      sg.nn.PReLU,
    ],
    ['Softmax axis -1', node('Softmax', ['h'], ['y'], 's', [['axis', -1, 'int']]), [], sg.nn.Softmax],
    [
      'Softmax axis 1 (opset 17 default -1)',
      node('Softmax', ['h'], ['y'], 's', [['axis', 1, 'int']]),
      [],
      sg.nn.Softmax,
    ],
    ['LogSoftmax', node('LogSoftmax', ['h'], ['y']), [], LogSoftmax],
  ];
  for (const [name, n, inits, cls] of acts) {
    it(`Gemm → ${name}`, async () => {
      const bytes = graph([lin('h'), n], [...linInits(), ...inits], 6, 4);
      await agree(bytes, 6, 5, 4);
      const m = importOnnx(bytes);
      expect(m.layers[1]).toBeInstanceOf(cls);
      for (const p of m.parameters()) p.dispose();
    });
  }

  it('Identity, Dropout (with ratio) and Cast to FLOAT add no layer; Flatten and Reshape [0, -1] become nn.Flatten', async () => {
    const nodes = [
      node('Reshape', ['x', 'shape'], ['r']),
      node('Identity', ['r'], ['i']),
      node('Dropout', ['i', 'ratio'], ['dr']),
      node('Cast', ['dr'], ['c'], 'cast', [['to', 1, 'int']]),
      node('Gemm', ['c', 'W', 'C'], ['h'], 'lin', [['transB', 1, 'int']]),
      node('Flatten', ['h'], ['y'], 'f', [['axis', 1, 'int']]),
    ];
    const inits = [
      int64Tensor('shape', [0, -1]),
      floatTensor('ratio', [], new Float32Array([0.5]), 'raw'),
      ...linInits(),
    ];
    const bytes = graph(nodes, inits, 6, 4, 17, ['N', 2, 3]);
    const x = randomF32(5 * 6, 5);
    expectClose(forward(bytes, x, [5, 2, 3]), await runOrt(bytes, 'x', x, [5, 2, 3]));
    const m = importOnnx(bytes);
    expect(m.layers.map((l) => l.constructor)).toEqual([sg.nn.Flatten, sg.nn.Linear, sg.nn.Flatten]);
    for (const p of m.parameters()) p.dispose();
  });

  it('Softmax at opset 11 (axis 1 by default, the 2-D coercion) on a 2-D input', async () => {
    await agree(graph([lin('h'), node('Softmax', ['h'], ['y'])], linInits(), 6, 4, 11), 6);
  });

  it('bytes as a Node Buffer at an odd offset of a pooled allocation, an ArrayBuffer or a DataView', async () => {
    const bytes = graph([node('Gemm', ['x', 'W', 'C'], ['y'], 'lin', [['transB', 1, 'int']])], linInits(), 6, 4);
    const x = randomF32(5 * 6, 3);
    const want = forward(bytes, x, [5, 6]);
    const pooled = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(bytes)]).subarray(3);
    const forms = [pooled, bytes.slice().buffer, new DataView(Uint8Array.from([9, ...bytes]).buffer, 1)];
    for (const b of forms) expect(forward(b as Uint8Array, x, [5, 6])).toEqual(want);
  });

  it('bfloat16 weights (raw_data and int32_data) read exactly: the same bits as the float32 file', () => {
    const w = d.w.map((v) => Math.round(v * 128) / 128); // 8 significant bits: exact in bfloat16
    const bits = (v: Float32Array) => Array.from(new Uint32Array(v.slice().buffer), (u) => u >>> 16);
    const bf16 = [
      { name: 'W', dims: [4n, 6n], dataType: 16, rawData: new Uint8Array(Uint16Array.from(bits(w)).buffer) },
      { name: 'C', dims: [4n], dataType: 16, int32Data: bits(new Float32Array([0.5, -1, 2, 0.25])) },
    ];
    const f32 = [
      floatTensor('W', [4, 6], w, 'raw'),
      floatTensor('C', [4], new Float32Array([0.5, -1, 2, 0.25]), 'raw'),
    ];
    const n = [node('Gemm', ['x', 'W', 'C'], ['y'], 'lin', [['transB', 1, 'int']])];
    const x = randomF32(5 * 6, 8);
    expect(forward(graph(n, bf16, 6, 4), x, [5, 6])).toEqual(forward(graph(n, f32, 6, 4), x, [5, 6]));
  });

  it('a Constant node feeding Gemm (torch exports small tensors that way)', async () => {
    const c = node('Constant', [], ['C'], 'const');
    c.attribute = [{ name: 'value', type: 4, t: floatTensor('', [4], d.b, 'raw') }];
    await agree(
      graph(
        [c, node('Gemm', ['x', 'W', 'C'], ['y'], 'lin', [['transB', 1, 'int']])],
        [floatTensor('W', [4, 6], d.w, 'raw')],
        6,
        4,
      ),
      6,
    );
  });

  it('an imported MLP runs the same fused kernels as nn.MLP: identical bits, trainable, PyTorch names', () => {
    const mlp = new sg.nn.MLP([12, 9, 7, 3], { seed: 3 });
    const nodes: Node[] = [];
    const inits: Tensor[] = [];
    let h = 'x';
    const ps = [...mlp.namedParameters()];
    for (let k = 0; k < 3; k++) {
      const [[wn, w], [bn, b]] = [ps[2 * k], ps[2 * k + 1]];
      inits.push(floatTensor(wn, [...w.shape], w.data(), 'raw'), floatTensor(bn, [...b.shape], b.data(), 'raw'));
      const out = k === 2 ? 'y' : `g${k}`;
      nodes.push(node('Gemm', [h, wn, bn], [out], `/${2 * k}/Gemm`, [['transB', 1, 'int']]));
      h = out;
      if (k < 2) {
        nodes.push(node('Relu', [h], [`r${k}`]));
        h = `r${k}`;
      }
    }
    const m = importOnnx(graph(nodes, inits, 12, 3));
    expect([...m.namedParameters().keys()]).toEqual(ps.map(([n]) => n));
    const x = sg.rand([64, 12], { seed: 4 });
    for (const rows of [1, 64]) {
      const xs = sg.slice(x, [0, 0], [rows, 12]);
      expect(m.forward(xs).data()).toEqual(mlp.forward(xs).data());
    }
    // trainable: one SGD step moves it exactly as it moves the hand-built MLP
    for (const net of [m, mlp]) {
      const opt = new sg.optim.SGD(net.parameters(), { lr: 0.1 });
      const loss = sg.autograd.record(() =>
        sg.nn.softmaxCrossEntropy(
          net.forward(x),
          Array.from({ length: 64 }, (_, i) => i % 3),
        ),
      );
      loss.backward();
      opt.step();
    }
    expect(m.parameters().map((p) => Array.from(p.data()))).toEqual(mlp.parameters().map((p) => Array.from(p.data())));
    for (const p of [...m.parameters(), ...mlp.parameters()]) p.dispose();
  });
});

describe('importOnnx: refusals name the node, its op type and what is supported', () => {
  const w = floatTensor('W', [4, 6], d.w, 'raw');
  const cases: [string, () => Uint8Array, RegExp][] = [
    [
      'an unsupported op',
      () => graph([node('Conv', ['x', 'W'], ['y'], 'conv1')], [w], 6, 4),
      /node "conv1" \(Conv\): op Conv is not supported; simdgrad imports chains of Gemm, MatMul/,
    ],
    [
      'Gemm transA = 1',
      () => graph([node('Gemm', ['x', 'W'], ['y'], 'g', [['transA', 1, 'int']])], [w], 6, 4),
      /node "g" \(Gemm\): attribute transA = 1 is not supported/,
    ],
    [
      'an unknown attribute',
      () => graph([node('Relu', ['x'], ['y'], 'r', [['foo', 1, 'int']])], [], 6, 6),
      /node "r" \(Relu\): attribute "foo" is not supported/,
    ],
    [
      'Softmax over axis 0',
      () => graph([node('Softmax', ['x'], ['y'], 's', [['axis', 0, 'int']])], [], 6, 6),
      /node "s" \(Softmax\): attribute axis = 0 is not supported.*last axis/,
    ],
    [
      'Flatten axis 2',
      () => graph([node('Flatten', ['x'], ['y'], 'f', [['axis', 2, 'int']])], [], 6, 6, 17, ['N', 2, 3]),
      /node "f" \(Flatten\): attribute axis = 2/,
    ],
    [
      'Reshape to [2, 3]',
      () => graph([node('Reshape', ['x', 's'], ['y'], 'r')], [int64Tensor('s', [2, 3])], 6, 6),
      /node "r" \(Reshape\): a Reshape to \[2,3\] is not supported.*\[N, -1\]/,
    ],
    [
      'a Gemm weight computed by the graph (several inputs)',
      () => graph([node('Relu', ['x'], ['h']), node('Gemm', ['h', 'h'], ['y'], 'g')], [], 6, 6),
      /node "g" \(Gemm\): input 1 \(B\) "h" is computed by the graph/,
    ],
    [
      'a branch (residual add)',
      () => graph([node('Relu', ['x'], ['h'], 'r'), node('Add', ['x', 'h'], ['y'], 'add')], [], 6, 6),
      /value "x" feeds 2 nodes.*not a branching graph/,
    ],
    [
      'a weight of the wrong size',
      () =>
        graph(
          [node('Gemm', ['x', 'W'], ['y'], 'g', [['transB', 1, 'int']])],
          [floatTensor('W', [4, 5], d.w.subarray(0, 20), 'raw')],
          6,
          4,
        ),
      /node "g" \(Gemm\): the weights take 5 input features but the value flowing in has 6/,
    ],
    [
      'raw_data shorter than the dims say',
      () =>
        graph(
          [node('Gemm', ['x', 'W'], ['y'], 'g', [['transB', 1, 'int']])],
          [{ ...w, rawData: (w.rawData as Uint8Array).subarray(0, 40) }],
          6,
          4,
        ),
      /node "g" \(Gemm\): B "W" has 40 bytes of raw_data, expected 96/,
    ],
    [
      'external data',
      () =>
        graph(
          [node('Gemm', ['x', 'W'], ['y'], 'g', [['transB', 1, 'int']])],
          [
            {
              name: 'W',
              dims: [4n, 6n],
              dataType: 1,
              dataLocation: 1,
              externalData: [{ key: 'location', value: 'w.bin' }],
            },
          ],
          6,
          4,
        ),
      /node "g" \(Gemm\): B "W" stores its data outside the file \(external data\)/,
    ],
    [
      'double weights',
      () =>
        graph(
          [node('Gemm', ['x', 'W'], ['y'], 'g', [['transB', 1, 'int']])],
          [{ name: 'W', dims: [4n, 6n], dataType: 11, doubleData: Array.from(d.w) }],
          6,
          4,
        ),
      /element type DOUBLE; simdgrad reads FLOAT, FLOAT16 and BFLOAT16/,
    ],
    [
      'a non-ONNX domain',
      () => graph([node('Gelu', ['x'], ['y'], 'gelu', [], 'com.microsoft')], [], 6, 6),
      /node "gelu" \(Gelu\): op domain "com.microsoft" is not supported/,
    ],
  ];
  for (const [name, make, re] of cases) {
    it(name, () => {
      const before = sg.memory();
      let err: unknown;
      try {
        importOnnx(make());
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(sg.SimdgradError);
      expect((err as Error).message).toMatch(/^importOnnx: /);
      expect((err as Error).message).toMatch(re);
      expect(sg.memory()).toEqual(before);
    });
  }

  it('several graph inputs, no ONNX opset, opset 24, a non-float input, and non-bytes arguments', () => {
    const two = model({
      producer: ['t', ''],
      ir: 8,
      opsets: [['', 17]],
      graphName: 'g',
      nodes: [node('Add', ['a', 'b'], ['y'])],
      initializers: [],
      inputs: [valueInfo('a', ['N', 3]), valueInfo('b', ['N', 3])],
      outputs: [valueInfo('y', ['N', 3])],
    });
    expect(() => importOnnx(two)).toThrow(/the graph has 2 inputs \(a, b\); simdgrad imports a chain with one input/);
    const g = (opsets: [string, number][], elem = 1) =>
      model({
        producer: ['t', ''],
        ir: 8,
        opsets,
        graphName: 'g',
        nodes: [node('Relu', ['x'], ['y'])],
        initializers: [],
        inputs: [valueInfo('x', ['N', 3], elem)],
        outputs: [valueInfo('y', ['N', 3])],
      });
    expect(() => importOnnx(g([['ai.onnx.ml', 3]]))).toThrow(/imports no ONNX opset/);
    expect(() => importOnnx(g([['', 24]]))).toThrow(/opset 24 is not supported \(simdgrad reads opsets 7 to 23\)/);
    expect(() => importOnnx(g([['', 17]], 7))).toThrow(/input "x" has element type INT64/);
    for (const bad of [null, 'model.onnx', [1, 2], 42])
      expect(() => importOnnx(bad as never)).toThrow(sg.SimdgradError);
    expect(() => importOnnx(new Uint8Array(0))).toThrow(/no graph/);
    expect(() => importOnnx(new TextEncoder().encode('{"not": "onnx"}'))).toThrow(
      /not a valid ONNX model \(malformed protobuf/,
    );
  });

  it('a file truncated at every length is a SimdgradError, never another exception', () => {
    const bytes = graph(
      [node('Gemm', ['x', 'W', 'C'], ['h'], 'lin', [['transB', 1, 'int']]), node('Relu', ['h'], ['y'])],
      [floatTensor('W', [4, 6], d.w, 'raw'), floatTensor('C', [4], d.b, 'raw')],
      6,
      4,
    );
    const before = sg.memory();
    for (let n = 0; n < bytes.length; n++) {
      let err: unknown = null;
      try {
        const m = importOnnx(bytes.subarray(0, n));
        for (const p of m.parameters()) p.dispose();
      } catch (e) {
        err = e;
      }
      if (err) {
        expect(err, `truncated to ${n} bytes`).toBeInstanceOf(sg.SimdgradError);
        expect((err as Error).message).not.toMatch(/unexpected error/);
      }
    }
    expect(sg.memory()).toEqual(before);
  });
});
