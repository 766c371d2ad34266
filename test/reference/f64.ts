// Float64 reference ops and their vector-Jacobian products (the formulas the
// f32 kernels are checked against; grad.test.ts checks these formulas against
// central differences first). Plain arrays, row-major, NumPy broadcasting.

export interface Arr {
  shape: number[];
  data: Float64Array;
}

export const arr = (shape: number[], data: ArrayLike<number>): Arr => ({ shape, data: Float64Array.from(data) });
export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function bshape(a: readonly number[], b: readonly number[]): number[] {
  const nd = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < nd; i++) {
    const da = a[a.length - nd + i] ?? 1;
    const db = b[b.length - nd + i] ?? 1;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each output element, the flat index of the element of `shape` broadcast to `out`. */
function bindex(shape: readonly number[], out: readonly number[]): Int32Array {
  const n = size(out);
  const res = new Int32Array(n);
  const nd = out.length;
  const pad = [...Array(nd - shape.length).fill(1), ...shape];
  const idx = new Array(nd).fill(0);
  for (let o = 0; o < n; o++) {
    let f = 0;
    for (let i = 0; i < nd; i++) f = f * pad[i] + (pad[i] === 1 ? 0 : idx[i]);
    res[o] = f;
    for (let i = nd - 1; i >= 0 && ++idx[i] === out[i]; i--) idx[i] = 0;
  }
  return res;
}

export function binaryRef(a: Arr, b: Arr, f: (x: number, y: number) => number): Arr {
  const shape = bshape(a.shape, b.shape);
  const ia = bindex(a.shape, shape);
  const ib = bindex(b.shape, shape);
  const data = new Float64Array(size(shape));
  for (let i = 0; i < data.length; i++) data[i] = f(a.data[ia[i]], b.data[ib[i]]);
  return { shape, data };
}

/** The two partials of f at each output element, times dy, summed back to each operand's shape. */
export function binaryVjp(
  a: Arr,
  b: Arr,
  dy: Arr,
  da: (x: number, y: number) => number,
  db: (x: number, y: number) => number,
): [Arr, Arr] {
  const ia = bindex(a.shape, dy.shape);
  const ib = bindex(b.shape, dy.shape);
  const ga = new Float64Array(a.data.length);
  const gb = new Float64Array(b.data.length);
  for (let i = 0; i < dy.data.length; i++) {
    const x = a.data[ia[i]];
    const y = b.data[ib[i]];
    ga[ia[i]] += dy.data[i] * da(x, y);
    gb[ib[i]] += dy.data[i] * db(x, y);
  }
  return [
    { shape: a.shape, data: ga },
    { shape: b.shape, data: gb },
  ];
}

export function unaryRef(x: Arr, f: (v: number) => number): Arr {
  return { shape: x.shape.slice(), data: x.data.map(f) };
}

export function unaryVjp(x: Arr, dy: Arr, d: (v: number) => number): Arr {
  // a zero derivative gives +0 (not dy·0 = −0 for negative dy), as the kernels do
  return { shape: x.shape.slice(), data: x.data.map((v, i) => (d(v) === 0 ? 0 : dy.data[i] * d(v))) };
}

/** 1-D/2-D/3-D matmul with NumPy promotion rules (batch 1 broadcasts). */
export function matmulRef(a: Arr, b: Arr): Arr {
  const ea = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const eb = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const [M, K] = ea.slice(-2);
  const N = eb[eb.length - 1];
  const ba = ea.length === 3 ? ea[0] : 1;
  const bb = eb.length === 3 ? eb[0] : 1;
  const B = Math.max(ba, bb);
  const data = new Float64Array(B * M * N);
  for (let t = 0; t < B; t++) {
    const oa = ba === 1 ? 0 : t * M * K;
    const ob = bb === 1 ? 0 : t * K * N;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a.data[oa + i * K + k] * b.data[ob + k * N + j];
        data[t * M * N + i * N + j] = s;
      }
  }
  const shape: number[] = [];
  if (ea.length === 3 || eb.length === 3) shape.push(B);
  if (a.shape.length !== 1) shape.push(M);
  if (b.shape.length !== 1) shape.push(N);
  return { shape, data };
}

/** Σ_k |a_ik||b_kj| per output element (for the γ_K error bound). */
export function matmulAbs(a: Arr, b: Arr): Arr {
  return matmulRef(unaryRef(a, Math.abs), unaryRef(b, Math.abs));
}

export function transposeRef(x: Arr): Arr {
  const [m, n] = x.shape;
  const data = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) data[j * m + i] = x.data[i * n + j];
  return { shape: [n, m], data };
}

