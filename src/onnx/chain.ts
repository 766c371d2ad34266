// SPDX-License-Identifier: MIT
// From a decoded ModelProto to a plan: the list of layers a chain of ONNX ops
// becomes. Checks the model (one graph, the ONNX opset, one float input, the
// output asked for), keeps only the nodes that output needs, then walks from
// the input through the op table (ops.ts): each node must take the chain value
// as its one computed input (its other inputs are initializers or Constant
// nodes), and every needed node must be on the chain. The walk only reads;
// nothing is allocated until the plan is complete.

import { SimdgradError } from 'simdgrad';
import { hasGelu } from './build.js';
import { matchErfGelu } from './gelu.js';
import { OPS, SUPPORTED } from './ops.js';
import type { AttrP, ModelP, NodeP, TensorP } from './proto.js';
import { DTYPE, dtypeName, floatValues, intValues, numel, TensorIssue } from './tensors.js';

export type LayerSpec =
  | { kind: 'linear'; inF: number; out: number; weight: Float32Array; bias: Float32Array | null; node: string }
  | { kind: 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'logSoftmax' | 'flatten' }
  | { kind: 'leakyRelu'; alpha: number }
  | { kind: 'prelu'; slope: Float32Array }
  | { kind: 'gelu'; approximate: 'none' | 'tanh' };

const OP = 'importOnnx';

/** The node's name for messages: its name, else its first output. */
export function nodeLabel(n: NodeP): string {
  return `node ${JSON.stringify(n.name || n.outputs[0] || '')} (${n.opType || 'no op type'})`;
}

/** A SimdgradError naming the node and its op type. */
export function fail(n: NodeP, msg: string): never {
  throw new SimdgradError(`${OP}: ${nodeLabel(n)}: ${msg}`);
}

function failModel(msg: string): never {
  throw new SimdgradError(`${OP}: ${msg}`);
}

const MAX_OPSET = 23;
const MIN_OPSET = 7;

/** The walk's state: constants, consumers of each needed value, the shape flowing through. */
export class Chain {
  /** Rank and last-dim features of the chain value (null: unknown). */
  rank: number | null = null;
  feat: number | null = null;
  /** Non-batch dims of the chain value when known (for Flatten/Reshape). */
  private rest: (number | null)[] | null = null;
  /** The batch dim when the input fixes it. */
  batch: number | null = null;

  constructor(
    readonly opset: number,
    private readonly consts: Map<string, TensorP>,
    private readonly badConsts: Map<string, string>,
    private readonly consumers: Map<string, NodeP[]>,
  ) {}

  setInput(dims: (number | string | null)[] | null): void {
    if (!dims) return;
    this.rank = dims.length;
    this.batch = typeof dims[0] === 'number' ? dims[0] : null;
    this.rest = dims.slice(1).map((d) => (typeof d === 'number' ? d : null));
    const last = this.rest.at(-1);
    this.feat = dims.length >= 2 && typeof last === 'number' ? last : null;
  }

  /** Needed consumers of a value. */
  users(v: string): NodeP[] {
    return this.consumers.get(v) ?? [];
  }

  soleConsumer(v: string): NodeP | null {
    const u = this.users(v);
    return u.length === 1 ? u[0] : null;
  }

  isConstant(name: string): boolean {
    return this.consts.has(name);
  }

  /** Attributes by name; an attribute not in `allowed` (or a reference to a function's attribute) is an error. */
  attrs(n: NodeP, allowed: string[]): Record<string, AttrP | undefined> {
    const out: Record<string, AttrP | undefined> = {};
    for (const a of n.attrs) {
      if (!allowed.includes(a.name)) {
        fail(
          n,
          `attribute ${JSON.stringify(a.name)} is not supported (${n.opType} takes ${allowed.length ? allowed.join(', ') : 'no attributes'} here)`,
        );
      }
      if (a.refAttrName) fail(n, `attribute ${a.name} refers to a function attribute, which is not supported`);
      out[a.name] = a;
    }
    return out;
  }

