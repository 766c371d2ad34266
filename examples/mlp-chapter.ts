// The d2l MLP chapter (4.1), walked in order with simdgrad's tape:
// x = arange(−8, 8, 0.1); x.attachGrad(); y = record(() => act(x)); y.backward(); x.grad
// for relu, sigmoid and tanh; the exercise identity tanh(x) + 1 = 2·sigmoid(2x);
// and why a two-layer MLP without an activation collapses into one linear layer
// (W = W₂W₁, b = W₂b₁ + b₂). main() returns the numbers; run-chapter.ts prints them.
import * as sg from 'simdgrad';

export interface Curve {
  y: number[];
  grad: number[];
}

export interface ChapterResult {
  x: number[];
  relu: Curve;
  sigmoid: Curve;
  tanh: Curve;
  /** relu′ at exactly x = 0 (the book takes the left-hand derivative: 0) */
  reluGradAtZero: number;
  /** the maximum of each derivative curve and the x where it is reached */
  sigmoidPeak: { value: number; at: number };
  tanhPeak: { value: number; at: number };
  /** max |tanh(x) + 1 − 2·sigmoid(2x)| over the grid */
  identityMaxError: number;
  /** max |two linear layers − the collapsed single layer| on a batch */
  collapseMaxError: number;
  collapsedShapes: { W: number[]; b: number[] };
  /** the two-layer output ((X·W₁ᵀ + b₁)·W₂ᵀ + b₂, [5, 3] row-major) on the weights of `weights(n, seed)` */
  twoLayers: number[];
}

/** d act(x) / dx on the grid, through the tape. */
function derivative(x: sg.Tensor, act: (t: sg.Tensor) => sg.Tensor): Curve {
  const y = sg.autograd.record(() => act(x)); // non-scalar y: backward uses a head of ones
  y.backward();
  const curve = { y: Array.from(y.data()), grad: Array.from(x.grad!.data()) };
  y.dispose();
  return curve;
}

function peak(x: number[], v: number[]): { value: number; at: number } {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return { value: v[best], at: x[best] };
}

/** Deterministic small weights (an LCG; no Math.random). */
export function weights(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 0.5;
  }
  return out;
}

export async function main(): Promise<ChapterResult> {
  await sg.init();
  const x = sg.arange(-8, 8, 0.1); // 160 points
  x.attachGrad();
  const xs = Array.from(x.data());

  const relu = derivative(x, sg.relu);
  const sigmoid = derivative(x, sg.sigmoid);
  const tanh = derivative(x, sg.tanh);

  // relu at exactly 0 (also on the grid: −8 + 80·0.1 = 0 in float64)
  const zero = sg.tensor([0]);
  zero.attachGrad();
  const r0 = derivative(zero, sg.relu);
  zero.dispose();

  // exercise: tanh(x) + 1 = 2·sigmoid(2x)
  const identityMaxError = sg.tidy(() => {
    const lhs = sg.add(sg.tanh(x), 1);
    const rhs = sg.mul(sg.sigmoid(sg.mul(x, 2)), 2);
    return sg.max(sg.abs(sg.sub(lhs, rhs))).item();
  });

  // two linear layers without an activation = one linear layer
  const [n, d, h, o] = [5, 4, 8, 3];
  const collapse = sg.tidy(() => {
    const X = sg.tensor(weights(n * d, 1), [n, d]);
    const W1 = sg.tensor(weights(h * d, 2), [h, d]);
    const b1 = sg.tensor(weights(h, 3), [h]);
    const W2 = sg.tensor(weights(o * h, 4), [o, h]);
    const b2 = sg.tensor(weights(o, 5), [o]);
    const twoLayers = sg.add(sg.matmul(sg.add(sg.matmul(X, W1.T), b1), W2.T), b2);
    const W = sg.matmul(W2, W1); // [o, d]
    const b = sg.add(sg.matmul(W2, b1), b2); // [o]
    const oneLayer = sg.add(sg.matmul(X, W.T), b);
    return {
      err: sg.max(sg.abs(sg.sub(twoLayers, oneLayer))).item(),
      out: Array.from(twoLayers.data()),
      W: W.shape.slice(),
      b: b.shape.slice(),
    };
  });
  x.dispose();

  return {
    x: xs,
    relu,
    sigmoid,
    tanh,
    reluGradAtZero: r0.grad[0],
    sigmoidPeak: peak(xs, sigmoid.grad),
    tanhPeak: peak(xs, tanh.grad),
    identityMaxError,
    collapseMaxError: collapse.err,
    collapsedShapes: { W: collapse.W, b: collapse.b },
    twoLayers: collapse.out,
  };
}
