// The page: starts the training worker (a same-origin module worker, no blob:),
// draws the live learning curves and the activation figures with simdgrad/plot,
// and shows test images with the labels the model predicts. Runs under
// `Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'`.
import { line } from 'simdgrad/plot';
import { CLASSES } from './classes.js';

const $ = (id) => document.getElementById(id);

/**
 * Puts an SVG string into `el`. simdgrad/plot writes presentation attributes,
 * never style="" attributes, so the markup passes the page's style-src 'self'.
 */
function mountSvg(el, svg) {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  el.replaceChildren(document.importNode(doc.documentElement, true));
}

const history = { x: [], 'train loss': [], 'train acc': [], 'test acc': [] };
let chartUpdates = 0;
function drawCurves() {
  const { x, ...ys } = history;
  mountSvg($('curves'), line({ x, ys, xlabel: 'epoch', width: 720, height: 320, title: 'loss and accuracy' }));
  document.body.dataset.chartUpdates = String(++chartUpdates);
}

function drawActivations({ x, curves }) {
  const box = $('activations');
  box.replaceChildren();
  for (const [name, ys] of Object.entries(curves)) {
    const div = document.createElement('div');
    box.append(div);
    mountSvg(div, line({ x, ys, xlabel: 'x', title: name, width: 360, height: 260 }));
  }
}

let shown = null;
function drawGallery(bytes, labels) {
  shown = { labels, figures: [] };
  const box = $('gallery');
  box.replaceChildren();
  labels.forEach((label, i) => {
    const fig = document.createElement('figure');
    const canvas = document.createElement('canvas');
    canvas.width = 28;
    canvas.height = 28;
    const img = canvas.getContext('2d').createImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      const v = 255 - bytes[i * 784 + p];
      img.data.set([v, v, v, 255], p * 4);
    }
    canvas.getContext('2d').putImageData(img, 0, 0);
    const cap = document.createElement('figcaption');
    cap.className = 'pending';
    cap.textContent = `? (${CLASSES[label]})`;
    fig.append(canvas, cap);
    box.append(fig);
    shown.figures.push(cap);
  });
}

function drawPredictions(preds) {
  if (!shown) return;
  preds.forEach((p, i) => {
    const cap = shown.figures[i];
    const right = p === shown.labels[i];
    cap.className = right ? 'right' : 'wrong';
    cap.textContent = right ? CLASSES[p] : `${CLASSES[p]} (is ${CLASSES[shown.labels[i]]})`;
  });
}

const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
const setStatus = (s) => {
  $('status').textContent = s;
  document.body.dataset.status = s;
};

worker.onmessage = ({ data: m }) => {
  if (m.type === 'ready') {
    $('backend').textContent = m.backend;
    $('threads').textContent = String(m.threads);
  } else if (m.type === 'activations') {
    drawActivations(m);
  } else if (m.type === 'data') {
    setStatus(`training on ${m.nTrain} images…`);
    drawGallery(m.shown, m.labels);
  } else if (m.type === 'progress') {
    history.x.push(Number(m.epoch.toFixed(2)));
    history['train loss'].push(m.trainLoss);
    history['train acc'].push(m.trainAcc);
    history['test acc'].push(m.testAcc);
    $('epoch').textContent = m.epoch.toFixed(2);
    $('loss').textContent = m.trainLoss.toFixed(3);
    $('train-acc').textContent = m.trainAcc.toFixed(3);
    $('test-acc').textContent = m.testAcc.toFixed(3);
    document.body.dataset.testAcc = String(m.testAcc);
    drawCurves();
    drawPredictions(m.predictions);
  } else if (m.type === 'done') {
    setStatus(m.stopped ? 'stopped' : 'done');
    $('start').disabled = false;
    $('stop').disabled = true;
  } else if (m.type === 'error') {
    setStatus(`error: ${m.message}`);
    console.error(m.message);
  }
};
worker.onerror = (e) => {
  setStatus(`worker error: ${e.message}`);
  console.error(e.message);
};

$('start').addEventListener('click', () => {
  for (const k of Object.keys(history)) history[k] = [];
  $('start').disabled = true;
  $('stop').disabled = false;
  setStatus('starting…');
  worker.postMessage({ type: 'start', epochs: 10, lr: 0.1, batch: 64 });
});
$('stop').addEventListener('click', () => worker.postMessage({ type: 'stop' }));
$('start').disabled = false;
setStatus('ready');
