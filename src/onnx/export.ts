// SPDX-License-Identifier: MIT
// exportOnnx: a Sequential/MLP → an ONNX ModelProto laid out as
// torch.onnx.export writes the same nn.Sequential: Linear as Gemm (alpha = beta
// = 1, transB = 1) with initializers named by the parameter names (`0.weight`,
// `0.bias`), node names `/0/Gemm`, values `/0/Gemm_output_0`; input `input`
// [batch, in], output `output` [batch, out]. Dropout is left out (inference).

import { nn, SimdgradError } from 'simdgrad';
import { hasGelu } from './build.js';
import { type AttrOut, encodeModel, type ModelOut, type NodeOut } from './encode.js';
import { LeakyReLU, LogSoftmax } from './layers.js';
import { DTYPE } from './tensors.js';

/** Options of {@link exportOnnx}. */
export interface ExportOptions {
  /** The batch dim of input and output: a symbolic name (default 'N') or a fixed size. */
  batch?: string | number;
  /** The ONNX opset to write, 13 to 21 (default 17, as torch.onnx.export). */
  opset?: number;
}

const OP = 'exportOnnx';
/** IR version per opset (onnx/helper.py's VERSION_TABLE): what ONNX runtimes expect with that opset. */
const IR_FOR_OPSET: Record<number, number> = { 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

function fail(msg: string): never {
  throw new SimdgradError(`${OP}: ${msg}`);
}

/** The layers of nested Sequentials in order, each with its PyTorch-style path. */
function flatten(m: nn.Module, path: string, out: [string, nn.Module][]): void {
  if (m instanceof nn.Sequential) {
    m.layers.forEach((c, i) => {
      flatten(c, path ? `${path}.${i}` : String(i), out);
    });
  } else out.push([path, m]);
}

function isDropout(m: nn.Module): boolean {
  const D = (nn as unknown as { Dropout?: new (...a: never[]) => nn.Module }).Dropout;
  return D !== undefined && m instanceof D;
}

function f32bytes(t: { data(): Float32Array }): Uint8Array {
  const d = t.data();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/**
 * Writes `module` (an nn.Sequential or nn.MLP of Linear, ReLU, PReLU, Sigmoid,
 * Tanh, GELU, LeakyReLU, Softmax/LogSoftmax over the last axis, Flatten and
 * Dropout layers) as an ONNX model; ONNX Runtime computes the same outputs.
 *
 * @example
 * const bytes = exportOnnx(new nn.MLP([784, 256, 10]), { batch: 'N', opset: 17 });
 */
export function exportOnnx(module: nn.Module, opts: ExportOptions = {}): Uint8Array {
  if (!(module instanceof nn.Module))
    fail(`expected an nn.Sequential or nn.MLP, got ${module === null ? 'null' : typeof module}`);
  if (opts === null || typeof opts !== 'object') fail('options must be an object');
  const { batch = 'N', opset = 17 } = opts;
  const batchOk =
    typeof batch === 'string' ? /^[A-Za-z_][\w.]*$/.test(batch) : Number.isSafeInteger(batch) && batch > 0;
  if (!batchOk) fail(`batch must be a positive integer or a symbolic name like 'N', got ${JSON.stringify(batch)}`);
  if (!Number.isInteger(opset) || IR_FOR_OPSET[opset] === undefined)
    fail(`opset must be an integer from 13 to 21, got ${opset}`);

  const layers: [string, nn.Module][] = [];
  flatten(module, '', layers);
  const nodes: NodeOut[] = [];
  const inits: ModelOut['initializers'] = [];
  let h = 'input';
  let inF: number | null = null;
  let outF: number | null = null;
  /** Appends a node taking the chain value `h` (or `x`) first; the chain continues with its output. */
  const node = (path: string, op: string, inputs: string[], attrs?: AttrOut[], suffix = '', x = h): string => {
    const out = `/${path.replaceAll('.', '/')}/${op}${suffix}_output_0`;
    nodes.push({
      name: `/${path.replaceAll('.', '/')}/${op}${suffix}`,
      opType: op,
      inputs: [x, ...inputs],
      outputs: [out],
      attrs,
    });
    h = out;
    return out;
  };
  const constant = (name: string, v: number): string => {
    inits.push({ name, dims: [], dataType: DTYPE.FLOAT, raw: new Uint8Array(new Float32Array([v]).buffer) });
    return name;
  };
  for (const [path, m] of layers) {
    if (m instanceof nn.Linear) {
      inF ??= m.inFeatures;
      outF = m.outFeatures;
      const ins = [`${path}.weight`];
      inits.push({
        name: `${path}.weight`,
        dims: [m.outFeatures, m.inFeatures],
        dataType: DTYPE.FLOAT,
        raw: f32bytes(m.weight),
      });
      if (m.bias) {
        ins.push(`${path}.bias`);
        inits.push({ name: `${path}.bias`, dims: [m.outFeatures], dataType: DTYPE.FLOAT, raw: f32bytes(m.bias) });
      }
      node(path, 'Gemm', ins, [
        { name: 'alpha', f: 1 },
        { name: 'beta', f: 1 },
        { name: 'transB', i: 1 },
      ]);
    } else if (m instanceof nn.ReLU) node(path, 'Relu', []);
    else if (m instanceof nn.Sigmoid) node(path, 'Sigmoid', []);
    else if (m instanceof nn.Tanh) node(path, 'Tanh', []);
    else if (m instanceof nn.PReLU) {
      inits.push({ name: `${path}.weight`, dims: [m.weight.size], dataType: DTYPE.FLOAT, raw: f32bytes(m.weight) });
      node(path, 'PRelu', [`${path}.weight`]);
    } else if (m instanceof LeakyReLU) node(path, 'LeakyRelu', [], [{ name: 'alpha', f: m.negativeSlope }]);
    else if (m instanceof nn.Softmax) {
      if (m.axis !== -1 && m.axis !== 1)
        fail(
          `layer ${path} (Softmax) has axis ${m.axis}; ONNX export supports the last axis of [batch, features] (-1)`,
        );
      node(path, 'Softmax', [], [{ name: 'axis', i: -1 }]);
    } else if (m instanceof LogSoftmax) node(path, 'LogSoftmax', [], [{ name: 'axis', i: -1 }]);
    else if (m instanceof nn.Flatten) node(path, 'Flatten', [], [{ name: 'axis', i: 1 }]);
    else if (isDropout(m)) continue;
    else if (hasGelu() && m instanceof (nn as unknown as { GELU: new () => nn.Module }).GELU)
      gelu(path, m, opset, node, constant, h);
    else
      fail(
        `layer ${path || '(the module)'} (${m.constructor.name}) cannot be exported; supported: Linear, ReLU, PReLU, Sigmoid, Tanh, GELU, LeakyReLU, Softmax, LogSoftmax, Flatten, Dropout`,
      );
  }
  if (inF === null || outF === null) fail('the module has no Linear layer, so the input size is unknown');
  if (nodes.length === 0) nodes.push({ name: '/Identity', opType: 'Identity', inputs: ['input'], outputs: ['output'] });
  else nodes[nodes.length - 1].outputs[0] = 'output';
  return encodeModel({
    irVersion: IR_FOR_OPSET[opset],
    opset,
    producerName: 'simdgrad',
    producerVersion: '',
    graphName: 'main_graph',
    nodes,
    initializers: inits,
    input: { name: 'input', dims: [batch, inF] },
    output: { name: 'output', dims: [batch, outF] },
  });
}

/** GELU: the Gelu op from opset 20; before, the erf form as torch.onnx.export writes it. */
function gelu(
  path: string,
  m: nn.Module,
  opset: number,
  node: (path: string, op: string, inputs: string[], attrs?: AttrOut[], suffix?: string, x?: string) => string,
  constant: (name: string, v: number) => string,
  x: string,
): void {
  const layer = m as unknown as { options?: { approximate?: string }; approximate?: string };
  const approximate = layer.options?.approximate ?? layer.approximate ?? 'none';
  if (opset >= 20) {
    node(path, 'Gelu', [], [{ name: 'approximate', s: approximate }]);
    return;
  }
  if (approximate !== 'none') fail(`layer ${path} (GELU, approximate '${approximate}') needs opset 20 or later`);
  // x · (1 + erf(x / √2)) · 0.5, the node order and constants of torch's symbolic_opset9.gelu
  const p = `/${path.replaceAll('.', '/')}`;
  node(path, 'Div', [constant(`${p}/Constant_output_0`, Math.SQRT2)]);
  node(path, 'Erf', []);
  const plusOne = node(path, 'Add', [constant(`${p}/Constant_1_output_0`, 1)]);
  const sum = node(path, 'Mul', [plusOne], undefined, '', x);
  node(path, 'Mul', [constant(`${p}/Constant_2_output_0`, 0.5)], undefined, '_1', sum);
}
