// A float64 reference of an MLP (PyTorch layout: W [out, in], y = x·Wᵀ + b),
// softmax cross-entropy, its full backward, and PyTorch's SGD and Adam rules,
// written directly from the formulas, for nn.test.ts and soak.test.ts.

export type Act = 'relu' | 'sigmoid' | 'tanh' | 'prelu';

export interface RefLayer {
  w: Float64Array; // [out, in]
  b: Float64Array; // [out]
  nIn: number;
  nOut: number;
  alpha?: Float64Array; // prelu α ([1] or [out]) after this layer
}

export interface RefModel {
  layers: RefLayer[];
  act: Act;
}

const actF = (act: Act, z: number, a: number) =>
  act === 'relu'
    ? Math.max(z, 0)
    : act === 'sigmoid'
      ? 1 / (1 + Math.exp(-z))
      : act === 'tanh'
        ? Math.tanh(z)
        : z > 0
          ? z
          : a * z;
const actD = (act: Act, z: number, a: number) => {
  if (act === 'relu') return z > 0 ? 1 : 0;
  if (act === 'sigmoid') {
    const s = 1 / (1 + Math.exp(-z));
    return s * (1 - s);
  }
  if (act === 'tanh') return 1 - Math.tanh(z) ** 2;
  return z > 0 ? 1 : a;
};

/** Forward: every pre-activation Z and activation H (H[0] = x). */
export function refForward(m: RefModel, x: Float64Array, B: number) {
  const H: Float64Array[] = [x];
  const Z: Float64Array[] = [];
  m.layers.forEach((L, li) => {
    const h = H[H.length - 1];
    const z = new Float64Array(B * L.nOut);
    for (let i = 0; i < B; i++)
      for (let o = 0; o < L.nOut; o++) {
        let s = L.b[o];
        for (let k = 0; k < L.nIn; k++) s += h[i * L.nIn + k] * L.w[o * L.nIn + k];
        z[i * L.nOut + o] = s;
      }
    Z.push(z);
    if (li === m.layers.length - 1) H.push(z);
    else H.push(z.map((v, j) => actF(m.act, v, alphaAt(L, j % L.nOut))));
  });
  return { H, Z, logits: H[H.length - 1] };
}

const alphaAt = (L: RefLayer, o: number) => (L.alpha ? L.alpha[L.alpha.length === 1 ? 0 : o] : 0);

/** Mean softmax cross-entropy and its gradient with respect to the logits. */
export function refXent(logits: Float64Array, labels: ArrayLike<number>, B: number, C: number) {
  let loss = 0;
  const d = new Float64Array(B * C);
  for (let i = 0; i < B; i++) {
    let mx = -Infinity;
    for (let c = 0; c < C; c++) mx = Math.max(mx, logits[i * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(logits[i * C + c] - mx);
    loss += Math.log(s) + mx - logits[i * C + labels[i]];
    for (let c = 0; c < C; c++) d[i * C + c] = (Math.exp(logits[i * C + c] - mx) / s - (c === labels[i] ? 1 : 0)) / B;
  }
  return { loss: loss / B, dlogits: d };
}

/** Gradients of every layer (dW, db, dα) from dLoss/dLogits. */
export function refBackward(m: RefModel, fwd: ReturnType<typeof refForward>, dlogits: Float64Array, B: number) {
  const grads: { w: Float64Array; b: Float64Array; alpha?: Float64Array }[] = [];
  let dh = dlogits;
  for (let li = m.layers.length - 1; li >= 0; li--) {
    const L = m.layers[li];
    const z = fwd.Z[li];
    let dz = dh;
    let dalpha: Float64Array | undefined;
    if (li < m.layers.length - 1) {
      dz = dh.map((g, j) => g * actD(m.act, z[j], alphaAt(L, j % L.nOut)));
      if (L.alpha) {
        dalpha = new Float64Array(L.alpha.length);
        for (let j = 0; j < dh.length; j++)
          if (!(z[j] > 0)) dalpha[L.alpha.length === 1 ? 0 : j % L.nOut] += dh[j] * z[j];
      }
    }
    const h = fwd.H[li];
    const w = new Float64Array(L.nOut * L.nIn);
    const b = new Float64Array(L.nOut);
    const dx = new Float64Array(B * L.nIn);
    for (let i = 0; i < B; i++)
      for (let o = 0; o < L.nOut; o++) {
        const g = dz[i * L.nOut + o];
        b[o] += g;
        for (let k = 0; k < L.nIn; k++) {
          w[o * L.nIn + k] += g * h[i * L.nIn + k];
          dx[i * L.nIn + k] += g * L.w[o * L.nIn + k];
        }
      }
    grads[li] = { w, b, alpha: dalpha };
    dh = dx;
  }
  return grads;
}

/** PyTorch SGD (dampening 0): g += wd·p; buf = μ·buf + g (first step: buf = g); p −= lr·buf. */
export function refSgd(
  p: Float64Array,
  g: ArrayLike<number>,
  buf: Float64Array | null,
  lr: number,
  mu: number,
  wd: number,
) {
  for (let i = 0; i < p.length; i++) {
    let d = g[i] + wd * p[i];
    if (buf) {
      buf[i] = mu * buf[i] + d;
      d = buf[i];
    }
    p[i] -= lr * d;
  }
}

/** PyTorch Adam (no amsgrad), step t ≥ 1. */
export function refAdam(
  p: Float64Array,
  g: ArrayLike<number>,
  m: Float64Array,
  v: Float64Array,
  t: number,
  o: { lr: number; b1: number; b2: number; eps: number; wd: number },
) {
  const bc1 = 1 - o.b1 ** t;
  const bc2 = 1 - o.b2 ** t;
  for (let i = 0; i < p.length; i++) {
    const d = g[i] + o.wd * p[i];
    m[i] = o.b1 * m[i] + (1 - o.b1) * d;
    v[i] = o.b2 * v[i] + (1 - o.b2) * d * d;
    p[i] -= (o.lr / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + o.eps));
  }
}

/** ‖a − b‖ / ‖b‖ (the norm comparison of docs/testing.md §2 (C)). */
export function relNorm(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.sqrt(den);
}
