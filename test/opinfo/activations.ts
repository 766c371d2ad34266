// opinfo rows of the activation table (src/ops/activations.ts): ONE row per
// activation — its f64 formula and derivative, tolerances and the options it is
// tested with. The elementwise entries (`relu`, …) and the fused Linear entries
// (`linear`, `linearRelu`, …) are generated from these rows, and the mapped type
// makes a new table row without an opinfo row fail to compile.
import * as sg from 'simdgrad';
import { unaryRef, unaryVjp } from '../reference/f64.js';
import type { Tol } from '../util/close.js';
import { act, disposed, exact, notTensor, type OpInfo, type Sample, sigm } from './common.js';

export interface ActRef {
  /** f(z) in f64; `a` is α (prelu), `o` the activation's options. */
  f: (z: number, a: number, o: object | undefined) => number;
  /** f′(z) in f64. */
  df: (z: number, a: number, o: object | undefined) => number;
  /** The elementwise op's tolerance against f (null: tested by its own entry, e.g. prelu's channel layout). */
  tol: Tol | null;
  /** Its own rounding in the fused Linear, relative to |f(z)| (on top of the γ bound of the dot product). */
  own: number;
  /** Lipschitz constant of f (scales the dot product's error bound); `a` the largest |α|. */
  lip: (a: number) => number;
  /** f32 backward vs the f64 VJP (relative norm), elementwise and fused. */
  gradTol: number;
  fusedGradTol: number;
  /** Keep samples this far from a kink at 0. */
  kink?: number;
  /** The option sets each sample runs with (default: none). */
  options?: (object | undefined)[];
}

const u = 2 ** -24;

/** Φ(x) in f64 from erfc by its continued fraction (x ≤ −3) or Taylor erf (else). */
function Phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  let erfc: number;
  if (z < 2.2) {
    let t = z;
    let s = z;
    for (let n = 1; n < 80 && Math.abs(t) > 1e-18 * Math.abs(s); n++) {
      t *= (-z * z) / n;
      s += t / (2 * n + 1);
    }
    erfc = 1 - (2 / Math.sqrt(Math.PI)) * s;
  } else {
    let f = z;
    for (let k = 200; k >= 1; k--) f = z + k / 2 / f;
    erfc = Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  }
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}
const tanhForm = (o: object | undefined) => (o as { approximate?: string } | undefined)?.approximate === 'tanh';
const gu = (x: number) => Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3);

export const actRefs: { [K in sg.ActivationName]: ActRef } = {
  relu: {
    f: (z) => (Number.isNaN(z) ? z : Math.max(z, 0)),
    df: (z) => (z > 0 ? 1 : 0),
    tol: exact,
    own: 0,
    lip: () => 1,
    gradTol: 0,
    fusedGradTol: 2e-6,
    kink: 0.05,
  },
  sigmoid: {
    f: sigm,
    df: (z) => sigm(z) * (1 - sigm(z)),
    tol: act,
    own: 16 * u,
    lip: () => 0.25,
    gradTol: 1e-6,
    fusedGradTol: 1e-5,
  },
  tanh: {
    f: Math.tanh,
    df: (z) => 1 - Math.tanh(z) ** 2,
    tol: act,
    own: 16 * u,
    lip: () => 1,
    gradTol: 1e-6,
    fusedGradTol: 1e-5,
  },
  prelu: {
    f: (z, a) => (z > 0 ? z : a * z),
    df: (z, a) => (z > 0 ? 1 : a),
    tol: null,
    own: u,
    lip: (a) => Math.max(1, a),
    gradTol: 1e-6,
    fusedGradTol: 2e-6,
  },
  gelu: {
    // below −40 both forms round to −0 (and −inf·0 would be NaN)
    f: (z, _a, o) => (z < -40 ? -0 : tanhForm(o) ? z / (1 + Math.exp(-2 * gu(z))) : z * Phi(z)),
    df: (z, _a, o) => {
      if (Math.abs(z) > 40) return z > 0 ? 1 : 0;
      if (!tanhForm(o)) return Phi(z) + (z * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
      const s = 1 / (1 + Math.exp(-2 * gu(z)));
      return s + 2 * z * s * (1 - s) * Math.sqrt(2 / Math.PI) * (1 + 3 * 0.044715 * z * z);
    },
    tol: { ulp: 8 },
    own: 8 * u,
    lip: () => 1.13,
    gradTol: 1e-6,
    fusedGradTol: 1e-5,
    options: [undefined, { approximate: 'tanh' }],
  },
};

/** The elementwise entry of an activation without α, for each of its option sets. */
function elementwiseInfo(name: sg.ActivationName, r: ActRef): OpInfo {
  const fn = sg.activations[name].fn as (x: unknown, o?: object) => sg.Tensor;
  const shapes = [[1], [7], [3, 5], [2, 3, 7], []];
  const samples: Sample[] = (r.options ?? [undefined]).flatMap((o) =>
    shapes.map((s) => ({ shapes: [s], args: o === undefined ? [] : [o] })),
  );
  const opt = (args: unknown[]) => args[0] as object | undefined;
  return {
    samples,
    call: ([x], args) => fn(x, opt(args)),
    ref: ([x], args) => unaryRef(x, (v) => r.f(v, 0, opt(args))),
    vjp: ([x], dy, args) => [unaryVjp(x, dy, (v) => r.df(v, 0, opt(args)))],
    tol: r.tol ?? exact,
    edges: true,
    gradTol: r.gradTol,
    kink: r.kink,
    errors: [notTensor(name, (x) => fn(x)), disposed(name, ([t]) => fn(t))],
  };
}

/** The elementwise entries of the table's rows without α (prelu has its own in elementwise.ts). */
export const activationInfo = Object.fromEntries(
  sg.activationNames.filter((n) => actRefs[n].tol !== null).map((n) => [n, elementwiseInfo(n, actRefs[n])]),
) as Record<Exclude<sg.ActivationName, 'prelu'>, OpInfo>;
