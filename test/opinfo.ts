// The per-op test table (PyTorch OpInfo + XNNPACK's enumerator pattern): one
// entry per registered op, typed by OpName, so registering an op demands its
// entry. numerics/grad/errors/leak suites are generated from it.

import type { OpName, Tensor } from 'simdgrad';
import * as sg from 'simdgrad';
import {
  type Arr,
  binaryRef,
  binaryVjp,
  groupOf,
  matmulAbs,
  matmulRef,
  matmulVjp,
  moveAxis,
  reduceRef,
  size,
  softmaxRef,
  softmaxVjp,
  transposeRef,
  unaryRef,
  unaryVjp,
} from './reference/f64.js';
import type { Tol } from './util/close.js';

// biome-ignore lint/suspicious/noExplicitAny: op arguments are heterogeneous by design
type Args = any[];

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
const fns = {
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
  relu: sg.relu,
  sigmoid: sg.sigmoid,
  tanh: sg.tanh,
  sum: sg.sum,
  mean: sg.mean,
  max: sg.max,
  min: sg.min,
  argmax: sg.argmax,
  argmin: sg.argmin,
  softmax: sg.softmax,
  logSoftmax: sg.logSoftmax,
};

const u = 2 ** -24;
const gamma = (n: number) => (n * u) / (1 - n * u);
const ulp = (n: number): Tol => ({ ulp: n });
const exact: Tol = { exact: true };

const disposed = (name: string, call: (t: Tensor[]) => unknown): ErrorInput => ({
  what: `${name} on a disposed tensor`,
  setup: () => {
    const t = sg.ones([2, 3]);
    t.dispose();
    return [t];
  },
  call,
  re: /disposed/,
});

const notTensor = (name: string, call: (x: unknown) => unknown): ErrorInput => ({
  what: `${name} of a string`,
  setup: () => [],
  call: () => call('abc'),
  re: new RegExp(`${name}: expected a tensor`),
});

// ---- elementwise binaries ----

const bsamples: Sample[] = [
  { shapes: [[7], [7]] },
  { shapes: [[3, 5], [5]] },
  {
    shapes: [
      [3, 1],
      [1, 6],
    ],
  },
  {
    shapes: [
      [2, 3, 5],
      [3, 1],
    ],
  },
  { shapes: [[], [9]] },
  { shapes: [[13], []] },
];

function binaryInfo(
  name: 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum' | 'pow',
  f: (x: number, y: number) => number,
  da: (x: number, y: number) => number,
  db: (x: number, y: number) => number,
  extra: Partial<OpInfo> = {},
): OpInfo {
  const fn = fns[name];
  return {
    samples: bsamples,
    call: ([a, b]) => fn(a, b),
    ref: ([a, b]) => binaryRef(a, b, f),
    vjp: ([a, b], dy) => binaryVjp(a, b, dy, da, db),
    tol: exact,
    edges: true,
    errors: [
      {
        what: 'non-broadcastable shapes',
        setup: () => [sg.zeros([2, 3]), sg.zeros([4])],
        call: ([a, b]) => fn(a, b),
        re: new RegExp(`${name}: shapes \\[2,3\\] and \\[4\\] cannot be broadcast`),
      },
      notTensor(name, (x) => fn(x as Tensor, 1)),
      disposed(name, ([t]) => fn(t, t)),
    ],
    ...extra,
  };
}

/** C99 pow (JS Math.pow differs at pow(1, NaN) and pow(−1, ±inf)). */
function pow99(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}

// ---- unaries ----

function unaryInfo(
  name: 'neg' | 'exp' | 'log' | 'sqrt' | 'square' | 'abs' | 'relu' | 'sigmoid' | 'tanh',
  f: (x: number) => number,
  d: (x: number) => number,
  tol: Tol,
  extra: Partial<OpInfo> = {},
): OpInfo {
  const fn = fns[name];
  return {
    samples: [{ shapes: [[1]] }, { shapes: [[7]] }, { shapes: [[3, 5]] }, { shapes: [[2, 3, 7]] }, { shapes: [[]] }],
    call: ([x]) => fn(x),
    ref: ([x]) => unaryRef(x, f),
    vjp: ([x], dy) => [unaryVjp(x, dy, d)],
    tol,
    edges: true,
    errors: [notTensor(name, (x) => fn(x as Tensor)), disposed(name, ([t]) => fn(t))],
    ...extra,
  };
}

