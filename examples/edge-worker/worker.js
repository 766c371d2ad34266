// An inference endpoint on workerd / Cloudflare Workers: POST a 28×28 image as a
// JSON array of 784 numbers in [0, 1]; the answer is
// { label, class, probabilities: [10 numbers] }. Bad bodies get 400 with { error }.
//
// The kernels come in as a compiled WebAssembly.Module (edge hosts forbid
// compiling wasm from bytes) and the model file as an ArrayBuffer: both are
// module imports the host resolves (config.capnp here, wrangler.toml when deployed).
import * as sg from 'simdgrad';
import kernels from 'simdgrad/wasm/simd128.wasm';
import { BadRequest, CLASSES, classify, loadModel, PIXELS, parsePixels } from './classify.js';
import modelFile from './model.safetensors';

const MAX_BODY = 64 * 1024;
let ready = null;

/** Loads the engine and the model once per isolate, on the first request. */
function start() {
  ready ??= (async () => {
    await sg.init({ module: kernels });
    return loadModel(sg, new Uint8Array(modelFile));
  })();
  ready.catch(() => {
    ready = null;
  });
  return ready;
}

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export default {
  async fetch(request) {
    try {
      return await handle(request);
    } catch (e) {
      if (e instanceof BadRequest) return json({ error: e.message }, 400);
      return json({ error: `internal error: ${e?.message ?? e}` }, 500);
    }
  },
};

async function handle(request) {
  if (request.method === 'GET') {
    const { sizes, activation, quantized } = await start();
    return json({
      usage: `POST a JSON array of ${PIXELS} numbers in [0, 1] (a 28×28 image, row-major)`,
      model: { sizes, activation, ...(quantized ? { quantized: 'int8' } : {}) },
      backend: sg.backend(),
      threads: sg.threads(), // workerd has no threads: 1
      classes: CLASSES,
    });
  }
  if (request.method !== 'POST') return json({ error: `method ${request.method} not allowed: use POST` }, 405);
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > MAX_BODY) return json({ error: `body too large: ${length} bytes, at most ${MAX_BODY}` }, 413);
  const text = await request.text();
  if (text.length > MAX_BODY) return json({ error: `body too large: at most ${MAX_BODY} bytes` }, 413);
  const pixels = parsePixels(text);
  const { model } = await start();
  return json(classify(sg, model, pixels));
}
