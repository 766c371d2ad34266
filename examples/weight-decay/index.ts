// The book's weight-decay section (d2l 3.7) reproduced: high-dimensional
// linear regression with 200 inputs and only 20 training examples,
// y = 0.05 + Σ 0.01·xᵢ + ε, ε ~ N(0, 0.01²), 100 test examples. A Linear(200, 1)
// with N(0, 1) weights trained by minibatch SGD (batch 5, lr 0.003, 100 epochs)
// on the squared loss, with weight decay λ on the weight only (the book's
// concise version: the bias is not decayed). λ = 0 overfits (train loss → 0,
// test loss stays large); λ = 3 does not.
import * as sg from 'simdgrad';
import { line } from 'simdgrad/plot';

export interface CurveSet {
  lambda: number;
  epochs: number[];
  trainLoss: number[];
  testLoss: number[];
  /** ‖w‖₂ after training. */
  weightNorm: number;
  svg: string;
}

const N_TRAIN = 20;
const N_TEST = 100;
const D = 200;

/** The synthetic data, the same for every λ: X ~ N(0, 1), y = 0.05 + X·0.01 + N(0, 0.01²). */
function data(n: number, seed: number): { X: Float32Array; y: Float32Array } {
  const X = sg.randn([n, D], { seed }).data();
  const noise = sg.randn([n], { seed: seed + 1, std: 0.01 }).data();
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0.05;
    for (let j = 0; j < D; j++) s += 0.01 * X[i * D + j];
    y[i] = s + noise[i];
  }
  return { X, y };
}

function meanLoss(net: sg.nn.Linear, X: Float32Array, y: Float32Array, n: number): number {
  return sg.tidy(() => sg.nn.mseLoss(net.forward(sg.tensor(X, [n, D])), sg.tensor(y, [n, 1])).item());
}

export async function train(lambda: number, options: { epochs?: number; seed?: number } = {}): Promise<CurveSet> {
  const { epochs = 100, seed = 0 } = options;
  await sg.init();
  const tr = data(N_TRAIN, 100 + seed);
  const te = data(N_TEST, 200 + seed);
  const net = new sg.nn.Linear(D, 1, { seed });
  sg.nn.init.normal(net.weight, { seed: 300 + seed });
  sg.nn.init.zeros(net.bias as sg.Tensor);
  const decayed = new sg.optim.SGD([net.weight], { lr: 0.003, weightDecay: lambda });
  const plain = new sg.optim.SGD([net.bias as sg.Tensor], { lr: 0.003 });
  const out: CurveSet = { lambda, epochs: [], trainLoss: [], testLoss: [], weightNorm: 0, svg: '' };
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let s = 0; s < N_TRAIN; s += 5) {
      sg.tidy(() => {
        const x = sg.tensor(tr.X.subarray(s * D, (s + 5) * D), [5, D]);
        const t = sg.tensor(tr.y.subarray(s, s + 5), [5, 1]);
        sg.autograd.record(() => sg.nn.mseLoss(net.forward(x), t)).backward();
        decayed.step();
        plain.step();
      });
    }
    if (epoch % 5 === 0) {
      out.epochs.push(epoch);
      out.trainLoss.push(meanLoss(net, tr.X, tr.y, N_TRAIN));
      out.testLoss.push(meanLoss(net, te.X, te.y, N_TEST));
    }
  }
  out.weightNorm = Math.sqrt(net.weight.data().reduce((a, v) => a + v * v, 0));
  decayed.dispose();
  plain.dispose();
  out.svg = line({
    x: out.epochs,
    ys: { train: out.trainLoss, test: out.testLoss },
    xlabel: 'epoch',
    ylabel: 'squared loss',
    yLog: true,
    title: `weight decay λ = ${lambda} (‖w‖ = ${out.weightNorm.toFixed(3)})`,
    width: 480,
    height: 320,
  });
  return out;
}

/** Both of the book's runs: λ = 0 and λ = 3. */
export async function run(options: { epochs?: number; seed?: number } = {}): Promise<CurveSet[]> {
  return [await train(0, options), await train(3, options)];
}
