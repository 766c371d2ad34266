// opinfo entries: the nn ops outside the fused linear family — dropout (its
// mask recomputed here from the generator's definition, splitmix64 over the
// element index, so values are checked exactly) and huberLoss.
import * as sg from 'simdgrad';
import type { Arr } from '../reference/f64.js';
import { disposed, exact, type OpInfo, u } from './common.js';

const M64 = (1n << 64n) - 1n;
/** splitmix64 output number i for a 64-bit seed (assembly/rng.ts `mix`). */
export function mix(seed: bigint, i: number): bigint {
  let z = (seed + BigInt(i + 1) * 0x9e3779b97f4a7c15n) & M64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}

/**
 * The reference mask of dropout(p, seed) over n elements (true = kept): element
 * j draws the low (even j) or high (odd j) 32 bits of splitmix64 output ⌊j/2⌋ and
 * is kept when they are ≥ ⌊p·2³²⌋ (p = 1 drops all).
 */
export function dropoutMask(n: number, p: number, seed: number): boolean[] {
  const s = BigInt(seed >>> 0) | (BigInt(Math.floor(seed / 2 ** 32) >>> 0) << 32n);
  const threshold = BigInt(Math.floor(p * 2 ** 32));
  return Array.from({ length: n }, (_, j) => {
    const h = mix(s, j >> 1);
    const u = j & 1 ? h >> 32n : h & 0xffffffffn;
    return p < 1 && u >= threshold;
  });
}

export const dropoutScale = (p: number) => Math.fround(1 / Math.fround(1 - p));

const dropCall = (t: sg.Tensor[], [p = 0.5, seed = 7]: [number?, number?] = []) => sg.nn.dropout(t[0], p, { seed });

const dropout: OpInfo = {
  samples: [
    { shapes: [[7]], args: [0.5, 3] },
    { shapes: [[5, 13]], args: [0.2, 11] },
    { shapes: [[2, 3, 33]], args: [0.9, 5] },
    { shapes: [[9]], args: [1, 2] },
    { shapes: [[1, 1]], args: [0.3, 2 ** 40 + 5] },
  ],
  call: (t, args) => dropCall(t, args as [number, number]),
  ref: ([x], [p = 0.5, seed = 7]) => {
    const keep = dropoutMask(x.data.length, p, seed);
    const sc = dropoutScale(p);
    return { shape: x.shape, data: x.data.map((v, i) => v * (keep[i] ? sc : 0)) };
  },
  vjp: ([x], dy, [p = 0.5, seed = 7]) => {
    const keep = dropoutMask(x.data.length, p, seed);
    const sc = dropoutScale(p);
    return [{ shape: x.shape, data: dy.data.map((v, i) => v * (keep[i] ? sc : 0)) }];
  },
  tol: exact,
  gradTol: 0,
  edges: true,
  errors: [
    {
      what: 'p above 1',
      setup: () => [sg.zeros([3])],
      call: ([x]) => sg.nn.dropout(x, 1.5),
      re: /dropout: p must be a probability in \[0, 1\], got number 1.5/,
    },
    {
      what: 'p NaN',
      setup: () => [sg.zeros([3])],
      call: ([x]) => sg.nn.dropout(x, Number.NaN),
      re: /dropout: p must be a probability/,
    },
    {
      what: 'a fractional seed',
      setup: () => [sg.zeros([3])],
      call: ([x]) => sg.nn.dropout(x, 0.5, { seed: 0.5 }),
      re: /dropout: seed must be an integer/,
    },
    {
      what: 'not a tensor',
      setup: () => [],
      // biome-ignore lint/suspicious/noExplicitAny: a bad argument on purpose
      call: () => sg.nn.dropout([1, 2] as any, 0.5),
      re: /dropout: expected a tensor/,
    },
    disposed('dropout', ([t]) => sg.nn.dropout(t, 0.5)),
  ],
};

function huberRows(a: Arr, b: Arr, delta: number) {
  const loss = a.data.map((v, i) => {
    const z = Math.abs(v - b.data[i]);
    return z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta);
  });
  // f32: |a − b| (1 rounding), then two products or a difference and a product
  const bound = a.data.map((v, i) => {
    const z = Math.abs(v - b.data[i]);
    return 4 * u * (z * z + delta * (z + delta)) + 2 ** -126;
  });
  return { loss, bound };
}

const huberLoss: OpInfo = {
  samples: [
    { shapes: [[7], [7]], args: [1, 'mean'] },
    {
      shapes: [
        [3, 5],
        [3, 5],
      ],
      args: [0.5, 'none'],
    },
    {
      shapes: [
        [2, 3, 4],
        [2, 3, 4],
      ],
      args: [2, 'sum'],
    },
    { shapes: [[1], [1]], args: [1, 'mean'] },
    { shapes: [[33], [33]], args: [0.25, 'mean'] },
  ],
  call: (t, [delta, reduction]) => sg.nn.huberLoss(t[0], t[1], { delta, reduction }),
  ref: ([a, b], [delta, reduction]) => {
    const { loss } = huberRows(a, b, delta);
    if (reduction === 'none') return { shape: a.shape, data: loss };
    const s = loss.reduce((x, v) => x + v, 0);
    return { shape: [], data: Float64Array.of(reduction === 'mean' ? s / loss.length : s) };
  },
  vjp: ([a, b], dy, [delta, reduction]) => {
    const n = a.data.length;
    const da = a.data.map((v, i) => {
      const g = reduction === 'none' ? dy.data[i] : reduction === 'mean' ? dy.data[0] / n : dy.data[0];
      const d = v - b.data[i];
      return (d < -delta ? -delta : d > delta ? delta : d) * g;
    });
    return [
      { shape: a.shape, data: da },
      { shape: b.shape, data: da.map((v) => -v) },
    ];
  },
  tol: ([a, b], [delta, reduction], ref) => {
    const { loss, bound } = huberRows(a, b, delta);
    if (reduction === 'none') return bound;
    const n = loss.length;
    const sum = bound.reduce((x, v) => x + v, 0) + n * u * loss.reduce((x, v) => x + v, 0);
    return Float64Array.of((reduction === 'mean' ? sum / n : sum) + 2 * u * Math.abs(ref.data[0]));
  },
  gradTol: 1e-6,
  errors: [
    {
      what: 'shapes differ',
      setup: () => [sg.zeros([2, 3]), sg.zeros([3, 2])],
      call: ([a, b]) => sg.nn.huberLoss(a, b),
      re: /huberLoss: pred \[2,3\] and target \[3,2\] must have the same shape/,
    },
    {
      what: 'delta not positive',
      setup: () => [sg.zeros([2]), sg.zeros([2])],
      call: ([a, b]) => sg.nn.huberLoss(a, b, { delta: 0 }),
      re: /huberLoss: delta must be a positive finite number, got number 0/,
    },
    {
      what: 'a bad reduction',
      setup: () => [sg.zeros([2]), sg.zeros([2])],
      // biome-ignore lint/suspicious/noExplicitAny: a bad option on purpose
      call: ([a, b]) => sg.nn.huberLoss(a, b, { reduction: 'avg' as any }),
      re: /huberLoss: reduction must be/,
    },
    disposed('huberLoss', ([t]) => sg.nn.huberLoss(t, t)),
  ],
};

export const nnInfo = { dropout, huberLoss };
