// The book's numerical-stability section (d2l 5.4), its two figures:
// the sigmoid's gradient vanishing away from 0 (computed through the tape),
// and the product of 100 random 4×4 Gaussian matrices exploding. A third
// figure shows what Xavier initialisation is for: the activation scale through
// 20 linear layers of width 256 grows ×16 per layer with N(0, 1) weights and
// stays of order 1 with nn.init.xavierNormal (variance 2/(nIn + nOut)).
import * as sg from 'simdgrad';
import { line } from 'simdgrad/plot';

export interface InitResult {
  x: number[];
  sigmoid: number[];
  grad: number[];
  /** max |entry| of M₀·M₁·…·Mₖ for k = 0…100 */
  productMax: number[];
  /** the std of the activations after each of 20 linear layers, N(0,1) weights vs Xavier */
  stdNormal: number[];
  stdXavier: number[];
  figures: { 'sigmoid-gradient.svg': string; 'matrix-product.svg': string; 'xavier.svg': string };
}

function std(t: sg.Tensor): number {
  const d = t.data();
  let s = 0;
  let s2 = 0;
  for (const v of d) {
    s += v;
    s2 += v * v;
  }
  return Math.sqrt(s2 / d.length - (s / d.length) ** 2);
}

export async function run(options: { seed?: number } = {}): Promise<InitResult> {
  const { seed = 0 } = options;
  await sg.init();
  // 1. vanishing gradient: d sigmoid / dx on arange(-8, 8, 0.1)
  const x = sg.arange(-8, 8, 0.1);
  x.attachGrad();
  const y = sg.autograd.record(() => sg.sigmoid(x));
  y.backward();
  const r = { x: Array.from(x.data()), sigmoid: Array.from(y.data()), grad: Array.from(x.grad!.data()) };
  y.dispose();
  x.dispose();
  // 2. exploding product of 100 random 4×4 matrices
  const productMax: number[] = [];
  let M = sg.randn([4, 4], { seed });
  productMax.push(Math.max(...Array.from(M.data(), Math.abs)));
  for (let k = 1; k <= 100; k++) {
    const R = sg.randn([4, 4], { seed: seed + k });
    const next = M.matmul(R);
    M.dispose();
    R.dispose();
    M = next;
    productMax.push(Math.max(...Array.from(M.data(), Math.abs)));
  }
  M.dispose();
  // 3. activation scale through 20 linear layers of width 256
  const scale = (init: 'normal' | 'xavier') =>
    sg.tidy(() => {
      let h = sg.randn([64, 256], { seed: seed + 500 });
      const out: number[] = [];
      for (let l = 0; l < 20; l++) {
        const W = sg.zeros([256, 256]);
        if (init === 'xavier') sg.nn.init.xavierNormal(W, { seed: seed + 600 + l });
        else sg.nn.init.normal(W, { seed: seed + 600 + l });
        h = sg.nn.linear(h, W, null);
        out.push(std(h));
      }
      return out;
    });
  const stdNormal = scale('normal');
  const stdXavier = scale('xavier');
  const layers = stdNormal.map((_, i) => i + 1);
  return {
    ...r,
    productMax,
    stdNormal,
    stdXavier,
    figures: {
      'sigmoid-gradient.svg': line({
        x: r.x,
        ys: { sigmoid: r.sigmoid, gradient: r.grad },
        xlabel: 'x',
        title: 'sigmoid and its gradient: vanishing away from 0',
        width: 480,
        height: 320,
      }),
      'matrix-product.svg': line({
        x: productMax.map((_, k) => k),
        ys: { 'max |entry|': productMax },
        xlabel: 'matrices multiplied',
        yLog: true,
        title: 'product of 100 random 4×4 Gaussian matrices',
        width: 480,
        height: 320,
      }),
      'xavier.svg': line({
        x: layers,
        ys: { 'N(0, 1) weights': stdNormal, 'Xavier normal': stdXavier },
        xlabel: 'linear layer',
        ylabel: 'activation std',
        yLog: true,
        title: 'activation scale through 20 linear layers of width 256',
        width: 480,
        height: 320,
      }),
    },
  };
}
