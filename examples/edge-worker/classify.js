// The inference logic of the edge worker, free of any host API so that the
// worker and anything else (a Node script, a test) share it: rebuild the MLP
// from a safetensors file written by `simdgrad train` (its __metadata__ names the
// layer sizes and activation; without it the sizes are read off the weights and
// the activation is relu; a file written by `simdgrad quantize` holds int8
// weights and is served through nn.quantize), validate a request body, and
// classify one image.

export const CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
export const PIXELS = 784;

/** A request the caller got wrong: answered with 400 and { error }. */
export class BadRequest extends Error {}

/** The MLP layer sizes implied by PyTorch Sequential names: 0.weight [h1,in], 2.weight [h2,h1], … */
function sizesOf(weights) {
  const idx = [...weights.keys()]
    .map((k) => /^(\d+)\.weight$/.exec(k))
    .filter((m) => m && weights.get(m[0]).ndim === 2)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  if (idx.length === 0) throw new Error('model: no Linear weights (0.weight, 2.weight, …) in the file');
  const sizes = [weights.get(`${idx[0]}.weight`).shape[1]];
  for (const i of idx) sizes.push(weights.get(`${i}.weight`).shape[0]);
  return sizes;
}

/**
 * Loads a model file into a fresh nn.MLP in eval mode, or, when the file holds
 * int8 weights (`simdgrad quantize`), into nn.quantize of it.
 */
export function loadModel(sg, bytes) {
  const weights = sg.io.loadSafetensors(bytes);
  const sizes = sizesOf(weights);
  const activation = weights.metadata?.activation ?? 'relu';
  if (sizes[0] !== PIXELS || sizes.at(-1) !== CLASSES.length) {
    throw new Error(`model: expected ${PIXELS} inputs and ${CLASSES.length} classes, the file has sizes ${sizes}`);
  }
  const quantized = [...weights.values()].some((t) => t instanceof sg.Int8Tensor);
  const float = new sg.nn.MLP(sizes, { activation });
  const model = quantized ? sg.nn.quantize(float, { dtype: 'int8' }) : float;
  model.loadStateDict(weights);
  for (const t of weights.values()) t.dispose();
  model.eval();
  return { model, sizes, activation, quantized };
}

/**
 * Parses and checks a request body: a JSON array of exactly 784 numbers in
 * [0, 1] (a 28×28 image, row-major, as `simdgrad/data` gives them: byte / 255).
 * Returns a Float32Array or throws BadRequest saying what is wrong.
 */
export function parsePixels(text) {
  if (text.trim() === '') throw new BadRequest(`empty body: send a JSON array of ${PIXELS} numbers in [0, 1]`);
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequest(`the body is not valid JSON: send a JSON array of ${PIXELS} numbers in [0, 1]`);
  }
  if (!Array.isArray(body)) {
    throw new BadRequest(`expected a JSON array of ${PIXELS} numbers, got ${body === null ? 'null' : typeof body}`);
  }
  if (body.length !== PIXELS) {
    throw new BadRequest(`expected ${PIXELS} numbers (a 28×28 image, row-major), got ${body.length}`);
  }
  const pixels = new Float32Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) {
    const v = body[i];
    if (typeof v !== 'number') throw new BadRequest(`pixel ${i} is not a number: ${JSON.stringify(v)}`);
    if (!(v >= 0 && v <= 1)) throw new BadRequest(`pixel ${i} is ${v}, expected a number in [0, 1] (byte / 255)`);
    pixels[i] = v;
  }
  return pixels;
}

/** The ten class probabilities (softmax of the logits), the label and its name. */
export function classify(sg, model, pixels) {
  return sg.tidy(() => {
    const x = sg.tensor(pixels, [1, PIXELS]);
    const probs = sg.softmax(model.forward(x)).data();
    let label = 0;
    for (let i = 1; i < probs.length; i++) if (probs[i] > probs[label]) label = i;
    return { label, class: CLASSES[label], probabilities: Array.from(probs) };
  });
}