const sigm = (x: number) => 1 / (1 + Math.exp(-x));
const act: Tol = { rtol: 3 * 2 ** -23, atol: 2 ** -126 };

// ---- reductions ----

function sumBound([x]: Arr[], args: Args, r: Arr): Float64Array {
  const g = groupOf(x, args[0] === undefined ? undefined : [args[0]].flat());
  const abs = new Float64Array(r.data.length);
  const cnt = new Float64Array(r.data.length);
  x.data.forEach((v, i) => {
    abs[g[i]] += Math.abs(v);
    cnt[g[i]]++;
  });
  return abs.map((a, i) => gamma(cnt[i]) * a + u * Math.abs(r.data[i]) + 1e-45);
}

const rsamples: Sample[] = [
  { shapes: [[7]], args: [] },
  { shapes: [[3, 5]], args: [0] },
  { shapes: [[3, 5]], args: [1, true] },
  { shapes: [[3, 5]], args: [-1] },
  { shapes: [[2, 3, 5]], args: [1] },
  { shapes: [[2, 3, 5]], args: [[0, 2], true] },
  { shapes: [[4, 1, 6]], args: [1] },
];

function expandVjp(x: Arr, dy: Arr, axis: unknown, scale: number): Arr {
  const g = groupOf(x, axis === undefined ? undefined : [axis as number].flat());
  return { shape: x.shape, data: x.data.map((_, i) => dy.data[g[i]] * scale) };
}

function reduceErrors(name: 'sum' | 'mean' | 'max' | 'min'): ErrorInput[] {
  return [
    {
      what: 'axis out of range',
      setup: () => [sg.zeros([2, 3])],
      call: ([t]) => fns[name](t, 2),
      re: new RegExp(`${name}: axis 2 is out of range for shape \\[2,3\\]`),
    },
    disposed(name, ([t]) => fns[name](t)),
  ];
}

// ---- shape ops ----

const copyVjp = (x: Arr[], dy: Arr): Arr[] => [{ shape: x[0].shape, data: dy.data.slice() }];

function sliceRef(x: Arr, begin: number[], sz: number[]): Arr {
  const s = sz.map((d, i) => (d === -1 ? x.shape[i] - begin[i] : d));
  const out: number[] = [];
  const idx = new Array(x.shape.length).fill(0);
  const total = size(s);
  for (let o = 0; o < total; o++) {
    let f = 0;
    for (let i = 0; i < x.shape.length; i++) f = f * x.shape[i] + begin[i] + idx[i];
    out.push(x.data[f]);
    for (let i = x.shape.length - 1; i >= 0 && ++idx[i] === s[i]; i--) idx[i] = 0;
  }
  return { shape: s, data: Float64Array.from(out) };
}

function gatherRef(x: Arr, idx: number[], axis: number): Arr {
  const outer = size(x.shape.slice(0, axis));
  const inner = size(x.shape.slice(axis + 1));
  const n = x.shape[axis];
  const data: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const i of idx) for (let k = 0; k < inner; k++) data.push(x.data[(o * n + i) * inner + k]);
  const shape = [...x.shape.slice(0, axis), idx.length, ...x.shape.slice(axis + 1)];
  return { shape, data: Float64Array.from(data) };
}

function concatRef(xs: Arr[], axis: number): Arr {
  const outer = size(xs[0].shape.slice(0, axis));
  const data: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const x of xs) {
      const len = size(x.shape.slice(axis));
      for (let k = 0; k < len; k++) data.push(x.data[o * len + k]);
    }
  const shape = xs[0].shape.slice();
  shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
  return { shape, data: Float64Array.from(data) };
}

/** Adjoint of a linear map given as a function of data (gather, slice, concat): dx_i = Σ dy·∂y/∂x_i. */
function linearVjp(x: Arr[], dy: Arr, f: (x: Arr[]) => Arr): Arr[] {
  return x.map((xi, k) => {
    const g = new Float64Array(xi.data.length);
    for (let i = 0; i < g.length; i++) {
      const e = x.map((t, j) => ({
        shape: t.shape,
        data: j === k ? t.data.map((_, m) => (m === i ? 1 : 0)) : t.data.map(() => 0),
      }));
      const y = f(e).data;
      let s = 0;
      for (let m = 0; m < y.length; m++) s += y[m] * dy.data[m];
      g[i] = s;
    }
    return { shape: xi.shape, data: g };
  });
}

