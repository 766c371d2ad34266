// SPDX-License-Identifier: MIT
// THE activation table: one row per activation; everything else is derived from
// it — the elementwise op (`sg.relu(x)`, `x.relu()`, and its row in the op table),
// the fused Linear op and its kernel code (src/ops/linear.ts), the nn Module
// class (src/nn/activations.ts), the choices of nn.MLP and of the CLI, and the
// generated opinfo suites (test/opinfo/activations.ts).
// A row's `code` is the kernel code of assembly/activations.ts `Act` (act_fwd /
// act_bwd, linear_fwd / linear_bwd take it). relu′(0) = 0 and prelu ∂x at 0 is α
// (the left-hand derivative, as the book chooses).

import { engine } from '../engine/load.js';
import { describe, fail, fmt } from '../errors.js';
import { empty, Tensor } from '../tensor.js';
import { asTensor, defineOp, method, type Op, type TensorOrScalar } from './registry.js';

/** One activation: what the rest of the engine derives from it. */
// NOTE: fn and code are method signatures (bivariant parameters), so any row is
// an ActivationRow<unknown[], unknown> where code handles rows generically.
export interface ActivationRow<Rest extends unknown[], Opts> {
  /** The elementwise op: `sg.<name>(x, …rest)` and `x.<name>(…rest)`. */
  fn(x: TensorOrScalar, ...rest: Rest): Tensor;
  /** Its op-table entry (recorded on the tape). */
  readonly op: Op<never>;
  /** The kernel code (assembly/activations.ts `Act`) for these options; throws on bad options. */
  code(options?: Opts): number;
  /** What its backward reads: the input (a fused Linear then saves Z = x·wᵀ + b) or the output. */
  readonly saves: 'input' | 'output';
  /** The fused Linear takes a learnable α tensor (prelu). */
  readonly alpha: boolean;
  /** The name of its nn Module class. */
  readonly module: string;
  /** Offered by nn.MLP's `activation` option. */
  readonly mlp: boolean;
  /** Offered by the CLI's `--activation`. */
  readonly cli: boolean;
}

/** An elementwise activation on act_fwd/act_bwd: attrs is the kernel code. */
function actOp(name: string, saves: 'input' | 'output'): Op<number> {
  const fromInput = saves === 'input';
  return defineOp<number>({
    name,
    save: { inputs: fromInput ? [0] : [], output: !fromInput },
    forward: ([x], code) => {
      const y = empty(x.shape, name);
      if (y.size) engine().k.act_fwd(x.ptr, y.ptr, y.size, code);
      return y;
    },
    backward: (dy, { inputs: [x], output: y, attrs: code }) => {
      const dx = empty(dy.shape, name);
      // the operand the backward does not read may already be freed: pass 0
      if (dx.size) engine().k.act_bwd(fromInput ? x.ptr : 0, fromInput ? 0 : y.ptr, dy.ptr, dx.ptr, dx.size, code);
      return [dx];
    },
  });
}

/** A row offered everywhere (nn.MLP, the CLI), with its class name as a literal type. */
type Offered<R, M extends string> = R & { readonly module: M; readonly mlp: true; readonly cli: true };

/** A row without options whose fused and elementwise forms share one constant kernel code. */
function simple<M extends string>(
  name: string,
  code: number,
  saves: 'input' | 'output',
  module: M,
): Offered<ActivationRow<[], undefined> & { readonly alpha: false }, M> {
  const op = actOp(name, saves);
  return {
    fn: (x) => op([x], code),
    op: op as Op<never>,
    code: (options) => {
      noOptions(name, options);
      return code;
    },
    saves,
    alpha: false,
    module,
    mlp: true,
    cli: true,
  };
}

// ---- prelu: α broadcast over the channel axis (its own kernel pair) ----

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
    // prelu_bwd overwrites dalpha, also with zeros when x is empty
    engine().k.prelu_bwd(x.ptr, alpha.ptr, dy.ptr, dx.ptr, da.ptr, dx.size, channels, inner);
    if (!needs[0]) dx.dispose();
    if (!needs[1]) da.dispose();
    return [needs[0] ? dx : null, needs[1] ? da : null];
  },
});

function preluFn(x: TensorOrScalar, alpha: TensorOrScalar): Tensor {
  if (x instanceof Tensor && alpha instanceof Tensor) preluLayout(x.check('prelu'), asTensor('prelu', alpha));
  return preluOp([x, alpha], undefined);
}

/** Options of an activation that takes none: undefined or an object (checked, for a clear error). */
function noOptions(op: string, options: unknown): void {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    fail(op, `options must be an object, got ${describe(options)}`);
  }
}

