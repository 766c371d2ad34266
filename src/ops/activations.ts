// SPDX-License-Identifier: MIT
// Activations: relu, prelu, sigmoid, tanh over contiguous data, each with its
// kernel backward (assembly/activations.ts). relu/sigmoid/tanh backward read the
// saved OUTPUT; prelu reads x and α. relu′(0) = 0 and prelu ∂x at 0 is α (the
// left-hand derivative, as the book chooses).

import { engine } from '../engine/load.js';
import { fail, fmt } from '../errors.js';
import { empty, Tensor } from '../tensor.js';
import { asTensor, defineOp, method, type TensorOrScalar } from './registry.js';

type UnaryAct = 'relu' | 'sigmoid' | 'tanh';

function actOp(name: UnaryAct) {
  const fwd = `${name}_fwd` as const;
  const bwd = `${name}_bwd` as const;
  return defineOp({
    name,
    save: { inputs: [], output: true },
    forward: ([x]) => {
      const y = empty(x.shape, name);
      if (y.size) engine().k[fwd](x.ptr, y.ptr, y.size);
      return y;
    },
    backward: (dy, { output: y }) => {
      const dx = empty(y.shape, name);
      if (dx.size) engine().k[bwd](y.ptr, dy.ptr, dx.ptr, dx.size);
      return [dx];
    },
  });
}

const reluOp = actOp('relu');
const sigmoidOp = actOp('sigmoid');
const tanhOp = actOp('tanh');

/** max(x, 0); relu(NaN) = NaN, relu(−0) = +0. */
export function relu(x: TensorOrScalar): Tensor {
  return reluOp([x], undefined);
}
/** 1 / (1 + e^−x). */
export function sigmoid(x: TensorOrScalar): Tensor {
  return sigmoidOp([x], undefined);
}
/** tanh(x), odd bit for bit. */
export function tanh(x: TensorOrScalar): Tensor {
  return tanhOp([x], undefined);
}

/**
 * PReLU layout: α is a scalar (size 1), or has one entry per channel where the
 * channel axis is axis 1 of x (PyTorch's nn.PReLU: [N, C, …]; for 1-D x, axis 0).
 */
function preluLayout(x: Tensor, alpha: Tensor): { channels: number; inner: number } {
  if (alpha.size === 1 && alpha.ndim <= 1) return { channels: 1, inner: 1 };
  const cAxis = x.ndim >= 2 ? 1 : 0;
  const c = x.shape[cAxis];
  if (alpha.ndim !== 1 || x.ndim === 0 || alpha.shape[0] !== c) {
    fail(
      'prelu',
      `alpha of shape ${fmt(alpha.shape)} does not fit x of shape ${fmt(x.shape)}: expected a single value or ${x.ndim ? `[${c}] (one per channel, axis ${cAxis})` : 'a single value'}`,
    );
  }
  let inner = 1;
  for (let i = cAxis + 1; i < x.ndim; i++) inner *= x.shape[i];
  return { channels: c, inner };
}

const preluOp = defineOp({
  name: 'prelu',
  save: { inputs: [0, 1], output: false },
  forward: ([x, alpha]) => {
    const { channels, inner } = preluLayout(x, alpha);
    const y = empty(x.shape, 'prelu');
    if (y.size) engine().k.prelu_fwd(x.ptr, alpha.ptr, y.ptr, y.size, channels, inner);
    return y;
  },
  backward: (dy, { inputs: [x, alpha], needs }) => {
    const { channels, inner } = preluLayout(x, alpha);
    const dx = empty(x.shape, 'prelu');
    const da = empty(alpha.shape, 'prelu');
    if (dx.size) engine().k.prelu_bwd(x.ptr, alpha.ptr, dy.ptr, dx.ptr, da.ptr, dx.size, channels, inner);
    else engine().heap.f32.fill(0, da.ptr >>> 2, (da.ptr >>> 2) + da.size);
    if (!needs[0]) dx.dispose();
    if (!needs[1]) da.dispose();
    return [needs[0] ? dx : null, needs[1] ? da : null];
  },
});

/** x > 0 ? x : α·x, α a number or a (learnable) tensor: one value, or one per channel (axis 1). */
export function prelu(x: TensorOrScalar, alpha: TensorOrScalar): Tensor {
  if (x instanceof Tensor && alpha instanceof Tensor) preluLayout(x.check('prelu'), asTensor('prelu', alpha));
  return preluOp([x, alpha], undefined);
}

export const activationOps = { relu: reluOp, sigmoid: sigmoidOp, tanh: tanhOp, prelu: preluOp };

declare module '../tensor.js' {
  interface Tensor {
    relu(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    prelu(alpha: TensorOrScalar): Tensor;
  }
}
method('relu', relu);
method('sigmoid', sigmoid);
method('tanh', tanh);
method('prelu', prelu);