/** First extreme index per group (NaN counts as the extreme), as reduceRef groups. */
function argRef(x: Arr, axis: number | undefined, isMax: boolean): Arr {
  const better = (v: number, b: number) => (Number.isNaN(v) && !Number.isNaN(b)) || (isMax ? v > b : v < b);
  if (axis === undefined) {
    let bi = 0;
    x.data.forEach((v, i) => {
      if (better(v, x.data[bi])) bi = i;
    });
    return { shape: [], data: Float64Array.of(bi) };
  }
  const ax = axis < 0 ? axis + x.shape.length : axis;
  const outer = size(x.shape.slice(0, ax));
  const inner = size(x.shape.slice(ax + 1));
  const n = x.shape[ax];
  const data = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let bi = 0;
      for (let k = 1; k < n; k++) if (better(x.data[(o * n + k) * inner + i], x.data[(o * n + bi) * inner + i])) bi = k;
      data[o * inner + i] = bi;
    }
  return { shape: x.shape.filter((_, i) => i !== ax), data };
}

/** max/min VJP: dy to the first extreme entry of each group (all groups of the reduced axes). */
function extremeVjp(x: Arr, dy: Arr, axis: unknown, isMax: boolean): Arr {
  const g = groupOf(x, axis === undefined ? undefined : [axis as number].flat());
  const best = new Map<number, number>();
  x.data.forEach((v, i) => {
    const b = best.get(g[i]);
    if (b === undefined || (isMax ? v > x.data[b] : v < x.data[b])) best.set(g[i], i);
  });
  const data = new Float64Array(x.data.length);
  for (const [grp, i] of best) data[i] = dy.data[grp];
  return { shape: x.shape, data };
}

function extremeInfo(name: 'max' | 'min'): OpInfo {
  const isMax = name === 'max';
  return {
    samples: rsamples,
    call: ([x], args) => fns[name](x, ...args),
    ref: ([x], [axis, keep]) =>
      reduceRef(x, axis === undefined ? undefined : [axis].flat(), !!keep, (v) =>
        v.some(Number.isNaN) ? Number.NaN : isMax ? Math.max(...v) : Math.min(...v),
      ),
    vjp: ([x], dy, [axis]) => [extremeVjp(x, dy, axis, isMax)],
    tol: exact,
    gradTol: 0,
    errors: [
      ...reduceErrors(name),
      {
        what: 'empty tensor',
        setup: () => [sg.zeros([0, 3])],
        call: ([t]) => fns[name](t),
        re: new RegExp(`${name}: cannot reduce an empty tensor \\[0,3\\]`),
      },
    ],
  };
}

function argInfo(name: 'argmax' | 'argmin'): OpInfo {
  return {
    samples: [
      { shapes: [[7]], args: [] },
      { shapes: [[3, 5]], args: [0] },
      { shapes: [[3, 5]], args: [-1] },
      { shapes: [[2, 3, 5]], args: [1] },
    ],
    call: ([x], args) => fns[name](x, ...args),
    ref: ([x], [axis]) => argRef(x, axis, name === 'argmax'),
    vjp: null,
    tol: exact,
    errors: [
      {
        what: 'axis out of range',
        setup: () => [sg.zeros([2, 3])],
        call: ([t]) => fns[name](t, -3),
        re: new RegExp(`${name}: axis -3 is out of range for shape \\[2,3\\]`),
      },
      {
        what: 'empty tensor',
        setup: () => [sg.zeros([0])],
        call: ([t]) => fns[name](t),
        re: new RegExp(`${name}: cannot take ${name} of an empty tensor`),
      },
    ],
  };
}