/** matmul's VJP by the definition: dA = dC·Bᵀ, dB = Aᵀ·dC (with promotion and batch sums). */
export function matmulVjp(a: Arr, b: Arr, dc: Arr): [Arr, Arr] {
  const ga = new Float64Array(a.data.length);
  const gb = new Float64Array(b.data.length);
  const ea = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
  const eb = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
  const [M, K] = ea.slice(-2);
  const N = eb[eb.length - 1];
  const ba = ea.length === 3 ? ea[0] : 1;
  const bb = eb.length === 3 ? eb[0] : 1;
  const B = Math.max(ba, bb);
  for (let t = 0; t < B; t++) {
    const oa = ba === 1 ? 0 : t * M * K;
    const ob = bb === 1 ? 0 : t * K * N;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        const g = dc.data[t * M * N + i * N + j];
        for (let k = 0; k < K; k++) {
          ga[oa + i * K + k] += g * b.data[ob + k * N + j];
          gb[ob + k * N + j] += g * a.data[oa + i * K + k];
        }
      }
  }
  return [
    { shape: a.shape, data: ga },
    { shape: b.shape, data: gb },
  ];
}

/** Reduction over axes (all when undefined) with f combining values of one output. */
export function reduceRef(x: Arr, axes: number[] | undefined, keepdims: boolean, f: (v: number[]) => number): Arr {
  const nd = x.shape.length;
  const red = x.shape.map((_, i) => axes === undefined || axes.map((a) => (a < 0 ? a + nd : a)).includes(i));
  const outShape = keepdims ? x.shape.map((d, i) => (red[i] ? 1 : d)) : x.shape.filter((_, i) => !red[i]);
  const groups: number[][] = Array.from({ length: size(outShape) }, () => []);
  const idx = new Array(nd).fill(0);
  for (let o = 0; o < x.data.length; o++) {
    let g = 0;
    for (let i = 0; i < nd; i++) if (!red[i]) g = g * x.shape[i] + idx[i];
    groups[g].push(x.data[o]);
    for (let i = nd - 1; i >= 0 && ++idx[i] === x.shape[i]; i--) idx[i] = 0;
  }
  return { shape: outShape, data: Float64Array.from(groups.map(f)) };
}

/** For each element of x, the flat index of its output group (as reduceRef). */
export function groupOf(x: Arr, axes: number[] | undefined): Int32Array {
  const nd = x.shape.length;
  const red = x.shape.map((_, i) => axes === undefined || axes.map((a) => (a < 0 ? a + nd : a)).includes(i));
  const out = new Int32Array(x.data.length);
  const idx = new Array(nd).fill(0);
  for (let o = 0; o < x.data.length; o++) {
    let g = 0;
    for (let i = 0; i < nd; i++) if (!red[i]) g = g * x.shape[i] + idx[i];
    out[o] = g;
    for (let i = nd - 1; i >= 0 && ++idx[i] === x.shape[i]; i--) idx[i] = 0;
  }
  return out;
}

/** Softmax / log-softmax along the last axis (max-shifted, in f64). */
export function softmaxRef(x: Arr, log: boolean): Arr {
  const n = x.shape[x.shape.length - 1];
  const data = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / n; r++) {
    const row = Array.from(x.data.subarray(r * n, r * n + n));
    const m = Math.max(...row);
    const s = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
    for (let j = 0; j < n; j++) data[r * n + j] = log ? row[j] - m - Math.log(s) : Math.exp(row[j] - m) / s;
  }
  return { shape: x.shape.slice(), data };
}

export function softmaxVjp(x: Arr, dy: Arr, log: boolean): Arr {
  const y = softmaxRef(x, false);
  const n = x.shape[x.shape.length - 1];
  const data = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / n; r++) {
    let dot = 0;
    for (let j = 0; j < n; j++) dot += log ? dy.data[r * n + j] : dy.data[r * n + j] * y.data[r * n + j];
    for (let j = 0; j < n; j++) {
      const i = r * n + j;
      data[i] = log ? dy.data[i] - y.data[i] * dot : y.data[i] * (dy.data[i] - dot);
    }
  }
  return { shape: x.shape.slice(), data };
}

/** Moves `axis` of x to the end (for softmax along another axis), and back. */
export function moveAxis(x: Arr, from: number, to: number): Arr {
  const nd = x.shape.length;
  const perm = [...Array(nd).keys()];
  perm.splice(from, 1);
  perm.splice(to, 0, from);
  const shape = perm.map((p) => x.shape[p]);
  const strides = new Array(nd);
  for (let i = nd - 1, s = 1; i >= 0; s *= x.shape[i], i--) strides[i] = s;
  const data = new Float64Array(x.data.length);
  const idx = new Array(nd).fill(0);
  for (let o = 0; o < data.length; o++) {
    let f = 0;
    for (let i = 0; i < nd; i++) f += idx[i] * strides[perm[i]];
    data[o] = x.data[f];
    for (let i = nd - 1; i >= 0 && ++idx[i] === shape[i]; i--) idx[i] = 0;
  }
  return { shape, data };
}
