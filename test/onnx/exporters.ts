// ONNX files shaped as the common exporters write them, built with the
// protobuf-es codec generated from proto/onnx/onnx.proto (test/onnx/gen), so
// the fixtures do not go through simdgrad's own writer. Weights are seeded.
// What each builder follows (node order, names, attributes, initializer form):
//  - torchGemm: torch.onnx.export (TorchScript exporter) of an nn.Sequential at
//    opset 17: `/0/Flatten` (axis 1), `/1/Gemm` with alpha = beta = 1.0 and
//    transB = 1 on initializers named by the state_dict (`1.weight`, raw_data),
//    `/2/Relu`, values `/1/Gemm_output_0`, dynamic batch `batch_size`,
//    producer "pytorch", ir_version 8 (torch/onnx/symbolic_opset9.py `addmm`
//    via `linear`, Flatten via symbolic_opset11 `flatten`).
//  - torchErfGelu: the same exporter's GELU before opset 20 (symbolic_opset9
//    `gelu`): Div(x, √2) → Erf → Add(1) → Mul(x, ·) → Mul(·, 0.5), constants as
//    Constant nodes named `/1/Constant_output_0`…
//  - torchDynamo: torch.onnx.export(dynamo=True) at opset 18 after its
//    optimizer folded `Transpose(weight)`: MatMul on an [in, out] initializer then
//    Add of the bias (torchlib `aten_linear`/`aten_addmm`), GELU as torchlib's
//    `_aten_gelu_approximate_none` (Div → Erf → Add → Mul(0.5, ·) → Mul(x, ·)),
//    values named `linear`, `gelu`, `linear_1`, input `x`, dim `s0`.
//  - tf2onnx: a Keras Sequential of Flatten and Dense layers at opset 13:
//    Reshape to [-1, F] (`sequential/flatten/Reshape`), `…/MatMul` on the kernel
//    `…/MatMul/ReadVariableOp:0` ([in, out]), `…/BiasAdd` as Add, `…/Relu`, a
//    final Softmax, values with `:0` suffixes, dim `unk__6`, float_data
//    initializers, producer "tf2onnx".
//  - sklMlp: skl2onnx `convert_sklearn(MLPClassifier, options={zipmap: False})`
//    (skl2onnx/operator_converters/multilayer_perceptron.py): Cast(to FLOAT) →
//    MatMul `coefficient` → Add `intercepts` [1, n] → Relu … → Softmax →
//    Identity `probabilities`, and the label branch ArgMax(axis 1) →
//    ArrayFeatureExtractor (ai.onnx.ml) → Reshape [-1] → Cast(INT64) `label`;
//    initializers as float_data; outputs `label` and `probabilities`.

import { create, toBinary } from '@bufbuild/protobuf';
import { AttributeProto_AttributeType as AT, ModelProtoSchema } from './gen/onnx/onnx_pb.js';

// Plain init objects: create() checks them against the schema at run time.
type NodeProto = Record<string, unknown>;
type TensorProto = Record<string, unknown>;
type ValueInfoProto = Record<string, unknown>;

const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;
const FLOAT16 = 10;

/** mulberry32: a seeded PRNG. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomF32(n: number, seed: number, scale = 1): Float32Array {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

type Attr = [string, number | string | number[]] | [string, number, 'int'];

function attr(a: Attr): Record<string, unknown> {
  const [name, v, kind] = a;
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v.map(BigInt) };
  if (typeof v === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (kind === 'int') return { name, type: AT.INT, i: BigInt(v) };
  return { name, type: AT.FLOAT, f: v };
}

export function node(
  op: string,
  inputs: string[],
  outputs: string[],
  name = '',
  attrs: Attr[] = [],
  domain?: string,
): NodeProto {
  return { opType: op, input: inputs, output: outputs, name, attribute: attrs.map(attr), domain: domain ?? '' };
}

/** A float tensor as raw_data (PyTorch) or float_data (tf2onnx, skl2onnx). */
export function floatTensor(name: string, dims: number[], v: Float32Array, form: 'raw' | 'float_data'): TensorProto {
  const t: TensorProto = { name, dims: dims.map(BigInt), dataType: FLOAT };
  if (form === 'raw') t.rawData = new Uint8Array(v.slice().buffer);
  else t.floatData = Array.from(v);
  return t;
}