function softmaxInfo(name: 'softmax' | 'logSoftmax'): OpInfo {
  const log = name === 'logSoftmax';
  const along = (x: Arr, axis: number, f: (t: Arr) => Arr) => {
    const ax = axis < 0 ? axis + x.shape.length : axis;
    const last = x.shape.length - 1;
    return ax === last ? f(x) : moveAxis(f(moveAxis(x, ax, last)), last, ax);
  };
  return {
    samples: [
      { shapes: [[7]], args: [] },
      { shapes: [[3, 5]], args: [] },
      { shapes: [[3, 5]], args: [0] },
      { shapes: [[2, 3, 5]], args: [1] },
      { shapes: [[4, 1]], args: [-1] },
      { shapes: [[2, 33]], args: [], lo: -20, hi: 20 },
    ],
    call: ([x], args) => fns[name](x, ...args),
    ref: ([x], [axis = -1]) => along(x, axis, (t) => softmaxRef(t, log)),
    vjp: ([x], dy, [axis = -1]) => {
      const ax = axis < 0 ? axis + x.shape.length : axis;
      const last = x.shape.length - 1;
      if (ax === last) return [softmaxVjp(x, dy, log)];
      return [moveAxis(softmaxVjp(moveAxis(x, ax, last), moveAxis(dy, ax, last), log), last, ax)];
    },
    // exp/log ≤ 2 ULP each, a sum of n terms, then one division (softmax) or subtraction (logSoftmax)
    tol: ([x], [axis = -1], r) => {
      const n = x.shape.length ? x.shape[axis < 0 ? axis + x.shape.length : axis] : 1;
      return r.data.map((v) => (n + 6) * 2 ** -23 * (log ? 1 + Math.abs(v) : Math.abs(v)) + 1e-45);
    },
    gradTol: 1e-5,
    errors: [
      {
        what: 'axis out of range',
        setup: () => [sg.zeros([2, 3])],
        call: ([t]) => fns[name](t, 2),
        re: new RegExp(`${name}: axis 2 is out of range for shape \\[2,3\\]`),
      },
      disposed(name, ([t]) => fns[name](t)),
    ],
  };
}

