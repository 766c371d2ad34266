// opinfo entries: matmul and the shape ops.
import type { OpName } from 'simdgrad';
import * as sg from 'simdgrad';
import { type Arr, matmulAbs, matmulRef, matmulVjp, size, transposeRef } from '../reference/f64.js';
import { disposed, exact, gamma, type OpInfo } from './common.js';

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

export const shapeInfo = {
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
} satisfies Partial<Record<OpName, OpInfo>>;
