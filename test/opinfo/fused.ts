// opinfo entries: the fused ops (src/ops/linear.ts, xent.ts) — linear with each
// activation epilogue of the table (generated from test/opinfo/activations.ts),
// and softmaxCrossEntropy.
import * as sg from 'simdgrad';
import type { Arr } from '../reference/f64.js';
import { type ActRef, actRefs } from './activations.js';
import { disposed, gamma, type OpInfo, type Sample, u } from './common.js';

type Act = 'none' | sg.ActivationName;
const TINY = 2 ** -126;

/** [M, N, K] of x [..., K] · w [N, K]ᵀ. */
function dims(x: Arr, w: Arr) {
  const [N, K] = w.shape;
  return { M: K ? x.data.length / K : x.shape.slice(0, -1).reduce((a, d) => a * d, 1), N, K };
}

/** z = x·wᵀ + b in f64, and Σ|x||w| + |b| (for the γ bound). */
function affine(x: Arr, w: Arr, b: Arr) {
  const { M, N, K } = dims(x, w);
  const z = new Float64Array(M * N);
  const abs = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let o = 0; o < N; o++) {
      let s = b.data[o];
      let a = Math.abs(b.data[o]);
      for (let k = 0; k < K; k++) {
        s += x.data[i * K + k] * w.data[o * K + k];
        a += Math.abs(x.data[i * K + k] * w.data[o * K + k]);
      }
      z[i * N + o] = s;
      abs[i * N + o] = a;
    }
  return { z, abs, M, N, K };
}

const alphaOf = (alpha: Arr | undefined, o: number) => (alpha ? alpha.data[alpha.data.length === 1 ? 0 : o] : 0);
const NONE: ActRef = {
  f: (z) => z,
  df: () => 1,
  tol: null,
  own: 0,
  lip: () => 1,
  gradTol: 0,
  fusedGradTol: 2e-6,
};

function linearInfo(act: Act): OpInfo {
  const r = act === 'none' ? NONE : actRefs[act];
  const hasAlpha = act !== 'none' && sg.activations[act].alpha;
  const withAlpha = (shapes: number[][], n: number) => (hasAlpha ? [...shapes, [n]] : shapes);
  const base: Sample[] = [
    { shapes: withAlpha([[7, 5], [3, 5], [3]], 3) },
    { shapes: withAlpha([[1, 9], [6, 9], [6]], 1) },
    { shapes: withAlpha([[2, 3, 4], [5, 4], [5]], 5) },
    { shapes: withAlpha([[5], [4, 5], [4]], 1) },
    { shapes: withAlpha([[6, 17], [9, 17], [9]], 9) },
  ];
  const samples = (r.options ?? [undefined]).flatMap((o) => base.map((s) => ({ ...s, args: o ? [o] : [] })));
  const opt = (args: unknown[]) => args[0] as object | undefined;
  const call = (t: sg.Tensor[], args: unknown[] = []) =>
    sg.nn.linear(t[0], t[1], t[2], act, hasAlpha ? t[3] : null, opt(args));
  const outShape = (x: Arr, w: Arr) => [...x.shape.slice(0, -1), w.shape[0]];
  // Lipschitz constant of the activation and its own rounding, on top of the γ_{K+1} dot-product bound
  const lip = (alpha: Arr | undefined) => r.lip(Math.max(0, ...Array.from(alpha?.data ?? [0], Math.abs)));
  return {
    samples,
    call,
    ref: ([x, w, b, alpha], args) => {
      const { z, N } = affine(x, w, b);
      return { shape: outShape(x, w), data: z.map((v, j) => r.f(v, alphaOf(alpha, j % N), opt(args))) };
    },
    vjp: ([x, w, b, alpha], dy, args) => {
      const { z, M, N, K } = affine(x, w, b);
      const dz = z.map((v, j) => dy.data[j] * r.df(v, alphaOf(alpha, j % N), opt(args)));
      const dx = new Float64Array(x.data.length);
      const dw = new Float64Array(w.data.length);
      const db = new Float64Array(N);
      for (let i = 0; i < M; i++)
        for (let o = 0; o < N; o++) {
          const g = dz[i * N + o];
          db[o] += g;
          for (let k = 0; k < K; k++) {
            dx[i * K + k] += g * w.data[o * K + k];
            dw[o * K + k] += g * x.data[i * K + k];
          }
        }
      const grads: (Arr | null)[] = [
        { shape: x.shape, data: dx },
        { shape: w.shape, data: dw },
        { shape: b.shape, data: db },
      ];
      if (alpha) {
        // ∂α of prelu: Σ dy·z where !(z > 0)
        const da = new Float64Array(alpha.data.length);
        z.forEach((v, j) => {
          if (!(v > 0)) da[alpha.data.length === 1 ? 0 : j % N] += dy.data[j] * v;
        });
        grads.push({ shape: alpha.shape, data: da });
      }
      return grads;
    },
    tol: ([x, w, b, alpha], _args, ref) => {
      const { abs, K } = affine(x, w, b);
      const L = lip(alpha);
      return abs.map((a, j) => L * gamma(K + 1) * a + r.own * Math.abs(ref.data[j]) + TINY);
    },
    gradTol: r.fusedGradTol,
    errors: [
      {
        what: 'inner dimensions differ',
        setup: () => [sg.zeros([2, 3]), sg.zeros([4, 5]), sg.zeros([4]), sg.ones([4])],
        call,
        re: /linear: input \[2,3\] has 3 features but weight \[4,5\] expects 5/,
      },
      {
        what: 'bias of the wrong shape',
        setup: () => [sg.zeros([2, 5]), sg.zeros([4, 5]), sg.zeros([3]), sg.ones([4])],
        call,
        re: /linear: bias must have shape \[4\], got \[3\]/,
      },
      ...(hasAlpha
        ? [
            {
              what: 'prelu alpha of the wrong shape',
              setup: () => [sg.zeros([2, 5]), sg.zeros([4, 5]), sg.zeros([4]), sg.ones([3])],
              call,
              re: /linear: prelu alpha must have shape \[1\] or \[4\], got \[3\]/,
            },
          ]
        : []),
      disposed('linear', ([t]) => sg.nn.linear(t, t, null, act, hasAlpha ? t : null)),
    ],
  };
}