export const opinfo: { [K in OpName]: OpInfo } = {
  add: binaryInfo(
    'add',
    (x, y) => x + y,
    () => 1,
    () => 1,
  ),
  sub: binaryInfo(
    'sub',
    (x, y) => x - y,
    () => 1,
    () => -1,
  ),
  mul: binaryInfo(
    'mul',
    (x, y) => x * y,
    (_, y) => y,
    (x) => x,
  ),
  div: binaryInfo(
    'div',
    (x, y) => x / y,
    (_, y) => 1 / y,
    (x, y) => -x / (y * y),
    {
      samples: bsamples.map((s) => ({ ...s, lo: 0.5, hi: 2 })),
      gradTol: 1e-6,
    },
  ),
  maximum: binaryInfo(
    'maximum',
    (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? Number.NaN : Math.max(x, y)),
    (x, y) => (x > y ? 1 : x === y ? 0.5 : 0),
    (x, y) => (y > x ? 1 : x === y ? 0.5 : 0),
    { gradTol: 1e-7 },
  ),
  minimum: binaryInfo(
    'minimum',
    (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? Number.NaN : Math.min(x, y)),
    (x, y) => (x < y ? 1 : x === y ? 0.5 : 0),
    (x, y) => (y < x ? 1 : x === y ? 0.5 : 0),
    { gradTol: 1e-7 },
  ),
  pow: binaryInfo(
    'pow',
    pow99,
    (x, y) => (y === 0 ? 0 : y * x ** (y - 1)),
    (x, y) => (x === 0 && y >= 0 ? 0 : x ** y * Math.log(x)),
    {
      samples: bsamples.map((s) => ({ ...s, lo: 0.5, hi: 2 })),
      tol: ulp(1),
      gradTol: 1e-6,
    },
  ),
  neg: unaryInfo(
    'neg',
    (x) => -x,
    () => -1,
    exact,
  ),
  exp: unaryInfo('exp', Math.exp, Math.exp, ulp(2), { gradTol: 1e-6 }),
  log: unaryInfo('log', Math.log, (x) => 1 / x, ulp(1), {
    samples: [
      { shapes: [[7]], lo: 0.1, hi: 3 },
      { shapes: [[3, 5]], lo: 0.1, hi: 3 },
    ],
    gradTol: 1e-6,
  }),
  sqrt: unaryInfo('sqrt', Math.sqrt, (x) => 0.5 / Math.sqrt(x), exact, {
    samples: [
      { shapes: [[7]], lo: 0.1, hi: 3 },
      { shapes: [[3, 5]], lo: 0.1, hi: 3 },
    ],
    gradTol: 1e-6,
  }),
  square: unaryInfo(
    'square',
    (x) => x * x,
    (x) => 2 * x,
    exact,
    { gradTol: 0 },
  ),
  abs: unaryInfo('abs', Math.abs, (x) => Math.sign(x), exact, { kink: 0.05, gradTol: 0 }),
  relu: unaryInfo(
    'relu',
    (x) => (Number.isNaN(x) ? x : Math.max(x, 0)),
    (x) => (x > 0 ? 1 : 0),
    exact,
    {
      kink: 0.05,
      gradTol: 0,
    },
  ),
  sigmoid: unaryInfo('sigmoid', sigm, (x) => sigm(x) * (1 - sigm(x)), act, { gradTol: 1e-6 }),
  tanh: unaryInfo('tanh', Math.tanh, (x) => 1 - Math.tanh(x) ** 2, act, { gradTol: 1e-6 }),
  prelu: {
    samples: [
      { shapes: [[7], [1]] },
      { shapes: [[4, 6], [6]] },
      { shapes: [[2, 3, 5], [3]] },
      { shapes: [[3, 5], []] },
    ],
    call: ([x, a]) => sg.prelu(x, a),
    ref: ([x, a]) => {
      const inner = x.shape.length >= 2 ? size(x.shape.slice(2)) : 1;
      const c = a.data.length;
      return {
        shape: x.shape,
        data: x.data.map((v, i) => (v > 0 ? v : a.data[c === 1 ? 0 : Math.floor(i / inner) % c] * v)),
      };
    },
    vjp: ([x, a], dy) => {
      const inner = x.shape.length >= 2 ? size(x.shape.slice(2)) : 1;
      const c = a.data.length;
      const ch = (i: number) => (c === 1 ? 0 : Math.floor(i / inner) % c);
      const da = new Float64Array(c);
      const dx = x.data.map((v, i) => {
        if (!(v > 0)) da[ch(i)] += dy.data[i] * v;
        return v > 0 ? dy.data[i] : a.data[ch(i)] * dy.data[i];
      });
      return [
        { shape: x.shape, data: dx },
        { shape: a.shape, data: da },
      ];
    },
    tol: exact,
    kink: 0.05,
    gradTol: 1e-6,
    errors: [
      {
        what: 'alpha of the wrong shape',
        setup: () => [sg.zeros([2, 4]), sg.zeros([3])],
        call: ([x, a]) => sg.prelu(x, a),
        re: /prelu: alpha of shape \[3\] does not fit x of shape \[2,4\]/,
      },
      disposed('prelu', ([t]) => sg.prelu(t, 0.1)),
    ],
  },
  matmul: {
    samples: [
      { shapes: [[5], [5]] },
      { shapes: [[3, 7], [7]] },
      { shapes: [[7], [7, 5]] },
      {
        shapes: [
          [3, 7],
          [7, 5],
        ],
      },
      {
        shapes: [
          [9, 17],
          [17, 13],
        ],
      },
      {
        shapes: [
          [2, 3, 7],
          [2, 7, 5],
        ],
      },
      {
        shapes: [
          [2, 3, 7],
          [7, 5],
        ],
      },
      {
        shapes: [
          [3, 7],
          [2, 7, 5],
        ],
      },
      {
        shapes: [
          [1, 3, 7],
          [3, 7, 5],
        ],
      },
      {
        shapes: [
          [3, 0],
          [0, 5],
        ],
      },
    ],
    call: ([a, b]) => sg.matmul(a, b),
    ref: ([a, b]) => matmulRef(a, b),
    vjp: ([a, b], dy) => matmulVjp(a, b, dy),
    tol: ([a, b]) => {
      const K = a.shape[a.shape.length - 1];
      return matmulAbs(a, b).data.map((s) => gamma(K + 1) * s + 1e-45);
    },
    gradTol: 1e-5,
    errors: [
      {
        what: 'inner dimensions differ',
        setup: () => [sg.zeros([2, 3]), sg.zeros([4, 5])],
        call: ([a, b]) => sg.matmul(a, b),
        re: /matmul: inner dimensions differ: \[2,3\] @ \[4,5\]/,
      },
      {
        what: 'a 0-D operand',
        setup: () => [sg.tensor(2), sg.zeros([2, 2])],
        call: ([a, b]) => sg.matmul(a, b),
        re: /at least 1-D/,
      },
      {
        what: 'batch mismatch',
        setup: () => [sg.zeros([2, 3, 4]), sg.zeros([3, 4, 5])],
        call: ([a, b]) => sg.matmul(a, b),
        re: /matmul: batch dimensions differ: \[2,3,4\] @ \[3,4,5\]/,
      },
      {
        what: 'transposed operand with inner mismatch',
        setup: () => {
          const b = sg.zeros([5, 4]);
          return [sg.zeros([2, 3]), b.T, b];
        },
        call: ([a, bT]) => sg.matmul(a, bT),
        re: /matmul: inner dimensions differ: \[2,3\] @ \[4,5\]/,
      },
    ],
  },
  sum: {
    samples: rsamples,
    call: ([x], args) => sg.sum(x, ...args),
    ref: ([x], [axis, keep]) =>
      reduceRef(x, axis === undefined ? undefined : [axis].flat(), !!keep, (v) => v.reduce((a, b) => a + b, 0)),
    vjp: ([x], dy, [axis]) => [expandVjp(x, dy, axis, 1)],
    tol: sumBound,
    gradTol: 0,
    errors: reduceErrors('sum'),
  },
  mean: {
    samples: rsamples,
    call: ([x], args) => sg.mean(x, ...args),
    ref: ([x], [axis, keep]) =>
      reduceRef(
        x,
        axis === undefined ? undefined : [axis].flat(),
        !!keep,
        (v) => v.reduce((a, b) => a + b, 0) / v.length,
      ),
    vjp: ([x], dy, [axis]) => {
      const n = x.data.length / dy.data.length;
      return [expandVjp(x, dy, axis, 1 / n)];
    },
    tol: ([x], args, r) => {
      const n = x.data.length / Math.max(1, r.data.length);
      return sumBound([x], args, r).map((b, i) => b / n + u * Math.abs(r.data[i]));
    },
    gradTol: 1e-7,
    errors: reduceErrors('mean'),
  },
  max: extremeInfo('max'),
  min: extremeInfo('min'),
  argmax: argInfo('argmax'),
  argmin: argInfo('argmin'),
  softmax: softmaxInfo('softmax'),
  logSoftmax: softmaxInfo('logSoftmax'),
  reshape: {
    samples: [
      { shapes: [[3, 4]], args: [[4, 3]] },
      { shapes: [[2, 3, 4]], args: [[-1, 4]] },
      { shapes: [[6]], args: [[1, 2, -1]] },
      { shapes: [[]], args: [[1, 1]] },
    ],
    call: ([x], [shape]) => sg.reshape(x, shape),
    ref: ([x], [shape]) => {
      const s = (shape as number[]).map((d) =>
        d === -1 ? x.data.length / size((shape as number[]).filter((e) => e !== -1)) : d,
      );
      return { shape: s, data: x.data.slice() };
    },
    vjp: copyVjp,
    tol: exact,
    gradTol: 0,
    errors: [
      {
        what: 'two -1',
        setup: () => [sg.zeros([2, 3])],
        call: ([t]) => sg.reshape(t, [-1, -1]),
        re: /reshape: only one dim can be -1/,
      },
      {
        what: 'size mismatch',
        setup: () => [sg.zeros([2, 3])],
        call: ([t]) => sg.reshape(t, [4]),
        re: /reshape: cannot reshape \[2,3\] \(size 6\) into \[4\]/,
      },
      {
        what: 'negative dim',
        setup: () => [sg.zeros([2, 3])],
        call: ([t]) => sg.reshape(t, [-2, -3]),
        re: /reshape:.*negative/,
      },
      {
        what: 'fractional dim',
        setup: () => [sg.zeros([2, 3])],
        call: ([t]) => sg.reshape(t, [2.5, 2]),
        re: /reshape:.*integer/,
      },
      {
        what: 'uninferrable -1',
        setup: () => [sg.zeros([2, 3])],
        call: ([t]) => sg.reshape(t, [4, -1]),
        re: /reshape: cannot infer the -1/,
      },
    ],
  },
  clone: {
    samples: [{ shapes: [[3, 5]] }, { shapes: [[]] }],
    call: ([x]) => sg.clone(x),
    ref: ([x]) => ({ shape: x.shape, data: x.data.slice() }),
    vjp: copyVjp,
    tol: exact,
    gradTol: 0,
    errors: [disposed('clone', ([t]) => sg.clone(t))],
  },
  detach: {
    samples: [{ shapes: [[3, 5]] }],
    call: ([x]) => sg.detach(x),
    ref: ([x]) => ({ shape: x.shape, data: x.data.slice() }),
    vjp: null,
    tol: exact,
    errors: [disposed('detach', ([t]) => sg.detach(t))],
  },
  transpose: {
    samples: [{ shapes: [[3, 5]] }, { shapes: [[1, 7]] }, { shapes: [[0, 2]] }],
    call: ([x]) => sg.transpose(x),
    ref: ([x]) => transposeRef(x),
    vjp: (_, dy) => [transposeRef(dy)],
    tol: exact,
    gradTol: 0,
    errors: [
      {
        what: '3-D input',
        setup: () => [sg.zeros([2, 3, 4])],
        call: ([t]) => t.T,
        re: /transpose: expected a 2-D tensor, got shape \[2,3,4\]/,
      },
    ],
  },
  concat: {
    samples: [
      {
        shapes: [
          [2, 3],
          [4, 3],
        ],
        args: [0],
      },
      {
        shapes: [
          [2, 3],
          [2, 1],
          [2, 5],
        ],
        args: [1],
      },
      {
        shapes: [
          [2, 3, 2],
          [2, 1, 2],
        ],
        args: [-2],
      },
    ],
    call: (ts, [axis]) => sg.concat(ts, axis),
    ref: (xs, [axis]) => concatRef(xs, axis < 0 ? axis + xs[0].shape.length : axis),
    vjp: (xs, dy, [axis]) => linearVjp(xs, dy, (e) => concatRef(e, axis < 0 ? axis + xs[0].shape.length : axis)),
    tol: exact,
    gradTol: 0,
    errors: [
      {
        what: 'shapes differ outside the axis',
        setup: () => [sg.zeros([2, 3]), sg.zeros([3, 4])],
        call: (ts) => sg.concat(ts, 0),
        re: /concat: shapes \[2,3\], \[3,4\] differ outside axis 0/,
      },
      { what: 'empty list', setup: () => [], call: () => sg.concat([]), re: /concat: expected a non-empty array/ },
      {
        what: 'axis out of range',
        setup: () => [sg.zeros([2, 3])],
        call: (ts) => sg.concat(ts, 2),
        re: /concat: axis 2 is out of range/,
      },
    ],
  },
  slice: {
    samples: [
      {
        shapes: [[5, 6]],
        args: [
          [1, 2],
          [3, -1],
        ],
      },
      {
        shapes: [[2, 3, 4]],
        args: [
          [0, 1, 1],
          [2, 2, 2],
        ],
      },
      { shapes: [[7]], args: [[3], [0]] },
    ],
    call: ([x], [b, s]) => sg.slice(x, b, s),
    ref: ([x], [b, s]) => sliceRef(x, b, s),
    vjp: ([x], dy, [b, s]) => linearVjp([x], dy, ([e]) => sliceRef(e, b, s)),
    tol: exact,
    gradTol: 0,
    errors: [
      {
        what: 'out of bounds',
        setup: () => [sg.zeros([2, 3])],
        call: ([t]) => sg.slice(t, [1, 1], [2, 1]),
        re: /slice: begin \[1,1\] with size \[2,1\] is out of bounds for shape \[2,3\]/,
      },
      {
        what: 'wrong rank',
        setup: () => [sg.zeros([2, 3])],
        call: ([t]) => sg.slice(t, [1], [1]),
        re: /slice: begin must be an array of 2 integers/,
      },
    ],
  },
  gather: {
    samples: [
      { shapes: [[5, 3]], args: [[4, 0, 0, 2], 0] },
      { shapes: [[2, 5, 3]], args: [[1, 3], 1] },
      { shapes: [[4, 6]], args: [[5, 5], -1] },
    ],
    call: ([x], [idx, axis]) => sg.gather(x, idx, axis),
    ref: ([x], [idx, axis]) => gatherRef(x, idx, axis < 0 ? axis + x.shape.length : axis),
    vjp: ([x], dy, [idx, axis]) =>
      linearVjp([x], dy, ([e]) => gatherRef(e, idx, axis < 0 ? axis + x.shape.length : axis)),
    tol: exact,
    gradTol: 1e-7,
    errors: [
      {
        what: 'index out of range',
        setup: () => [sg.zeros([3, 2])],
        call: ([t]) => sg.gather(t, [0, 3]),
        re: /gather: index 3 at position 1 is out of range for axis 0 of \[3,2\]/,
      },
      {
        what: 'fractional index',
        setup: () => [sg.zeros([3, 2])],
        call: ([t]) => sg.gather(t, [0.5]),
        re: /gather: index 0.5/,
      },
    ],
  },
};
