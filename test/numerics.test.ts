// Forward numerics generated from test/opinfo.ts: every op against its float64
// reference on shapes that are not multiples of 4, with inputs as sampled and
// scaled by 1e-3 and 1e3, plus the edge-value grid (±inf, NaN, −0, ±1e30,
// denormals) for the elementwise ops.
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';
import { type OpInfo, opinfo } from './opinfo.js';
import type { Arr } from './reference/f64.js';
import { assertClose } from './util/close.js';
import { inputs, label } from './util/gen.js';

beforeAll(async () => {
  await sg.init();
});

function check(info: OpInfo, out: sg.Tensor, arrs: Arr[], args: unknown[], what: string): void {
  const ref = info.ref(arrs, args);
  expect(out.shape, `${what}: shape`).toEqual(ref.shape);
  const got = out.data();
  if (typeof info.tol === 'function') {
    const bound = info.tol(arrs, args, ref);
    ref.data.forEach((r, i) => {
      const ok = Number.isNaN(r) ? Number.isNaN(got[i]) : got[i] === r || Math.abs(got[i] - r) <= bound[i];
      if (!ok) throw new Error(`${what}: index ${i}: got ${got[i]}, expected ${r} ± ${bound[i]}`);
    });
  } else assertClose(got, ref.data.map(Math.fround), info.tol, what);
}

const EDGES = [
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
  -0,
  0,
  1e30,
  -1e30,
  1e-40,
  -1e-40,
  1.5,
  -0.75,
];

for (const [name, info] of Object.entries(opinfo) as [keyof typeof opinfo, OpInfo][]) {
  describe(`${name} forward`, () => {
    for (const s of info.samples) {
      for (const scale of [1, 1e-3, 1e3]) {
        it(`${label(name, s)} ×${scale}`, () => {
          const args = s.args ?? [];
          const { tensors, arrs } = inputs(info, s, 7, scale);
          const out = info.call(tensors, args);
          check(info, out, arrs, args, `${label(name, s)} ×${scale}`);
          out.dispose();
          for (const t of tensors) t.dispose();
        });
      }
    }
    if (info.edges) {
      it('edge values: ±inf, NaN, −0, ±1e30, denormals', () => {
        const arity = info.samples[0].shapes.length;
        let a: number[] = EDGES;
        let b: number[] = [];
        if (arity === 2) {
          a = EDGES.flatMap((x) => EDGES.map(() => x));
          b = EDGES.flatMap(() => EDGES);
        }
        const xs = arity === 2 ? [a, b] : [a];
        if (name === 'prelu') xs[1] = [0.25];
        const tensors = xs.map((v, k) => sg.tensor(v, name === 'prelu' && k === 1 ? [1] : [v.length]));
        const arrs = xs.map((v, k) => ({
          shape: tensors[k].shape.slice(),
          data: Float64Array.from(v.map(Math.fround)),
        }));
        const out = info.call(tensors, []);
        check(info, out, arrs, [], `${name} edges`);
        out.dispose();
        for (const t of tensors) t.dispose();
      });
    }
  });
}
