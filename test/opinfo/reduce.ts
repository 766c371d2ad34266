// opinfo entries: reductions, arg-reductions, softmax and logSoftmax.
import type { OpName } from 'simdgrad';
import * as sg from 'simdgrad';
import { type Arr, groupOf, moveAxis, reduceRef, size, softmaxRef, softmaxVjp } from '../reference/f64.js';
import { type Args, disposed, type ErrorInput, exact, fns, gamma, type OpInfo, type Sample, u } from './common.js';

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

export const reduceInfo = {
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
} satisfies Partial<Record<OpName, OpInfo>>;