export function int64Tensor(name: string, v: number[]): TensorProto {
  return { name, dims: [BigInt(v.length)], dataType: INT64, int64Data: v.map(BigInt) };
}

/**
 * float32 → IEEE half bits for values that are exactly halves (zero or normal,
 * ≤ 11 significant bits, as `halfExact` makes them); anything else throws.
 */
export function toHalf(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  if ((u & 0x7fffffff) === 0) return sign;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const mant = u & 0x7fffff;
  if (exp <= 0 || exp >= 31 || mant % 2 ** 13 !== 0) throw new Error(`${x} is not exactly a normal half`);
  return sign | (exp << 10) | (mant / 2 ** 13);
}

/** Rounds values to multiples of 2^-10 in (-1, 1): exactly representable as halves. */
export function halfExact(v: Float32Array): Float32Array {
  return v.map((x) => Math.round(x * 1024) / 1024);
}

export function halfTensor(name: string, dims: number[], v: Float32Array, form: 'raw' | 'int32_data'): TensorProto {
  const bits = Array.from(v, toHalf);
  const t: TensorProto = { name, dims: dims.map(BigInt), dataType: FLOAT16 };
  if (form === 'raw') t.rawData = new Uint8Array(Uint16Array.from(bits).buffer);
  else t.int32Data = bits;
  return t;
}

function dim(d: number | string | null) {
  if (d === null) return {};
  return typeof d === 'string'
    ? { value: { case: 'dimParam' as const, value: d } }
    : { value: { case: 'dimValue' as const, value: BigInt(d) } };
}

export function valueInfo(name: string, dims: (number | string | null)[], elemType = FLOAT): ValueInfoProto {
  return {
    name,
    type: { value: { case: 'tensorType', value: { elemType, shape: { dim: dims.map(dim) } } } },
  } as ValueInfoProto;
}

export interface ModelSpec {
  producer: [string, string];
  ir: number;
  opsets: [string, number][];
  graphName: string;
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}

export function model(s: ModelSpec): Uint8Array {
  const m = create(ModelProtoSchema, {
    irVersion: BigInt(s.ir),
    producerName: s.producer[0],
    producerVersion: s.producer[1],
    opsetImport: s.opsets.map(([domain, version]) => ({ domain, version: BigInt(version) })),
    graph: {
      name: s.graphName,
      node: s.nodes,
      initializer: s.initializers,
      input: s.inputs,
      output: s.outputs,
    },
  });
  return toBinary(ModelProtoSchema, m);
}

/** A Linear's weights: W [out, in] and b [out]. */
export interface Dense {
  w: Float32Array;
  b: Float32Array;
  inF: number;
  out: number;
}

export function dense(inF: number, out: number, seed: number): Dense {
  const bound = 1 / Math.sqrt(inF);
  return { w: randomF32(out * inF, seed, bound), b: randomF32(out, seed + 1, bound), inF, out };
}

/** Wᵀ ([in, out]) as Keras, sklearn and folded dynamo graphs store it. */
export function transposed(d: Dense): Float32Array {
  const t = new Float32Array(d.w.length);
  for (let o = 0; o < d.out; o++) for (let i = 0; i < d.inF; i++) t[i * d.out + o] = d.w[o * d.inF + i];
  return t;
}

