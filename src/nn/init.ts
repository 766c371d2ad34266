// SPDX-License-Identifier: MIT
// nn.init: in-place initialisers with PyTorch's formulas (torch/nn/init.py),
// drawn by the seeded wasm generator (assembly/rng.ts), so a seed gives the
// same bits on every runtime. Unseeded calls draw their seed from the counter
// that `sg.seed(s)` resets. Each returns the tensor it filled.

import { checkNumber } from '../creation.js';
import { engine } from '../engine/load.js';
import { describe, fail, fmt } from '../errors.js';
import { nextSeed } from '../random.js';
import { Tensor } from '../tensor.js';
import { beforeWrite } from '../view.js';

/** The nonlinearities calculateGain knows (PyTorch's names, plus camelCase `leakyRelu`). */
export type Nonlinearity =
  | 'linear'
  | 'identity'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'leaky_relu'
  | 'selu';

/** Which fan the Kaiming formulas divide by: inputs (`'fanIn'`) or outputs (`'fanOut'`). */
export type FanMode = 'fanIn' | 'fanOut';

/** Options every `nn.init` function takes. */
export interface InitOptions {
  /** Seed of the draw (an integer); default: the next value of the engine's seed counter. */
  seed?: number;
}

/** The tensor to fill, with a block of its own (a view such as `x.T` takes its values first). */
function target(op: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) fail(op, `expected a tensor, got ${describe(t)}`);
  return t.check(op).realize();
}

function opts<T extends object>(op: string, o: T | undefined): Partial<T> {
  if (o === undefined) return {};
  if (o === null || typeof o !== 'object') fail(op, `options must be an object, got ${describe(o)}`);
  return o;
}

/** Marks t as written in place (lazy transposes read first, tapes see the new version). */
function written(t: Tensor): Tensor {
  t.version++;
  return t;
}

function fillUniform(op: string, t: Tensor, low: number, high: number, seed: number | undefined): Tensor {
  const [lo, hi] = nextSeed(op, seed);
  beforeWrite(t);
  if (t.size) engine().k.rand_fill(t.ptr, t.size, lo, hi, low, high);
  return written(t);
}

function fillNormal(op: string, t: Tensor, mean: number, std: number, seed: number | undefined): Tensor {
  const [lo, hi] = nextSeed(op, seed);
  beforeWrite(t);
  if (t.size) engine().k.randn_fill(t.ptr, t.size, lo, hi, mean, std);
  return written(t);
}

/** Fills t with U(low, high) in place. */
export function uniform(t: Tensor, options?: InitOptions & { low?: number; high?: number }): Tensor {
  const op = 'nn.init.uniform';
  const x = target(op, t);
  const o = opts(op, options);
  const low = checkNumber(op, 'low', o.low ?? 0);
  const high = checkNumber(op, 'high', o.high ?? 1);
  if (!(low <= high)) fail(op, `low (${low}) must not exceed high (${high})`);
  return fillUniform(op, x, low, high, o.seed);
}

/** Fills t with N(mean, std²) in place. */
export function normal(t: Tensor, options?: InitOptions & { mean?: number; std?: number }): Tensor {
  const op = 'nn.init.normal';
  const x = target(op, t);
  const o = opts(op, options);
  const mean = checkNumber(op, 'mean', o.mean ?? 0);
  const std = checkNumber(op, 'std', o.std ?? 1);
  if (!(std >= 0)) fail(op, `std must be non-negative, got ${std}`);
  return fillNormal(op, x, mean, std, o.seed);
}

/** Fills t with the value v in place. */
export function constant(t: Tensor, v: number): Tensor {
  const op = 'nn.init.constant';
  const x = target(op, t);
  const val = checkNumber(op, 'value', v);
  beforeWrite(x);
  if (x.size) engine().heap.f32.fill(val, x.ptr >>> 2, (x.ptr >>> 2) + x.size);
  return written(x);
}

/** Fills t with zeros in place. */
export function zeros(t: Tensor): Tensor {
  return constant(t, 0);
}

