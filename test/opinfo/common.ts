// Shared types and helpers of the opinfo table (test/opinfo.ts).
import type { Tensor } from 'simdgrad';
import * as sg from 'simdgrad';
import type { Arr } from '../reference/f64.js';
import type { Tol } from '../util/close.js';

// biome-ignore lint/suspicious/noExplicitAny: op arguments are heterogeneous by design
export type Args = any[];

export interface Sample {
  /** shapes of the tensor inputs */
  shapes: number[][];
  /** the non-tensor arguments (axis, shape, indices…) */
  args?: Args;
  /** input domain (default [-2, 2]) */
  lo?: number;
  hi?: number;
}

export interface ErrorInput {
  what: string;
  /** builds its inputs first (returned in `keep` so memory is measured after), then `call` must throw */
  setup: () => Tensor[];
  call: (t: Tensor[]) => unknown;
  re: RegExp;
}

export interface OpInfo {
  samples: Sample[];
  call: (t: Tensor[], args: Args) => Tensor;
  ref: (x: Arr[], args: Args) => Arr;
  /** the f64 VJP formula; null for non-differentiable ops */
  vjp: ((x: Arr[], dy: Arr, args: Args) => (Arr | null)[]) | null;
  /** forward tolerance vs the f64 reference, or per-element absolute bounds */
  tol: Tol | ((x: Arr[], args: Args, ref: Arr) => Float64Array);
  /** f32 backward vs f64 VJP, as ‖g − g_ref‖ / ‖g_ref‖ (0 = bit-exact against the rounded formula) */
  gradTol?: number;
  /** keep samples at least this far from 0 (kinks of relu/abs/prelu) */
  kink?: number;
  /** run the edge-value grid (±inf, NaN, −0, ±1e30, denormals) */
  edges?: boolean;
  errors: ErrorInput[];
}

/** The ops looked up by name in the helpers below (a static table, not dynamic namespace access). */
export const fns = {
  add: sg.add,
  sub: sg.sub,
  mul: sg.mul,
  div: sg.div,
  maximum: sg.maximum,
  minimum: sg.minimum,
  pow: sg.pow,
  neg: sg.neg,
  exp: sg.exp,
  log: sg.log,
  sqrt: sg.sqrt,
  square: sg.square,
  abs: sg.abs,
  sum: sg.sum,
  mean: sg.mean,
  max: sg.max,
  min: sg.min,
  argmax: sg.argmax,
  argmin: sg.argmin,
  softmax: sg.softmax,
  logSoftmax: sg.logSoftmax,
};

export const u = 2 ** -24;
export const gamma = (n: number) => (n * u) / (1 - n * u);
export const ulp = (n: number): Tol => ({ ulp: n });
export const exact: Tol = { exact: true };

export const disposed = (name: string, call: (t: Tensor[]) => unknown): ErrorInput => ({
  what: `${name} on a disposed tensor`,
  setup: () => {
    const t = sg.ones([2, 3]);
    t.dispose();
    return [t];
  },
  call,
  re: /disposed/,
});

export const notTensor = (name: string, call: (x: unknown) => unknown): ErrorInput => ({
  what: `${name} of a string`,
  setup: () => [],
  call: () => call('abc'),
  re: new RegExp(`${name}: expected a tensor`),
});

export const sigm = (x: number) => 1 / (1 + Math.exp(-x));
export const act: Tol = { rtol: 3 * 2 ** -23, atol: 2 ** -126 };