// ---- gelu: PyTorch's two forms, one op; the form picks the kernel code ----

/** gelu's options: `approximate` 'none' (default) is x·Φ(x); 'tanh' is 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export interface GeluOptions {
  /** 'none' (default): the exact x·Φ(x); 'tanh': PyTorch's tanh approximation. */
  approximate?: 'none' | 'tanh';
}

function geluCode(options?: GeluOptions): number {
  noOptions('gelu', options);
  const a = options?.approximate ?? 'none';
  if (a === 'none') return 5;
  if (a === 'tanh') return 6;
  return fail('gelu', `approximate must be 'none' or 'tanh', got ${describe(a)}`);
}

const geluOp = actOp('gelu', 'input');

// ---- the table ----

/**
 * The activation table: one {@link ActivationRow} per activation (its op, kernel code,
 * layer and CLI names); `sg.relu`, `nn.ReLU`, `nn.MLP`'s `activation` and the CLI read it.
 * @hidden
 */
export const activations = {
  relu: simple('relu', 1, 'output', 'ReLU'),
  sigmoid: simple('sigmoid', 2, 'output', 'Sigmoid'),
  tanh: simple('tanh', 3, 'output', 'Tanh'),
  prelu: {
    fn: preluFn,
    op: preluOp as Op<never>,
    code: () => 4,
    saves: 'input',
    alpha: true,
    module: 'PReLU',
    mlp: true,
    cli: true,
  } as const satisfies ActivationRow<[alpha: TensorOrScalar], undefined>,
  gelu: {
    fn: (x: TensorOrScalar, options?: GeluOptions) => geluOp([x], geluCode(options)),
    op: geluOp as Op<never>,
    code: geluCode,
    saves: 'input',
    alpha: false,
    module: 'GELU',
    mlp: true,
    cli: true,
  } as const satisfies ActivationRow<[options?: GeluOptions], GeluOptions>,
} as const;

/** The activation names (keys of the table). */
export type ActivationName = keyof typeof activations;
type Rows = typeof activations;
/** The names nn.MLP's `activation` option accepts. */
export type MLPActivation = { [K in ActivationName]: Rows[K]['mlp'] extends true ? K : never }[ActivationName];
/** The names the CLI's `--activation` accepts. */
export type CLIActivation = { [K in ActivationName]: Rows[K]['cli'] extends true ? K : never }[ActivationName];
/** The options an activation takes (its `code`'s argument). */
export type ActivationOptions<K extends ActivationName> = Parameters<Rows[K]['code']>[0];

/** The table's names, in table order. */
export const activationNames = Object.keys(activations) as ActivationName[];
/** nn.MLP's choices, in table order. */
export const mlpActivations = activationNames.filter((n) => activations[n].mlp) as MLPActivation[];
/** The CLI's `--activation` choices, in table order. */
export const cliActivations = activationNames.filter((n) => activations[n].cli) as CLIActivation[];

// ---- the public functions (sg.relu …) and Tensor methods, from the rows ----
// (src/index.ts re-exports everything this file exports.)

/** max(x, 0); relu(NaN) = NaN, relu(−0) = +0. */
export const relu = activations.relu.fn;
/** 1 / (1 + e^−x). */
export const sigmoid = activations.sigmoid.fn;
/** tanh(x), odd bit for bit. */
export const tanh = activations.tanh.fn;
/** x > 0 ? x : α·x, α a number or a (learnable) tensor: one value, or one per channel (axis 1). */
export const prelu = activations.prelu.fn;
/** x·Φ(x) (Φ the standard normal CDF), or with `{ approximate: 'tanh' }` PyTorch's tanh approximation. */
export const gelu = activations.gelu.fn;

// NOTE: written out (one line per row) rather than mapped from the table's type,
// which would make Tensor's type depend on itself.
declare module '../tensor.js' {
  interface Tensor {
    /** max(x, 0) elementwise (derivative 0 at 0); see {@link relu}. */
    relu(): Tensor;
    /** 1 / (1 + e⁻ˣ) elementwise; see {@link sigmoid}. */
    sigmoid(): Tensor;
    /** The hyperbolic tangent elementwise; see {@link tanh}. */
    tanh(): Tensor;
    /** x for x > 0, α·x otherwise (α a number or a tensor); see {@link prelu}. */
    prelu(alpha: TensorOrScalar): Tensor;
    /** x·Φ(x) elementwise, or PyTorch's tanh approximation with `{ approximate: 'tanh' }`; see {@link gelu}. */
    gelu(options?: GeluOptions): Tensor;
  }
}
for (const n of activationNames) method(n, activations[n].fn as (x: Tensor, ...rest: unknown[]) => Tensor);