/** Fills t with ones in place. */
export function ones(t: Tensor): Tensor {
  return constant(t, 1);
}

/**
 * PyTorch's recommended gain for a nonlinearity: 1 for linear/identity/conv/sigmoid,
 * 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky relu (slope `param`,
 * default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  const op = 'nn.init.calculateGain';
  switch (nonlinearity) {
    case 'linear':
    case 'identity':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
    case 'leaky_relu': {
      const slope = param === undefined ? 0.01 : checkNumber(op, 'param (negative slope)', param);
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      return fail(
        op,
        `unsupported nonlinearity ${describe(nonlinearity)} (expected linear, identity, conv1d, conv2d, conv3d, sigmoid, tanh, relu, leakyRelu or selu)`,
      );
  }
}

/** PyTorch's _calculate_fan_in_and_fan_out: [out, in, ...receptive]. */
function fans(op: string, t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) fail(op, `fan in and fan out need a tensor with at least 2 dimensions, got ${fmt(t.shape)}`);
  let receptive = 1;
  for (let i = 2; i < t.ndim; i++) receptive *= t.shape[i];
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive };
}

function gainOf(op: string, g: unknown): number {
  return checkNumber(op, 'gain', g ?? 1);
}

/** Glorot uniform: U(−a, a), a = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform(t: Tensor, options?: InitOptions & { gain?: number }): Tensor {
  const op = 'nn.init.xavierUniform';
  const x = target(op, t);
  const o = opts(op, options);
  const { fanIn, fanOut } = fans(op, x);
  const std = gainOf(op, o.gain) * Math.sqrt(2 / (fanIn + fanOut));
  const a = Math.sqrt(3) * std;
  return fillUniform(op, x, -a, a, o.seed);
}

/** Glorot normal: N(0, std²), std = gain·√(2 / (fanIn + fanOut)). */
export function xavierNormal(t: Tensor, options?: InitOptions & { gain?: number }): Tensor {
  const op = 'nn.init.xavierNormal';
  const x = target(op, t);
  const o = opts(op, options);
  const { fanIn, fanOut } = fans(op, x);
  return fillNormal(op, x, 0, gainOf(op, o.gain) * Math.sqrt(2 / (fanIn + fanOut)), o.seed);
}

/** Options of {@link kaimingUniform} and {@link kaimingNormal}. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky relu after this layer (default 0). */
  a?: number;
  /** 'fanIn' (default) keeps the forward variance, 'fanOut' the backward one. */
  mode?: FanMode;
  /** Default 'leakyRelu' (with slope `a`), as PyTorch's. */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, x: Tensor, o: Partial<KaimingOptions>): number {
  const mode = o.mode ?? 'fanIn';
  if (mode !== 'fanIn' && mode !== 'fanOut') fail(op, `mode must be 'fanIn' or 'fanOut', got ${describe(mode)}`);
  const a = checkNumber(op, 'a', o.a ?? 0);
  const f = fans(op, x);
  const fan = mode === 'fanIn' ? f.fanIn : f.fanOut;
  if (fan === 0) fail(op, `cannot initialise a tensor of shape ${fmt(x.shape)}: its ${mode} is 0`);
  return calculateGain(o.nonlinearity ?? 'leakyRelu', a) / Math.sqrt(fan);
}

/** He uniform: U(−b, b), b = gain·√(3 / fan), gain = calculateGain(nonlinearity, a). */
export function kaimingUniform(t: Tensor, options?: KaimingOptions): Tensor {
  const op = 'nn.init.kaimingUniform';
  const x = target(op, t);
  const o = opts(op, options);
  const bound = Math.sqrt(3) * kaimingStd(op, x, o);
  return fillUniform(op, x, -bound, bound, o.seed);
}

/** He normal: N(0, std²), std = gain / √fan. */
export function kaimingNormal(t: Tensor, options?: KaimingOptions): Tensor {
  const op = 'nn.init.kaimingNormal';
  const x = target(op, t);
  const o = opts(op, options);
  return fillNormal(op, x, 0, kaimingStd(op, x, o), o.seed);
}