/** torch.onnx.export, opset 17: Flatten → Gemm → Relu → Gemm → Relu → Gemm ([B, 4, 5] → 3). */
export function torchGemm(layers: Dense[], dtype: 'float32' | 'float16' = 'float32'): Uint8Array {
  const nodes: NodeProto[] = [node('Flatten', ['input'], ['/0/Flatten_output_0'], '/0/Flatten', [['axis', 1, 'int']])];
  const inits: TensorProto[] = [];
  let h = '/0/Flatten_output_0';
  layers.forEach((d, k) => {
    const i = 1 + 2 * k;
    const last = k === layers.length - 1;
    const out = last ? 'output' : `/${i}/Gemm_output_0`;
    nodes.push(
      node('Gemm', [h, `${i}.weight`, `${i}.bias`], [out], `/${i}/Gemm`, [
        ['alpha', 1],
        ['beta', 1],
        ['transB', 1, 'int'],
      ]),
    );
    // float16: weights as raw_data and int32_data alternately (both forms exporters use)
    inits.push(
      dtype === 'float16'
        ? halfTensor(`${i}.weight`, [d.out, d.inF], d.w, k % 2 ? 'int32_data' : 'raw')
        : floatTensor(`${i}.weight`, [d.out, d.inF], d.w, 'raw'),
      dtype === 'float16'
        ? halfTensor(`${i}.bias`, [d.out], d.b, 'raw')
        : floatTensor(`${i}.bias`, [d.out], d.b, 'raw'),
    );
    h = out;
    if (!last) {
      nodes.push(node('Relu', [h], [`/${i + 1}/Relu_output_0`], `/${i + 1}/Relu`));
      h = `/${i + 1}/Relu_output_0`;
    }
  });
  const out = layers.at(-1)!.out;
  return model({
    producer: ['pytorch', '2.1.0'],
    ir: 8,
    opsets: [['', 17]],
    graphName: 'main_graph',
    nodes,
    initializers: inits,
    inputs: [valueInfo('input', ['batch_size', 4, layers[0].inF / 4], dtype === 'float16' ? FLOAT16 : FLOAT)],
    outputs: [valueInfo('output', ['batch_size', out], dtype === 'float16' ? FLOAT16 : FLOAT)],
  });
}

/** A Constant node holding a scalar float tensor, as torch writes them. */
function constantNode(name: string, v: number): NodeProto {
  const n = node('Constant', [], [name], name.replace(/_output_0$/, ''));
  n.attribute = [{ name: 'value', type: AT.TENSOR, t: floatTensor('', [], new Float32Array([v]), 'raw') }];
  return n;
}

/** torch.onnx.export, opset 17: Gemm → GELU (erf form) → Gemm. */
export function torchErfGelu(a: Dense, b: Dense): Uint8Array {
  const nodes = [
    node('Gemm', ['input', '0.weight', '0.bias'], ['/0/Gemm_output_0'], '/0/Gemm', [
      ['alpha', 1],
      ['beta', 1],
      ['transB', 1, 'int'],
    ]),
    constantNode('/1/Constant_output_0', Math.fround(Math.SQRT2)),
    node('Div', ['/0/Gemm_output_0', '/1/Constant_output_0'], ['/1/Div_output_0'], '/1/Div'),
    node('Erf', ['/1/Div_output_0'], ['/1/Erf_output_0'], '/1/Erf'),
    constantNode('/1/Constant_1_output_0', 1),
    node('Add', ['/1/Erf_output_0', '/1/Constant_1_output_0'], ['/1/Add_output_0'], '/1/Add'),
    node('Mul', ['/0/Gemm_output_0', '/1/Add_output_0'], ['/1/Mul_output_0'], '/1/Mul'),
    constantNode('/1/Constant_2_output_0', 0.5),
    node('Mul', ['/1/Mul_output_0', '/1/Constant_2_output_0'], ['/1/Mul_1_output_0'], '/1/Mul_1'),
    node('Gemm', ['/1/Mul_1_output_0', '2.weight', '2.bias'], ['output'], '/2/Gemm', [
      ['alpha', 1],
      ['beta', 1],
      ['transB', 1, 'int'],
    ]),
  ];
  return model({
    producer: ['pytorch', '2.1.0'],
    ir: 8,
    opsets: [['', 17]],
    graphName: 'main_graph',
    nodes,
    initializers: [
      floatTensor('0.weight', [a.out, a.inF], a.w, 'raw'),
      floatTensor('0.bias', [a.out], a.b, 'raw'),
      floatTensor('2.weight', [b.out, b.inF], b.w, 'raw'),
      floatTensor('2.bias', [b.out], b.b, 'raw'),
    ],
    inputs: [valueInfo('input', ['batch_size', a.inF])],
    outputs: [valueInfo('output', ['batch_size', b.out])],
  });
}

