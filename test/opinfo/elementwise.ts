// opinfo entries: broadcast binaries, unary maps and activations.
import type { OpName, Tensor } from 'simdgrad';
import * as sg from 'simdgrad';
import { binaryRef, binaryVjp, size, unaryRef, unaryVjp } from '../reference/f64.js';
import type { Tol } from '../util/close.js';
import { disposed, exact, fns, notTensor, type OpInfo, type Sample, ulp } from './common.js';

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
  name: 'neg' | 'exp' | 'log' | 'sqrt' | 'square' | 'abs',
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

export const elementwiseInfo = {
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
} satisfies Partial<Record<OpName, OpInfo>>;
