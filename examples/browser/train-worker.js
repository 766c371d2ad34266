// The module Web Worker that trains: the page stays responsive because every
// wasm call happens here. It fetches the Fashion-MNIST subset, computes the
// book's activation curves with the tape, then trains the MLP with SGD and posts
// progress (loss, train and test accuracy) and test predictions to the page.
import * as sg from 'simdgrad';
import { CLASSES } from './classes.js';

const SHOWN = 24; // test images shown with their predictions

let stopRequested = false;
self.onmessage = (e) => {
  if (e.data.type === 'start') run(e.data).catch((err) => post({ type: 'error', message: String(err?.stack ?? err) }));
  if (e.data.type === 'stop') stopRequested = true;
};
const post = (m) => self.postMessage(m);
const yieldToEvents = () => new Promise((r) => setTimeout(r, 0));

async function loadSubset() {
  const res = await fetch(new URL('./fashion-subset.bin', import.meta.url));
  if (!res.ok) throw new Error(`fashion-subset.bin: HTTP ${res.status}`);
  const buf = new Uint8Array(await res.arrayBuffer());
  const view = new DataView(buf.buffer);
  if (String.fromCharCode(...buf.subarray(0, 4)) !== 'SGFM') throw new Error('fashion-subset.bin: bad magic');
  const nTrain = view.getUint32(4, true);
  const nTest = view.getUint32(8, true);
  let o = 12;
  const take = (n) => {
    o += n;
    return buf.subarray(o - n, o);
  };
  const toF32 = (bytes) => Float32Array.from(bytes, (b) => b / 255);
  const train = { x: toF32(take(nTrain * 784)), y: Int32Array.from(take(nTrain)), n: nTrain };
  const test = { x: toF32(take(nTest * 784)), y: Int32Array.from(take(nTest)), n: nTest };
  return { train, test, testBytes: buf.subarray(12 + nTrain * 785, 12 + nTrain * 785 + SHOWN * 784) };
}

/** The book's figures: each activation and its derivative on arange(−8, 8, 0.1), the derivative from the tape. */
function activationCurves() {
  const x = sg.arange(-8, 8, 0.1);
  const xs = Array.from(x.data(), (v) => Math.round(v * 10) / 10);
  const curves = {};
  const fns = { relu: sg.relu, sigmoid: sg.sigmoid, tanh: sg.tanh };
  for (const [name, f] of Object.entries(fns)) {
    x.attachGrad();
    const y = sg.autograd.record(() => f(x));
    y.backward();
    curves[name] = { [`${name}(x)`]: Array.from(y.data()), [`grad of ${name}`]: Array.from(x.grad.data()) };
    y.dispose();
  }
  x.dispose();
  return { x: xs, curves };
}

function argmaxRows(logits, rows, cols) {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (logits[r * cols + c] > logits[r * cols + best]) best = c;
    out[r] = best;
  }
  return out;
}

/** Predictions for `n` images of `set` starting at 0, in one forward pass. */
function predict(model, set, n) {
  return sg.tidy(() => argmaxRows(model.forward(sg.tensor(set.x.subarray(0, n * 784), [n, 784])).data(), n, 10));
}

/** Integer-only seeded shuffle (mulberry32). */
function shuffled(n, seed) {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}

async function run({ epochs = 10, lr = 0.1, batch = 64, hidden = [256, 256], seed = 0 }) {
  stopRequested = false;
  await sg.init();
  post({ type: 'ready', backend: sg.backend(), threads: sg.threads() });
  post({ type: 'activations', ...activationCurves() });
  const { train, test, testBytes } = await loadSubset();
  post({
    type: 'data',
    nTrain: train.n,
    nTest: test.n,
    shown: testBytes,
    labels: Array.from(test.y.subarray(0, SHOWN)),
  });

  const model = new sg.nn.MLP([784, ...hidden, 10], { activation: 'relu', seed });
  const opt = new sg.optim.SGD(model.parameters(), { lr });
  const steps = Math.floor(train.n / batch);
  const evalEvery = Math.max(1, Math.floor(steps / 4));
  const bx = new Float32Array(batch * 784);
  const by = new Int32Array(batch);
  for (let epoch = 0; epoch < epochs && !stopRequested; epoch++) {
    const order = shuffled(train.n, seed + epoch);
    let lossSum = 0;
    let right = 0;
    let seen = 0;
    for (let s = 0; s < steps && !stopRequested; s++) {
      for (let i = 0; i < batch; i++) {
        const k = order[s * batch + i];
        bx.set(train.x.subarray(k * 784, (k + 1) * 784), i * 784);
        by[i] = train.y[k];
      }
      const [loss, logits] = sg.tidy(() => {
        const x = sg.tensor(bx, [batch, 784]);
        let out;
        const l = sg.autograd.record(() => {
          out = model.forward(x);
          return sg.nn.softmaxCrossEntropy(out, by);
        });
        l.backward();
        const result = [l.item(), out.data()];
        opt.step();
        return result;
      });
      lossSum += loss * batch;
      const pred = argmaxRows(logits, batch, 10);
      for (let i = 0; i < batch; i++) right += pred[i] === by[i] ? 1 : 0;
      seen += batch;
      if ((s + 1) % evalEvery === 0 || s + 1 === steps) {
        const testPred = predict(model, test, test.n);
        let ok = 0;
        for (let i = 0; i < test.n; i++) ok += testPred[i] === test.y[i] ? 1 : 0;
        post({
          type: 'progress',
          epoch: epoch + (s + 1) / steps,
          trainLoss: lossSum / seen,
          trainAcc: right / seen,
          testAcc: ok / test.n,
          predictions: Array.from(testPred.subarray(0, SHOWN)),
          memory: sg.memory(),
        });
        lossSum = 0;
        right = 0;
        seen = 0;
      }
      if (s % 4 === 3) await yieldToEvents(); // let a 'stop' message in
    }
  }
  post({ type: 'done', stopped: stopRequested, classes: CLASSES });
}
