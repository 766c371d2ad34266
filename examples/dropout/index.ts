// The book's dropout section (d2l 5.6) reproduced: the 784-256-256-10 ReLU MLP
// with dropout 0.2 after the first hidden layer and 0.5 after the second,
// SGD lr 0.5, batch 256, 10 epochs on Fashion-MNIST. run() trains it and
// returns the per-epoch curves and the d2l-style SVG figure; main.ts runs it at
// full size. Dropout acts only in train(); evaluation runs in eval() mode.
import * as sg from 'simdgrad';
import { DataLoader, fashionMnist } from 'simdgrad/data';
import { line } from 'simdgrad/plot';

export interface DropoutOptions {
  /** Images per split (class-balanced); default all (60,000 train, 10,000 test). */
  limit?: number;
  epochs?: number;
  batch?: number;
  lr?: number;
  dropout?: [number, number];
  seed?: number;
}

export interface DropoutResult {
  epochs: number[];
  trainLoss: number[];
  trainAcc: number[];
  testAcc: number[];
  svg: string;
}

function accuracy(model: sg.nn.Module, images: Float32Array, labels: Int32Array): number {
  model.eval();
  let correct = 0;
  const n = labels.length;
  for (let s = 0; s < n; s += 2500) {
    const b = Math.min(2500, n - s);
    sg.tidy(() => {
      const pred = model
        .forward(sg.tensor(images.subarray(s * 784, (s + b) * 784), [b, 784]))
        .argmax(-1)
        .data();
      for (let i = 0; i < b; i++) if (pred[i] === labels[s + i]) correct++;
    });
  }
  model.train();
  return correct / n;
}

export async function run(options: DropoutOptions = {}): Promise<DropoutResult> {
  const { limit, epochs = 10, batch = 256, lr = 0.5, dropout = [0.2, 0.5], seed = 0 } = options;
  await sg.init();
  const train = fashionMnist({ split: 'train', limit });
  const test = fashionMnist({ split: 'test', limit });
  const model = new sg.nn.MLP([784, 256, 256, 10], { dropout, seed });
  const opt = new sg.optim.SGD(model, { lr });
  const loader = new DataLoader(train.images, train.labels, { batchSize: batch, seed });
  const r: DropoutResult = { epochs: [], trainLoss: [], trainAcc: [], testAcc: [], svg: '' };
  for (let epoch = 1; epoch <= epochs; epoch++) {
    sg.seed(seed * 65536 + epoch); // the masks of epoch e depend on (seed, e) only
    let loss = 0;
    let correct = 0;
    let seen = 0;
    for (const { x, y } of loader) {
      sg.tidy(() => {
        let logits: sg.Tensor | undefined;
        const l = sg.autograd.record(() => {
          logits = model.forward(x);
          return sg.nn.softmaxCrossEntropy(logits, y);
        });
        l.backward();
        opt.step();
        loss += l.item() * y.length;
        const pred = (logits as sg.Tensor).argmax(-1).data();
        for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) correct++;
      });
      x.dispose();
      seen += y.length;
    }
    r.epochs.push(epoch);
    r.trainLoss.push(loss / seen);
    r.trainAcc.push(correct / seen);
    r.testAcc.push(accuracy(model, test.images, test.labels));
  }
  opt.dispose();
  r.svg = line({
    x: r.epochs,
    ys: { 'train loss': r.trainLoss, 'train acc': r.trainAcc, 'test acc': r.testAcc },
    xlabel: 'epoch',
    title: `MLP 784-256-256-10, dropout ${dropout.join('/')}, SGD lr ${lr}`,
    width: 560,
    height: 360,
  });
  return r;
}
