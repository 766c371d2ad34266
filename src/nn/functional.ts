// SPDX-License-Identifier: MIT
// The fused ops of the training hot path, each ONE tape node and one kernel
// call each way: linear (+ relu/sigmoid/tanh/prelu epilogue) and softmax
// cross-entropy; mseLoss composes generic ops. Shapes are checked before
// anything is allocated.

import { engine } from '../engine/load.js';
import { describe, fail, fmt } from '../errors.js';
import { defineOp, type Op, type Saved } from '../ops/registry.js';
import { empty, Tensor } from '../tensor.js';
import { PACKED_ROWS, packedWeight } from './packed.js';

export type Activation = 'none' | 'relu' | 'sigmoid' | 'tanh' | 'prelu';
type Kern = ReturnType<typeof engine>['k'];

export interface LinearAttrs {
  bias: boolean;
}

/** Validates x [..., K], w [N, K], b [N], α [1 | N]; returns (M, N, K). */
function linearShapes(op: string, x: Tensor, w: Tensor, b: Tensor | null, alpha: Tensor | null) {
  if (w.ndim !== 2) fail(op, `weight must be 2-D [out, in], got ${fmt(w.shape)}`);
  const [N, K] = w.shape;
  if (x.ndim === 0) fail(op, `input must be at least 1-D [..., ${K}], got a 0-D tensor`);
  if (x.shape[x.ndim - 1] !== K) {
    fail(op, `input ${fmt(x.shape)} has ${x.shape[x.ndim - 1]} features but weight ${fmt(w.shape)} expects ${K}`);
  }
  if (b && (b.ndim !== 1 || b.shape[0] !== N)) fail(op, `bias must have shape [${N}], got ${fmt(b.shape)}`);
  if (alpha && (alpha.ndim !== 1 || (alpha.size !== 1 && alpha.size !== N))) {
    fail(op, `prelu alpha must have shape [1] or [${N}], got ${fmt(alpha.shape)}`);
  }
  return { M: rows(x), N, K };
}

/** The rows of x [..., K]: the product of its leading dims (also when N or K is 0). */
function rows(x: Tensor): number {
  let M = 1;
  for (let i = 0; i < x.ndim - 1; i++) M *= x.shape[i];
  return M;
}

/** x's shape with the last dim replaced by N. */
function outShape(x: Tensor, N: number): number[] {
  const s = x.shape.slice();
  s[s.length - 1] = N;
  return s;
}

const KERNELS = {
  none: ['linear_fwd', 'linear_bwd'],
  relu: ['linear_relu_fwd', 'linear_relu_bwd'],
  sigmoid: ['linear_sigmoid_fwd', 'linear_sigmoid_bwd'],
  tanh: ['linear_tanh_fwd', 'linear_tanh_bwd'],
} as const;
/** The activation codes of linear_gemv_fwd. */
const ACT_CODE = { none: 0, relu: 1, sigmoid: 2, tanh: 3, prelu: 4 } as const;

/** W packed for a few-row forward outside a recording (src/nn/packed.ts), else 0. */
function packedFor(w: Tensor, M: number, N: number, K: number, recording: boolean): number {
  return M > 0 && M < PACKED_ROWS && !recording ? packedWeight(w, N, K) : 0;
}

function makeLinear(act: Exclude<Activation, 'prelu'>): Op<LinearAttrs> {
  const [fwd, bwd] = KERNELS[act];
  const code = ACT_CODE[act];
  return defineOp<LinearAttrs>({
    name: act === 'none' ? 'linear' : `linear_${act}`,
    save: { inputs: [0, 1], output: act !== 'none' },
    forward: ([x, w, b], attrs, ctx) => {
      const { M, N, K } = linearShapes('linear', x, w, attrs.bias ? b : null, null);
      const wp = packedFor(w, M, N, K, ctx.recording);
      const y = empty(outShape(x, N), 'linear');
      const e = engine();
      const bp = attrs.bias ? b.ptr : 0;
      if (wp !== 0) e.k.linear_gemv_fwd(x.ptr, wp, bp, 0, 0, y.ptr, M, N, K, code, 1, e.gemmWs);
      else e.k[fwd](x.ptr, w.ptr, bp, y.ptr, M, N, K, e.gemmWs);
      return y;
    },
    backward: (dy, s) => linearBackward(dy, s, (k, p) => k[bwd](...p)),
  });
}

type BwdArgs = [number, number, number, number, number, number, number, number, number, number, number, number, number];

/**
 * dW and db go straight into the weight's and bias's .grad when the tape offers
 * them (s.into: 'write'-mode leaves), else into fresh tensors; the kernel
 * overwrites either way (accDw = 0), so the bits are those of the copy it saves.
 */
function gradOut(s: Saved<LinearAttrs>, i: number, shape: readonly number[]): Tensor {
  return s.into[i] ?? empty(shape, 'linear');
}

