// SPDX-License-Identifier: MIT
// The fused linear ops of the training hot path: act(x·wᵀ + b) for 'none' and
// every row of the activation table, each ONE tape node and one kernel call
// each way (assembly/linear.ts). Shapes are checked before anything is
// allocated. nn.Linear and Sequential build on `linear`.

import { engine, wsFor } from '../engine/load.js';
import { describe, fail, fmt } from '../errors.js';
import { empty, Tensor } from '../tensor.js';
import { type ActivationName, type ActivationRow, activationNames, activations } from './activations.js';
import { packedWeight } from './packed.js';
import { defineOp, type Op, type Saved } from './registry.js';

/** A fused Linear's epilogue: 'none' or a row of the activation table (src/ops/activations.ts). */
export type Activation = 'none' | ActivationName;

export interface LinearAttrs {
  bias: boolean;
  /** The kernel code of the epilogue (assembly/activations.ts `Act`; 0: none). */
  code: number;
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

/** W packed for a forward outside a recording (src/ops/packed.ts), else 0. */
function packedFor(w: Tensor, M: number, N: number, K: number, recording: boolean): number {
  return M > 0 && !recording ? packedWeight(w, N, K) : 0;
}

/**
 * dW and db go straight into the weight's and bias's .grad when the tape offers
 * them (s.into: 'write'-mode leaves), else into fresh tensors; the kernel
 * overwrites either way (accDw = 0), so the bits are those of the copy it saves.
 */
function gradOut(s: Saved<LinearAttrs>, i: number, shape: readonly number[]): Tensor {
  return s.into[i] ?? empty(shape, 'linear');
}

/** What the fused op of one activation (or none) needs to know about it. */
interface Epilogue {
  name: string;
  /** Its backward reads Z = x·wᵀ + b (saved as an extra) instead of the output. */
  savesZ: boolean;
  /** Takes α as input 3 (input 2 is the bias, or a placeholder when there is none). */
  alpha: boolean;
}

/**
 * The fused act(x·wᵀ + b) op of one epilogue: ONE tape node, one linear_fwd call
 * forward (or linear_packed_fwd on a packed W) and one linear_bwd call back.
 * inputs [x, w] or [x, w, b]; with α always [x, w, b | placeholder, α].
 */
function makeLinear(ep: Epilogue): Op<LinearAttrs> {
  const { savesZ, alpha: hasAlpha } = ep;
  return defineOp<LinearAttrs>({
    name: ep.name,
    save: { inputs: hasAlpha ? [0, 1, 3] : [0, 1], output: !savesZ && ep.name !== 'linear' },
    forward: (ins, attrs, ctx) => {
      const [x, w] = ins;
      const b = attrs.bias ? ins[2] : null;
      const alpha = hasAlpha ? ins[3] : null;
      const { M, N, K } = linearShapes('linear', x, w, b, alpha);
      const wp = packedFor(w, M, N, K, ctx.recording);
      const shape = outShape(x, N);
      const y = empty(shape, 'linear');
      let z: Tensor | null = null;
      if (savesZ) {
        try {
          z = empty(shape, 'linear');
        } catch (err) {
          y.dispose();
          throw err;
        }
      }
      const e = engine();
      const bp = b?.ptr ?? 0;
      const ap = alpha?.ptr ?? 0;
      const zp = z?.ptr ?? 0;
      const an = alpha?.size ?? 1;
      if (wp !== 0) e.k.linear_packed_fwd(x.ptr, wp, bp, ap, zp, y.ptr, M, N, K, attrs.code, an, wsFor(e, M));
      else e.k.linear_fwd(x.ptr, w.ptr, bp, ap, zp, y.ptr, M, N, K, attrs.code, an, wsFor(e, M));
      if (z) ctx.save(z);
      return y;
    },
    backward: (dy, s) => {
      const [x, w] = s.inputs;
      const alpha = hasAlpha ? s.inputs[3] : null;
      const [N, K] = w.shape;
      const M = rows(x);
      const dx = s.needs[0] ? empty(x.shape, 'linear') : null;
      const dw = gradOut(s, 1, w.shape);
      const db = s.attrs.bias ? gradOut(s, 2, [N]) : null;
      const da = alpha ? empty(alpha.shape, 'linear') : null;
      const dz = s.attrs.code !== 0 ? empty(dy.shape, 'linear') : null;
      const e = engine();
      e.k.linear_bwd(
        x.ptr,
        w.ptr,
        savesZ || s.attrs.code === 0 ? 0 : s.output.ptr,
        savesZ ? s.extra[0].ptr : 0,
        alpha?.ptr ?? 0,
        dy.ptr,
        dz?.ptr ?? 0,
        dx?.ptr ?? 0,
        dw.ptr,
        db?.ptr ?? 0,
        da?.ptr ?? 0,
        M,
        N,
        K,
        s.attrs.code,
        alpha?.size ?? 1,
        0,
        e.gemmWs,
      );
      dz?.dispose();
      return hasAlpha ? [dx, dw, db, da] : [dx, dw, db];
    },
  });
}

const capital = (n: string) => n[0].toUpperCase() + n.slice(1);
type FusedName = 'linear' | `linear${Capitalize<ActivationName>}`;

/** The fused linear ops for the op table (src/ops/table.ts): `linear` and one `linear<Act>` per activation. */
export const fusedLinearOps = Object.fromEntries([
  ['linear', makeLinear({ name: 'linear', savesZ: false, alpha: false })],
  ...activationNames.map((n) => {
    const row = activations[n];
    return [
      `linear${capital(n)}`,
      makeLinear({ name: `linear_${n}`, savesZ: row.saves === 'input', alpha: row.alpha }),
    ];
  }),
]) as { [K in FusedName]: Op<LinearAttrs> };

const opOf = (act: ActivationName) => fusedLinearOps[`linear${capital(act)}` as FusedName];

/**
 * act(x·wᵀ + b) as one fused node: x [..., in], w [out, in] (PyTorch layout),
 * b [out] or null, α [1 | out] for 'prelu', `options` those of the activation
 * (gelu's `{ approximate }`).
 */
export function linear(
  x: Tensor,
  w: Tensor,
  b: Tensor | null = null,
  act: Activation = 'none',
  alpha: Tensor | null = null,
  options?: object,
): Tensor {
  isTensorArg('input', x);
  isTensorArg('weight', w);
  isTensorArg('bias', b);
  isTensorArg('alpha', alpha);
  const op = 'linear';
  const bias = b !== null;
  if (act === 'none') return fusedLinearOps.linear(bias ? [x, w, b] : [x, w], bias ? WITH_BIAS : NO_BIAS);
  if (typeof act !== 'string' || !Object.hasOwn(activations, act)) fail(op, `unknown activation ${describe(act)}`);
  const row: ActivationRow<unknown[], unknown> = activations[act];
  const attrs = { bias, code: row.code(options) };
  if (row.alpha) {
    if (!alpha) fail(op, `activation '${act}' needs an alpha tensor`);
    return opOf(act)([x, w, b ?? w, alpha], attrs);
  }
  return opOf(act)(bias ? [x, w, b] : [x, w], attrs);
}

// Shared attrs of the plain linear (never mutated: ops and the tape only read them).
const WITH_BIAS: LinearAttrs = Object.freeze({ bias: true, code: 0 });
const NO_BIAS: LinearAttrs = Object.freeze({ bias: false, code: 0 });

function isTensorArg(name: string, t: unknown): void {
  if (t !== null && !(t instanceof Tensor)) fail('linear', `${name} must be a Tensor, got ${describe(t)}`);
}
