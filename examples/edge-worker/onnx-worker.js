// The same inference endpoint as worker.js, serving an ONNX model: any file
// simdgrad/onnx imports (`simdgrad export --out model.onnx`, or a PyTorch,
// Keras or scikit-learn MLP exported to ONNX) with 784 inputs and 10 outputs.
// POST a 28×28 image as a JSON array of 784 numbers in [0, 1]; the answer is
// { label, class, probabilities }. A model that already ends in Softmax is not
// softmaxed twice. Bad bodies get 400 with { error }.
import * as sg from 'simdgrad';
import { importOnnx } from 'simdgrad/onnx';
import kernels from 'simdgrad/wasm/simd128.wasm';
import { BadRequest, CLASSES, PIXELS, parsePixels } from './classify.js';
import modelFile from './model.onnx';

const MAX_BODY = 64 * 1024;
let ready = null;

/** Imports the engine and the ONNX model once per isolate, on the first request. */
function start() {
  ready ??= (async () => {
    await sg.init({ module: kernels });
    const model = importOnnx(new Uint8Array(modelFile));
    model.eval();
    const linears = model.layers.filter((l) => l instanceof sg.nn.Linear);
    const sizes = [linears[0]?.inFeatures, ...linears.map((l) => l.outFeatures)];
    if (sizes[0] !== PIXELS || sizes.at(-1) !== CLASSES.length) {
      throw new Error(`model: expected ${PIXELS} inputs and ${CLASSES.length} classes, the file has sizes ${sizes}`);
    }
    const last = model.layers.at(-1);
    return { model, sizes, endsInSoftmax: last instanceof sg.nn.Softmax };
  })();
  ready.catch(() => {
    ready = null;
  });
  return ready;
}

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** The ten class probabilities, the label and its name. */
function classify({ model, endsInSoftmax }, pixels) {
  return sg.tidy(() => {
    const out = model.forward(sg.tensor(pixels, [1, PIXELS]));
    const probs = (endsInSoftmax ? out : sg.softmax(out)).data();
    let label = 0;
    for (let i = 1; i < probs.length; i++) if (probs[i] > probs[label]) label = i;
    return { label, class: CLASSES[label], probabilities: Array.from(probs) };
  });
}

export default {
  async fetch(request) {
    try {
      if (request.method === 'GET') {
        const { sizes } = await start();
        return json({
          usage: `POST a JSON array of ${PIXELS} numbers in [0, 1]`,
          model: { format: 'onnx', sizes },
          backend: sg.backend(),
          classes: CLASSES,
        });
      }
      if (request.method !== 'POST') return json({ error: `method ${request.method} not allowed: use POST` }, 405);
      const text = await request.text();
      if (text.length > MAX_BODY) return json({ error: `body too large: at most ${MAX_BODY} bytes` }, 413);
      const pixels = parsePixels(text);
      return json(classify(await start(), pixels));
    } catch (e) {
      if (e instanceof BadRequest) return json({ error: e.message }, 400);
      return json({ error: `internal error: ${e?.message ?? e}` }, 500);
    }
  },
};