type Reduction = 'mean' | 'sum' | 'none';

/** Per-row loss logsumexp(z) − z[label], and the row's logSoftmax error bound. */
function xentRows(z: Arr, labels: number[]) {
  const [B, C] = z.shape;
  const loss = new Float64Array(B);
  const bound = new Float64Array(B);
  const probs = new Float64Array(B * C);
  for (let i = 0; i < B; i++) {
    const r = z.data.subarray(i * C, (i + 1) * C);
    const mx = Math.max(...r);
    let s = 0;
    for (const v of r) s += Math.exp(v - mx);
    loss[i] = Math.log(s) + mx - r[labels[i]];
    bound[i] = 4 * u * (Math.abs(r[labels[i]] - mx) + Math.abs(loss[i])) + (C + 16) * u;
    for (let c = 0; c < C; c++) probs[i * C + c] = Math.exp(r[c] - mx) / s;
  }
  return { loss, bound, probs, B, C };
}

const xentCall = (t: sg.Tensor[], [labels, reduction]: [number[], Reduction]) =>
  sg.nn.softmaxCrossEntropy(t[0], labels, { reduction });

const softmaxCrossEntropy: OpInfo = {
  samples: [
    { shapes: [[5, 7]], args: [[0, 6, 3, 3, 1], 'mean'] },
    { shapes: [[3, 10]], args: [[9, 0, 4], 'none'] },
    { shapes: [[1, 4]], args: [[2], 'sum'] },
    { shapes: [[6, 13]], args: [[12, 0, 5, 7, 7, 1], 'mean'] },
  ],
  call: (t, args) => xentCall(t, args as [number[], Reduction]),
  ref: ([z], [labels, reduction]) => {
    const { loss } = xentRows(z, labels);
    if (reduction === 'none') return { shape: [loss.length], data: loss };
    const s = loss.reduce((a, v) => a + v, 0);
    return { shape: [], data: Float64Array.of(reduction === 'mean' ? s / loss.length : s) };
  },
  vjp: ([z], dy, [labels, reduction]) => {
    const { probs, B, C } = xentRows(z, labels);
    const g = new Float64Array(B * C);
    for (let i = 0; i < B; i++) {
      const gi = reduction === 'none' ? dy.data[i] : reduction === 'mean' ? dy.data[0] / B : dy.data[0];
      for (let c = 0; c < C; c++) g[i * C + c] = (probs[i * C + c] - (c === labels[i] ? 1 : 0)) * gi;
    }
    return [{ shape: z.shape, data: g }];
  },
  tol: ([z], [labels, reduction], ref) => {
    const { bound, B } = xentRows(z, labels);
    if (reduction === 'none') return bound;
    const sum = bound.reduce((a, v) => a + v, 0);
    return Float64Array.of((reduction === 'mean' ? sum / B : sum) + (B + 2) * u * Math.abs(ref.data[0]));
  },
  gradTol: 2e-6,
  errors: [
    {
      what: 'label out of range',
      setup: () => [sg.zeros([3, 4])],
      call: ([z]) => sg.nn.softmaxCrossEntropy(z, [0, 4, 1]),
      re: /softmaxCrossEntropy: label 4 at index 1 is out of range for 4 classes/,
    },
    {
      what: 'non-integer label',
      setup: () => [sg.zeros([2, 4])],
      call: ([z]) => sg.nn.softmaxCrossEntropy(z, [0.5, 1]),
      re: /softmaxCrossEntropy: label at index 0 is number 0.5, not an integer/,
    },
    {
      what: 'logits not 2-D',
      setup: () => [sg.zeros([4])],
      call: ([z]) => sg.nn.softmaxCrossEntropy(z, [0]),
      re: /softmaxCrossEntropy: logits must be 2-D \[batch, classes\], got \[4\]/,
    },
    disposed('softmaxCrossEntropy', ([t]) => sg.nn.softmaxCrossEntropy(t, [0, 1])),
  ],
};

const capital = (n: string) => n[0].toUpperCase() + n.slice(1);
type FusedName = 'linear' | `linear${Capitalize<sg.ActivationName>}`;

export const fusedInfo = {
  ...(Object.fromEntries([
    ['linear', linearInfo('none')],
    ...sg.activationNames.map((n) => [`linear${capital(n)}`, linearInfo(n)]),
  ]) as Record<FusedName, OpInfo>),
  softmaxCrossEntropy,
};