/** torch.onnx.export(dynamo=True), opset 18: MatMul + Add, torchlib's GELU, MatMul + Add. */
export function torchDynamo(a: Dense, b: Dense, act: 'gelu' | 'relu'): Uint8Array {
  const nodes: NodeProto[] = [
    node('MatMul', ['x', 'val_0'], ['val_1'], 'node_MatMul_1'),
    node('Add', ['val_1', 'fc1.bias'], ['linear'], 'node_Add_2'),
  ];
  let h = 'linear';
  const inits = [
    floatTensor('val_0', [a.inF, a.out], transposed(a), 'raw'),
    floatTensor('fc1.bias', [a.out], a.b, 'raw'),
  ];
  if (act === 'gelu') {
    inits.push(
      floatTensor('val_2', [], new Float32Array([Math.SQRT2]), 'raw'),
      floatTensor('val_3', [], new Float32Array([1]), 'raw'),
      floatTensor('val_4', [], new Float32Array([0.5]), 'raw'),
    );
    nodes.push(
      node('Div', ['linear', 'val_2'], ['val_5'], 'node_Div_3'),
      node('Erf', ['val_5'], ['val_6'], 'node_Erf_4'),
      node('Add', ['val_6', 'val_3'], ['val_7'], 'node_Add_5'),
      node('Mul', ['val_4', 'val_7'], ['val_8'], 'node_Mul_6'),
      node('Mul', ['linear', 'val_8'], ['gelu'], 'node_Mul_7'),
    );
    h = 'gelu';
  } else {
    nodes.push(node('Relu', ['linear'], ['relu'], 'node_Relu_3'));
    h = 'relu';
  }
  nodes.push(
    node('MatMul', [h, 'val_9'], ['val_10'], 'node_MatMul_8'),
    node('Add', ['val_10', 'fc2.bias'], ['linear_1'], 'node_Add_9'),
  );
  inits.push(floatTensor('val_9', [b.inF, b.out], transposed(b), 'raw'), floatTensor('fc2.bias', [b.out], b.b, 'raw'));
  return model({
    producer: ['pytorch', '2.6.0'],
    ir: 10,
    opsets: [['', 18]],
    graphName: 'main_graph',
    nodes,
    initializers: inits,
    inputs: [valueInfo('x', ['s0', a.inF])],
    outputs: [valueInfo('linear_1', ['s0', b.out])],
  });
}