/** dX (when needed), dW, db through one linear_<act>_bwd call. */
function linearBackward(dy: Tensor, s: Saved<LinearAttrs>, call: (k: Kern, args: BwdArgs) => void): (Tensor | null)[] {
  const [x, w] = s.inputs;
  const [N, K] = w.shape;
  const M = rows(x);
  const dx = s.needs[0] ? empty(x.shape, 'linear') : null;
  const dw = gradOut(s, 1, w.shape);
  const db = s.attrs.bias ? gradOut(s, 2, [N]) : null;
  const dz = empty(dy.shape, 'linear');
  const e = engine();
  const args: BwdArgs = [
    x.ptr,
    w.ptr,
    s.output.ptr,
    dy.ptr,
    dz.ptr,
    dx?.ptr ?? 0,
    dw.ptr,
    db?.ptr ?? 0,
    M,
    N,
    K,
    0,
    e.gemmWs,
  ];
  call(e.k, args);
  dz.dispose();
  return [dx, dw, db];
}

const linearOps = {
  none: makeLinear('none'),
  relu: makeLinear('relu'),
  sigmoid: makeLinear('sigmoid'),
  tanh: makeLinear('tanh'),
};

export interface PreluAttrs extends LinearAttrs {}

/** inputs [x, w, b, α] (b a placeholder when !bias); saves Z = X·Wᵀ + b as an extra. */
const linearPrelu = defineOp<PreluAttrs>({
  name: 'linear_prelu',
  save: { inputs: [0, 1, 3], output: false },
  forward: ([x, w, b, alpha], attrs, ctx) => {
    const { M, N, K } = linearShapes('linear', x, w, attrs.bias ? b : null, alpha);
    const wp = packedFor(w, M, N, K, ctx.recording);
    const shape = outShape(x, N);
    const y = empty(shape, 'linear');
    let z: Tensor;
    try {
      z = empty(shape, 'linear');
    } catch (err) {
      y.dispose();
      throw err;
    }
    const e = engine();
    const bp = attrs.bias ? b.ptr : 0;
    if (wp !== 0)
      e.k.linear_gemv_fwd(x.ptr, wp, bp, alpha.ptr, z.ptr, y.ptr, M, N, K, ACT_CODE.prelu, alpha.size, e.gemmWs);
    else e.k.linear_prelu_fwd(x.ptr, w.ptr, bp, alpha.ptr, z.ptr, y.ptr, M, N, K, alpha.size, e.gemmWs);
    ctx.save(z);
    return y;
  },
  backward: (dy, s) => {
    const [x, w, , alpha] = s.inputs;
    const z = s.extra[0];
    const [N, K] = w.shape;
    const M = rows(x);
    const dx = s.needs[0] ? empty(x.shape, 'linear') : null;
    const dw = gradOut(s, 1, w.shape);
    const db = s.attrs.bias ? gradOut(s, 2, [N]) : null;
    const da = empty(alpha.shape, 'linear');
    const dz = empty(dy.shape, 'linear');
    const e = engine();
    e.k.linear_prelu_bwd(
      x.ptr,
      w.ptr,
      z.ptr,
      alpha.ptr,
      dy.ptr,
      dz.ptr,
      dx?.ptr ?? 0,
      dw.ptr,
      db?.ptr ?? 0,
      da.ptr,
      M,
      N,
      K,
      alpha.size,
      0,
      e.gemmWs,
    );
    dz.dispose();
    return [dx, dw, db, da];
  },
});

/** The fused linear ops for the op table (src/ops/table.ts). */
export const fusedLinearOps = {
  linear: linearOps.none,
  linearRelu: linearOps.relu,
  linearSigmoid: linearOps.sigmoid,
  linearTanh: linearOps.tanh,
  linearPrelu,
};

/**
 * act(x·wᵀ + b) as one fused node: x [..., in], w [out, in] (PyTorch layout),
 * b [out] or null, α [1 | out] for 'prelu'.
 */
export function linear(
  x: Tensor,
  w: Tensor,
  b: Tensor | null = null,
  act: Activation = 'none',
  alpha: Tensor | null = null,
): Tensor {
  isTensorArg('input', x);
  isTensorArg('weight', w);
  isTensorArg('bias', b);
  isTensorArg('alpha', alpha);
  const op = 'linear';
  const bias = b !== null;
  if (act === 'prelu') {
    if (!alpha) fail(op, "activation 'prelu' needs an alpha tensor");
    return linearPrelu([x, w, b ?? w, alpha], { bias });
  }
  const f = linearOps[act];
  if (!f) fail(op, `unknown activation ${describe(act)}`);
  return f(bias ? [x, w, b] : [x, w], bias ? WITH_BIAS : NO_BIAS);
}

// Shared attrs (never mutated: ops and the tape only read them), so the hot path allocates none.
const WITH_BIAS: LinearAttrs = Object.freeze({ bias: true });
const NO_BIAS: LinearAttrs = Object.freeze({ bias: false });

function isTensorArg(name: string, t: unknown): void {
  if (t !== null && !(t instanceof Tensor)) fail('linear', `${name} must be a Tensor, got ${describe(t)}`);
}