  badAttr(n: NodeP, a: AttrP, want: string): never {
    return fail(n, `attribute ${a.name} must be ${want}`);
  }

  /** Input `i` as a constant (an initializer or a Constant node's value). */
  constant(n: NodeP, i: number, what: string): TensorP {
    const name = n.inputs[i];
    if (name === undefined || name === '') fail(n, `input ${i} (${what}) is missing`);
    const t = this.consts.get(name);
    if (t) return t;
    const bad = this.badConsts.get(name);
    if (bad) fail(n, `input ${i} (${what}) "${name}" ${bad}`);
    return fail(
      n,
      `input ${i} (${what}) "${name}" is computed by the graph; simdgrad imports a chain in which every op has one computed input and takes the rest from initializers`,
    );
  }

  /** A float tensor's values, with the node and input named on any problem. */
  values(n: NodeP, t: TensorP, what: string): Float32Array {
    try {
      return floatValues(t);
    } catch (e) {
      if (e instanceof TensorIssue) fail(n, `${what} "${t.name}" ${e.message}`);
      throw e;
    }
  }

  /** Input `i` as integers (an INT64/INT32/BOOL constant), with the node named on any problem. */
  ints(n: NodeP, i: number, what: string): number[] {
    const t = this.constant(n, i, what);
    try {
      return intValues(t);
    } catch (e) {
      if (e instanceof TensorIssue) fail(n, `${what} "${t.name}" ${e.message}`);
      throw e;
    }
  }

  /** A scalar float constant's value, or null when `name` is not one. */
  scalar(name: string): number | null {
    const t = this.consts.get(name);
    if (!t) return null;
    try {
      const v = floatValues(t);
      return v.length === 1 ? v[0] : null;
    } catch {
      return null;
    }
  }

  /** A bias input broadcast to [out]: shapes [], [1], [out] or [1, out]. */
  bias(n: NodeP, i: number, what: string, out: number): Float32Array {
    const t = this.constant(n, i, what);
    const v = this.values(n, t, what);
    const vec =
      t.dims.length <= 2 && v.length === out && t.dims.at(-1) === out && (t.dims.length === 1 || t.dims[0] === 1);
    if (vec) return v;
    if (v.length === 1 && t.dims.every((d) => d === 1)) return new Float32Array(out).fill(v[0]);
    return fail(
      n,
      `${what} of shape [${t.dims}] is not supported (expected [${out}], [1, ${out}] or a scalar: one bias per output feature)`,
    );
  }

  /** The chain must be 2-D here (Gemm). */
  rank2(n: NodeP): void {
    if (this.rank !== null && this.rank !== 2)
      fail(n, `the input has rank ${this.rank}; Gemm takes a 2-D [batch, features] input`);
  }

  /** The chain must have `k` features here. */
  features(n: NodeP, k: number): void {
    if (this.feat !== null && this.feat !== k) {
      fail(n, `the weights take ${k} input features but the value flowing in has ${this.feat}`);
    }
  }

  setFeatures(k: number, rank: number): void {
    this.feat = k;
    this.rank = rank;
    this.rest = this.rest && rank === this.rest.length + 1 ? [...this.rest.slice(0, -1), k] : [k];
  }

  /** ∏ of the non-batch dims, when known. */
  flatFeatures(): number | null {
    if (!this.rest) return this.rank === 2 ? this.feat : null;
    let p = 1;
    for (const d of this.rest) {
      if (d === null) return null;
      p *= d;
    }
    return p;
  }

  flattened(): void {
    const f = this.flatFeatures();
    this.rank = 2;
    this.feat = f;
    this.rest = [f];
  }

  /**
   * The value the chain continues with: output 0. The chain value must be input 0
   * and the other inputs (up to `maxInputs`) constants, checked by the rule.
   */
  chainOut(n: NodeP, maxInputs = 1): string {
    if (n.inputs.length > maxInputs && n.inputs.slice(maxInputs).some((x) => x !== '')) {
      // Dropout's optional ratio/training_mode are constants and checked by its rule.
      if (n.opType !== 'Dropout') fail(n, `has ${n.inputs.length} inputs, expected at most ${maxInputs}`);
    }
    if (n.outputs.length === 0 || n.outputs[0] === '') fail(n, 'has no output');
    return n.outputs[0];
  }
}

