// SPDX-License-Identifier: MIT
// The ONNX ops importOnnx reads: ONE table, op type → rule. A rule checks the
// node (attributes, constant inputs, the shape flowing in) and returns the layer
// it becomes (or none, for Identity/Dropout/Cast), the value the chain continues
// with and any following node it absorbed (MatMul takes the Add of its bias).
// Rules only read and check; modules are built afterwards (build.ts), so a file
// that fails anywhere leaves nothing allocated.

import { hasGelu } from './build.js';
import { type Chain, fail, type LayerSpec } from './chain.js';
import type { AttrP, NodeP } from './proto.js';

export interface RuleResult {
  layer: LayerSpec | null;
  /** The value the chain continues with. */
  out: string;
  /** Nodes absorbed besides `node` itself. */
  absorbed?: NodeP[];
}

export type Rule = (node: NodeP, c: Chain) => RuleResult;

/** The ops of the table, in the order error messages list them. */
export const SUPPORTED =
  'Gemm, MatMul (+ Add bias), Relu, LeakyRelu, PRelu, Sigmoid, Tanh, Gelu (and the Div/Erf/Add/Mul pattern), Softmax, LogSoftmax, Flatten, Reshape to [N, -1], Identity, Dropout, Cast to float';

const act =
  (name: 'relu' | 'sigmoid' | 'tanh'): Rule =>
  (n, c) => {
    c.attrs(n, []);
    return { layer: { kind: name }, out: c.chainOut(n) };
  };

const skip: Rule = (n, c) => ({ layer: null, out: c.chainOut(n) });

export const OPS: Record<string, Rule> = {
  Gemm: gemm,
  MatMul: matmul,
  Relu: act('relu'),
  Sigmoid: act('sigmoid'),
  Tanh: act('tanh'),
  LeakyRelu: (n, c) => {
    const a = c.attrs(n, ['alpha']);
    return { layer: { kind: 'leakyRelu', alpha: floatAttr(n, c, a.alpha, 0.01) }, out: c.chainOut(n) };
  },
  PRelu: prelu,
  Gelu: (n, c) => ({ layer: { kind: 'gelu', approximate: geluForm(n, c) }, out: c.chainOut(n) }),
  Softmax: (n, c) => ({ layer: { kind: 'softmax' }, out: lastAxis(n, c) }),
  LogSoftmax: (n, c) => ({ layer: { kind: 'logSoftmax' }, out: lastAxis(n, c) }),
  Flatten: flatten,
  Reshape: reshape,
  Identity: (n, c) => {
    c.attrs(n, []);
    return skip(n, c);
  },
  Dropout: (n, c) => {
    c.attrs(n, ['seed', 'ratio', 'is_test']);
    if (n.inputs.length > 2 && n.inputs[2] !== '') {
      const mode = c.ints(n, 2, 'training_mode');
      if (mode.some((v) => v !== 0))
        fail(n, 'training_mode = true is not supported (dropout is imported as the identity)');
    }
    return skip(n, c);
  },
  Cast: (n, c) => {
    const a = c.attrs(n, ['to', 'saturate']);
    if (a.to?.i !== 1)
      fail(
        n,
        `attribute to = ${a.to?.i} is not supported (only a cast to FLOAT, 1, which is the identity on float32 input)`,
      );
    return skip(n, c);
  },
};

function floatAttr(n: NodeP, c: Chain, a: AttrP | undefined, dflt: number): number {
  if (!a) return dflt;
  if (a.f === null || !Number.isFinite(a.f)) c.badAttr(n, a, 'a finite float');
  return a.f!;
}

function intAttr(n: NodeP, c: Chain, a: AttrP | undefined, dflt: number): number {
  if (!a) return dflt;
  if (a.i === null) c.badAttr(n, a, 'an integer');
  return a.i!;
}

function geluForm(n: NodeP, c: Chain): 'none' | 'tanh' {
  if (!hasGelu()) fail(n, 'needs nn.GELU, which this build of simdgrad does not have');
  const a = c.attrs(n, ['approximate']).approximate;
  if (!a) return 'none';
  const s = a.s ? new TextDecoder().decode(a.s) : '';
  if (s !== 'none' && s !== 'tanh')
    fail(n, `attribute approximate = ${JSON.stringify(s)} is not supported (expected "none" or "tanh")`);
  return s;
}

/** Gemm: Y = alpha·A·op(B) + beta·C with A the chain, B (and C) initializers; op(B) = Bᵀ when transB = 1. */
function gemm(n: NodeP, c: Chain): RuleResult {
  const a = c.attrs(n, ['alpha', 'beta', 'transA', 'transB']);
  const alpha = floatAttr(n, c, a.alpha, 1);
  const beta = floatAttr(n, c, a.beta, 1);
  if (intAttr(n, c, a.transA, 0) !== 0)
    fail(n, 'attribute transA = 1 is not supported (simdgrad reads Gemm with transA = 0: the input is A, not Aᵀ)');
  const transB = intAttr(n, c, a.transB, 0);
  if (transB !== 0 && transB !== 1) fail(n, `attribute transB = ${transB} is not supported (expected 0 or 1)`);
  c.rank2(n);
  const bT = c.constant(n, 1, 'B');
  if (bT.dims.length !== 2) fail(n, `B must be a 2-D initializer, got shape [${bT.dims}]`);
  const [out, inF] = transB ? bT.dims : [bT.dims[1], bT.dims[0]];
  c.features(n, inF);
  const b = c.values(n, bT, 'B');
  const weight = transB ? b : transpose(b, bT.dims[0], bT.dims[1]);
  if (alpha !== 1) for (let i = 0; i < weight.length; i++) weight[i] = Math.fround(alpha * weight[i]);
  let bias: Float32Array | null = null;
  if (n.inputs.length > 2 && n.inputs[2] !== '' && beta !== 0) {
    bias = c.bias(n, 2, 'C', out);
    if (beta !== 1) for (let i = 0; i < out; i++) bias[i] = Math.fround(beta * bias[i]);
  } else if (n.inputs.length > 2 && n.inputs[2] !== '') c.constant(n, 2, 'C');
  c.setFeatures(out, 2);
  return { layer: { kind: 'linear', inF, out, weight, bias, node: n.name }, out: c.chainOut(n, 3) };
}