/** tf2onnx, opset 13, Keras Sequential([Flatten, Dense(relu)…, Dense(softmax)]) on [B, 4, 5]. */
export function tf2onnx(layers: Dense[]): Uint8Array {
  const nodes: NodeProto[] = [
    node(
      'Reshape',
      ['flatten_input', 'const_fold_opt__12'],
      ['sequential/flatten/Reshape:0'],
      'sequential/flatten/Reshape',
    ),
  ];
  const inits: TensorProto[] = [int64Tensor('const_fold_opt__12', [-1, layers[0].inF])];
  let h = 'sequential/flatten/Reshape:0';
  layers.forEach((d, k) => {
    const scope = `sequential/dense${k ? `_${k}` : ''}`;
    const last = k === layers.length - 1;
    inits.push(
      floatTensor(`${scope}/MatMul/ReadVariableOp:0`, [d.inF, d.out], transposed(d), 'float_data'),
      floatTensor(`${scope}/BiasAdd/ReadVariableOp:0`, [d.out], d.b, 'float_data'),
    );
    nodes.push(
      node('MatMul', [h, `${scope}/MatMul/ReadVariableOp:0`], [`${scope}/MatMul:0`], `${scope}/MatMul`),
      node(
        'Add',
        [`${scope}/MatMul:0`, `${scope}/BiasAdd/ReadVariableOp:0`],
        [`${scope}/BiasAdd:0`],
        `${scope}/BiasAdd`,
      ),
    );
    const act = last ? 'Softmax' : 'Relu';
    const out = last ? `dense${k ? `_${k}` : ''}` : `${scope}/Relu:0`;
    nodes.push(node(act, [`${scope}/BiasAdd:0`], [out], `${scope}/${act}`));
    h = out;
  });
  return model({
    producer: ['tf2onnx', '1.16.1 15c810'],
    ir: 7,
    opsets: [['', 13]],
    graphName: 'tf2onnx',
    nodes,
    initializers: inits,
    inputs: [valueInfo('flatten_input', ['unk__6', 4, layers[0].inF / 4])],
    outputs: [valueInfo(h, ['unk__7', layers.at(-1)!.out])],
  });
}

/** skl2onnx, MLPClassifier (multi-class, relu) with zipmap=False: outputs `label` and `probabilities`. */
export function sklMlp(layers: Dense[], classes: number[]): Uint8Array {
  const nodes: NodeProto[] = [node('Cast', ['float_input'], ['cast_input'], 'Cast', [['to', FLOAT, 'int']])];
  const inits: TensorProto[] = [];
  let h = 'cast_input';
  layers.forEach((d, k) => {
    const sfx = k ? String(k) : '';
    inits.push(
      floatTensor(`coefficient${sfx}`, [d.inF, d.out], transposed(d), 'float_data'),
      floatTensor(`intercepts${sfx}`, [1, d.out], d.b, 'float_data'),
    );
    nodes.push(
      node('MatMul', [h, `coefficient${sfx}`], [`mul_result${sfx}`], `MatMul${sfx}`),
      node('Add', [`mul_result${sfx}`, `intercepts${sfx}`], [`add_result${sfx}`], `Add${sfx}`),
    );
    h = `add_result${sfx}`;
    if (k < layers.length - 1) {
      nodes.push(node('Relu', [h], [`next_activations${sfx}`], `Relu${sfx}`));
      h = `next_activations${sfx}`;
    }
  });
  nodes.push(
    // skl2onnx names the output activation after the hidden one, uniquified: Relu, Relu1, … then Relu<k>
    node('Softmax', [h], ['out_activations_result'], `Relu${layers.length - 1}`),
    node('Identity', ['out_activations_result'], ['probabilities'], 'Identity'),
    node('ArgMax', ['probabilities'], ['argmax_output'], 'ArgMax', [['axis', 1, 'int']]),
    node(
      'ArrayFeatureExtractor',
      ['classes', 'argmax_output'],
      ['array_feature_extractor_result'],
      'ArrayFeatureExtractor',
      [],
      'ai.onnx.ml',
    ),
    node('Reshape', ['array_feature_extractor_result', 'shape_tensor'], ['reshaped_result'], 'Reshape'),
    node('Cast', ['reshaped_result'], ['label'], 'Cast1', [['to', INT64, 'int']]),
  );
  inits.push(
    { name: 'classes', dims: [BigInt(classes.length)], dataType: INT32, int32Data: classes },
    int64Tensor('shape_tensor', [-1]),
  );
  return model({
    producer: ['skl2onnx', '1.17.0'],
    ir: 8,
    opsets: [
      ['', 17],
      ['ai.onnx.ml', 1],
    ],
    graphName: 'MLPClassifier',
    nodes,
    initializers: inits,
    inputs: [valueInfo('float_input', [null, layers[0].inF])],
    outputs: [valueInfo('label', [null], INT64), valueInfo('probabilities', [null, layers.at(-1)!.out])],
  });
}