/** A Constant node's value as a tensor, or the reason it cannot be one. */
function constantValue(n: NodeP): TensorP | string {
  if (n.attrs.length !== 1) return 'is a Constant node without exactly one value attribute';
  const a = n.attrs[0];
  const base: TensorP = {
    name: n.outputs[0] ?? '',
    dims: [],
    dataType: DTYPE.FLOAT,
    raw: null,
    floatData: [],
    int32Data: [],
    int64Data: [],
    doubleData: [],
    external: false,
    segment: false,
    strings: 0,
  };
  if (a.name === 'value' && a.t) return { ...a.t, name: base.name };
  if (a.name === 'value_float' && a.f !== null) return { ...base, floatData: [a.f] };
  if (a.name === 'value_floats') return { ...base, dims: [a.floats.length], floatData: a.floats };
  if (a.name === 'value_int' && a.i !== null) return { ...base, dataType: DTYPE.INT64, int64Data: [a.i] };
  if (a.name === 'value_ints') return { ...base, dataType: DTYPE.INT64, dims: [a.ints.length], int64Data: a.ints };
  return `is a Constant node with attribute ${a.name}, which is not supported`;
}

/** Options of importOnnx. */
export interface ImportOptions {
  /** The value to compute: a graph output or any value the graph names (default: the only graph output). */
  output?: string;
}