/** MatMul(A, B) with B a [K, N] initializer, and the Add of a bias right after it if there is one. */
function matmul(n: NodeP, c: Chain): RuleResult {
  c.attrs(n, []);
  if (c.rank !== null && c.rank < 2)
    fail(n, `the input has rank ${c.rank}; simdgrad reads MatMul of a [batch, features] input`);
  const bT = c.constant(n, 1, 'B');
  if (bT.dims.length !== 2) fail(n, `B must be a 2-D initializer [in, out], got shape [${bT.dims}]`);
  const [inF, out] = bT.dims;
  c.features(n, inF);
  const weight = transpose(c.values(n, bT, 'B'), inF, out);
  let result = c.chainOut(n, 2);
  let bias: Float32Array | null = null;
  const absorbed: NodeP[] = [];
  const next = c.soleConsumer(result);
  if (next && next.opType === 'Add' && (next.domain === '' || next.domain === 'ai.onnx')) {
    c.attrs(next, ['broadcast', 'axis']);
    const other = next.inputs[0] === result ? 1 : 0;
    if (next.inputs.length === 2 && next.inputs[1 - other] === result && c.isConstant(next.inputs[other])) {
      bias = c.bias(next, other, 'bias', out);
      absorbed.push(next);
      result = next.outputs[0];
    }
  }
  c.setFeatures(out, c.rank ?? 2);
  return { layer: { kind: 'linear', inF, out, weight, bias, node: n.name }, out: result, absorbed };
}

function prelu(n: NodeP, c: Chain): RuleResult {
  c.attrs(n, []);
  const t = c.constant(n, 1, 'slope');
  const slope = c.values(n, t, 'slope');
  const f = c.feat;
  const ok =
    slope.length === 1
      ? t.dims.every((d) => d === 1)
      : (f === null || slope.length === f) &&
        t.dims.filter((d) => d !== 1).length === 1 &&
        t.dims.at(-1) === slope.length;
  if (slope.length > 1 && c.rank !== null && c.rank !== 2) {
    fail(n, `one slope per feature needs a 2-D [batch, features] input, got rank ${c.rank}`);
  }
  if (!ok || slope.length === 0) {
    fail(
      n,
      `slope of shape [${t.dims}] is not supported for an input with ${f ?? 'unknown'} features (expected one slope, or one per feature on the last axis)`,
    );
  }
  return { layer: { kind: 'prelu', slope }, out: c.chainOut(n, 2) };
}

function lastAxis(n: NodeP, c: Chain): string {
  const a = c.attrs(n, ['axis']);
  const rank = c.rank ?? 2;
  const axis = intAttr(n, c, a.axis, c.opset >= 13 ? -1 : 1);
  if (axis !== rank - 1 && axis !== -1) {
    fail(
      n,
      `attribute axis = ${axis} is not supported for a rank-${rank} input (simdgrad reads ${n.opType} over the last axis)`,
    );
  }
  return c.chainOut(n);
}

function flatten(n: NodeP, c: Chain): RuleResult {
  const a = c.attrs(n, ['axis']);
  const axis = intAttr(n, c, a.axis, 1);
  const rank = c.rank;
  if (axis !== 1 && !(rank !== null && rank >= 2 && axis === 1 - rank)) {
    fail(n, `attribute axis = ${axis} is not supported (simdgrad reads Flatten with axis = 1: [N, …] → [N, ∏…])`);
  }
  c.flattened();
  return { layer: { kind: 'flatten' }, out: c.chainOut(n) };
}

function reshape(n: NodeP, c: Chain): RuleResult {
  const a = c.attrs(n, ['allowzero']);
  const allowZero = intAttr(n, c, a.allowzero, 0) === 1;
  const shape = c.ints(n, 1, 'shape');
  const f = c.flatFeatures();
  const ok =
    shape.length === 2 &&
    ((shape[0] === 0 && !allowZero && shape[1] === -1) ||
      (shape[0] === -1 && (f === null ? shape[1] > 0 : shape[1] === f)) ||
      (shape[0] > 0 && shape[0] === c.batch && shape[1] === -1));
  if (!ok) {
    fail(
      n,
      `a Reshape to [${shape}] is not supported (simdgrad reads Reshape to [N, -1]: shape [0, -1], or [-1, ${f ?? 'features'}])`,
    );
  }
  c.flattened();
  return { layer: { kind: 'flatten' }, out: c.chainOut(n, 2) };
}

/** [rows, cols] row-major → [cols, rows]. */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = x[i * cols + j];
  return out;
}