/** Checks the model and walks its chain; returns the layers in order. */
export function plan(m: ModelP, opts: ImportOptions = {}): LayerSpec[] {
  const g = m.graph;
  if (!g) failModel('the file has no graph (is it an ONNX model?)');
  if (m.functions) failModel(`the model defines ${m.functions} local function(s), which are not supported`);
  if (m.trainingInfo) failModel('the model carries training_info, which is not supported');
  if (g.sparseInitializers) failModel('the graph has sparse initializers, which are not supported');
  const onnx = m.opsets.filter((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (onnx.length !== 1)
    failModel(
      onnx.length ? 'the model imports the ONNX opset twice' : 'the model imports no ONNX opset (opset_import)',
    );
  const opset = onnx[0].version;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    failModel(`opset ${opset} is not supported (simdgrad reads opsets ${MIN_OPSET} to ${MAX_OPSET})`);
  }

  const consts = new Map<string, TensorP>();
  const badConsts = new Map<string, string>();
  for (const t of g.initializers) {
    if (!t.name) failModel('an initializer has no name');
    if (consts.has(t.name)) failModel(`two initializers are named "${t.name}"`);
    consts.set(t.name, t);
  }
  const producer = new Map<string, NodeP>();
  for (const n of g.nodes) {
    for (const o of n.outputs) {
      if (o === '') continue;
      if (producer.has(o) || consts.has(o)) fail(n, `output "${o}" is produced twice in the graph`);
      producer.set(o, n);
    }
    if (n.opType === 'Constant' && (n.domain === '' || n.domain === 'ai.onnx')) {
      const v = constantValue(n);
      if (typeof v === 'string') badConsts.set(n.outputs[0] ?? '', v);
      else consts.set(n.outputs[0] ?? '', v);
    }
  }
  const inputs = g.inputs.filter((v) => !consts.has(v.name));
  if (inputs.length !== 1) {
    failModel(
      inputs.length
        ? `the graph has ${inputs.length} inputs (${inputs.map((v) => v.name).join(', ')}); simdgrad imports a chain with one input`
        : 'the graph has no input',
    );
  }
  const input = inputs[0];
  if (input.kind !== 'tensor' && input.kind !== 'none')
    failModel(`input "${input.name}" is a ${input.kind}, not a tensor`);
  // float16/bfloat16 models (e.g. torch's model.half()) are read into float32 layers and take float32 input
  if (![0, DTYPE.FLOAT, DTYPE.FLOAT16, DTYPE.BFLOAT16].includes(input.elemType)) {
    failModel(
      `input "${input.name}" has element type ${dtypeName(input.elemType)}; simdgrad takes FLOAT (or FLOAT16) input`,
    );
  }
  const names = g.outputs.map((o) => o.name);
  let target = opts.output;
  if (target === undefined) {
    if (names.length !== 1) {
      failModel(
        `the graph has ${names.length} outputs (${names.join(', ')}); pass { output: name } to say which one to import`,
      );
    }
    target = names[0];
  } else if (typeof target !== 'string' || !(producer.has(target) || target === input.name)) {
    failModel(`output ${JSON.stringify(target)} is not a value of the graph (its outputs: ${names.join(', ')})`);
  }

  // The nodes the target needs (backwards over producers, constants excluded).
  const needed = new Set<NodeP>();
  const stack = [target];
  while (stack.length) {
    const v = stack.pop()!;
    if (consts.has(v)) continue;
    const n = producer.get(v);
    if (!n || needed.has(n)) continue;
    needed.add(n);
    for (const i of n.inputs) if (i !== '') stack.push(i);
  }
  const consumers = new Map<string, NodeP[]>();
  for (const n of g.nodes) {
    if (!needed.has(n)) continue;
    for (const i of new Set(n.inputs)) {
      if (i === '' || consts.has(i)) continue;
      if (!producer.has(i) && i !== input.name) {
        fail(n, `input "${i}" is neither the graph input, an initializer nor the output of a node`);
      }
      const list = consumers.get(i);
      if (list) list.push(n);
      else consumers.set(i, [n]);
    }
  }

  const c = new Chain(opset, consts, badConsts, consumers);
  c.setInput(input.dims);
  const layers: LayerSpec[] = [];
  const visited = new Set<NodeP>();
  let v = input.name;
  while (v !== target) {
    const users = c.users(v);
    if (users.length === 0)
      failModel(`output "${target}" does not depend on the input "${input.name}" through a chain of ops`);
    let step: { layer: LayerSpec | null; out: string; nodes: NodeP[] };
    const gelu = users.length === 2 ? matchErfGelu(users, v, c) : null;
    if (gelu) {
      if (!hasGelu())
        fail(gelu.nodes[0], 'starts the erf form of GELU, which needs nn.GELU, not in this build of simdgrad');
      step = { layer: { kind: 'gelu', approximate: 'none' }, out: gelu.out, nodes: gelu.nodes };
    } else if (users.length !== 1) {
      failModel(
        `value "${v}" feeds ${users.length} nodes (${users.map(nodeLabel).join(', ')}); simdgrad imports a single chain of ops, not a branching graph`,
      );
    } else {
      const n = users[0];
      if (n.domain !== '' && n.domain !== 'ai.onnx')
        fail(n, `op domain "${n.domain}" is not supported (only the ONNX domain)`);
      const rule = Object.hasOwn(OPS, n.opType) ? OPS[n.opType] : undefined;
      if (!rule) fail(n, `op ${n.opType} is not supported; simdgrad imports chains of ${SUPPORTED}`);
      if (n.inputs[0] !== v) fail(n, `the chain value "${v}" must be its first input`);
      const r = rule(n, c);
      step = { layer: r.layer, out: r.out, nodes: [n, ...(r.absorbed ?? [])] };
    }
    for (const n of step.nodes) {
      if (visited.has(n)) fail(n, 'is reached twice: the graph has a cycle');
      visited.add(n);
    }
    if (step.layer) layers.push(step.layer);
    v = step.out;
  }
  for (const n of needed) {
    if (!visited.has(n) && !(n.opType === 'Constant' && consts.has(n.outputs[0] ?? ''))) {
      fail(n, `is off the chain from "${input.name}" to "${target}"; simdgrad imports a single chain of ops`);
    }
  }
  for (const t of consts.values()) numelOrFail(t);
  return layers;
}

function numelOrFail(t: TensorP): void {
  try {
    numel(t);
  } catch (e) {
    if (e instanceof TensorIssue) failModel(`initializer "${t.name}" ${e.message}`);
    throw e;
  }
}
