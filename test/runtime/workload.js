// The one fixed workload every runtime runs (Node, Deno, Bun, Chromium, workerd).
// Plain ESM with no imports: each runner loads the *built package* the way that
// runtime loads it and passes the module namespace in, so this file is the same
// bytes everywhere. It returns every float it produced, section by section, in a
// fixed order; `digest()` hashes them (SHA-256 over the raw little-endian f32
// bytes, every NaN canonicalized to 0x7fc00000 first, since NaN bits are
// nondeterministic in wasm).
//
// Changing anything here changes the golden digest: regenerate it with
// `npm run golden` in the same commit (see golden.mjs for when that is allowed).

/** Bumped whenever the workload changes; recorded in the golden file. */
export const WORKLOAD_VERSION = 11;

/**
 * Sections whose numbers go through the GEMM (matmul, Linear, the MLP): the only
 * kernels where the relaxed build uses fused multiply-add, so the only sections
 * where relaxed may differ from simd128 (by a tolerance). Every other section must
 * be bit-identical in both builds. Such sections are named `gemm.*`.
 */
export const viaGemm = (name) => name.startsWith('gemm.');

/** Integer-only PRNG (mulberry32 with Math.imul): identical on every engine. */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n floats in [lo, hi) built from the integer PRNG with float64 arithmetic only (+, ×). */
function seeded(n, seed, lo = -1, hi = 1) {
  const r = prng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

/** Inputs that stress the edges: ±inf, NaN, ±0, huge, tiny, denormal, the exp overflow/underflow limits. */
const EXTREMES = [
  Number.NEGATIVE_INFINITY,
  Number.POSITIVE_INFINITY,
  Number.NaN,
  -0,
  0,
  1e30,
  -1e30,
  1e-40,
  -1e-40,
  1.17549435e-38,
  88.72,
  88.73,
  -87.3,
  -104,
  -400,
  400,
  1e-7,
  0.5,
  -0.5,
  3.4028234e38,
  -3.4028234e38,
];

/**
 * Runs the workload. `sg` is the `simdgrad` module namespace, `onnx` the
 * `simdgrad/onnx` one (loaded the same way, so it shares the engine); `init` the
 * options for `sg.init` (e.g. `{ simd: 'simd128' }` or `{ module }`).
 * Returns `{ backend, version, sections: [name, Float32Array][] }`.
 */
export async function workload(sg, init, onnx) {
  if (!onnx?.importOnnx) throw new Error('workload: pass the simdgrad/onnx module namespace too');
  await sg.init(init);
  const sections = [];
  const put = (name, t) => {
    sections.push([name, t.data()]);
    t.dispose();
  };

  // Creation: float64 arithmetic rounded once to f32 (no Math.* involved).
  put('arange', sg.arange(-8, 8, 0.1));
  put('linspace', sg.linspace(-10, 10, 257));
  put('eye', sg.eye(5, 7));
  put('full', sg.full([3, 5], 1 / 3));

  // Seeded generators (splitmix64 + Box-Muller in wasm): the same bits everywhere.
  put('randn', sg.randn([1001], { seed: 5 }));
  put('randn.scaled', sg.randn([7, 9], { seed: 6, mean: 2, std: 0.5 }));
  put('rand', sg.rand([1001], { seed: 7 }));
  put('rand.range', sg.rand([7, 9], { seed: 8, low: -3, high: 5 }));

  // Broadcast add over shapes that are not multiples of 4, plus the extremes.
  const a = sg.tensor(seeded(7 * 13, 1, -3, 3), [7, 13]);
  const b = sg.tensor(seeded(13, 2, -3, 3), [13]);
  const c = sg.tensor(seeded(7, 3), [7, 1]);
  put('add_row', sg.add(a, b));
  put('add_col', sg.add(a, c));
  put('add_outer', sg.add(c, b));
  put('add_scalar', sg.add(a, 0.1));
  const ex = sg.tensor(EXTREMES);
  const exT = sg.tensor(EXTREMES, [EXTREMES.length, 1]);
  put('add_extremes', sg.add(exT, ex)); // every pair, inf − inf and NaN included
  for (const t of [a, b, c, ex, exT]) t.dispose();

  activations(sg, sections);
  unary(sg, sections);
  binary(sg, sections);
  softmaxes(sg, sections);
  gemm(sg, sections);
  mlp(sg, sections, 'relu', [784, 37, 19, 10], 11, 'sgd');
  mlp(sg, sections, 'prelu', [30, 17, 10], 6, 'sgd');
  mlp(sg, sections, 'tanh', [30, 17, 10], 6, 'adam');
  mlp(sg, sections, 'gelu', [30, 17, 10], 6, 'adam');
  training(sg, sections);
  quantized(sg, sections);
  onnxRoundTrip(sg, onnx, sections);

  return { backend: sg.backend(), version: WORKLOAD_VERSION, sections };
}

/** The grid the activations run over: linspace(−10, 10, 257) (the book's plots), a wide grid and the extremes. */
function grid(sg) {
  const fine = sg.linspace(-10, 10, 257);
  const wide = sg.linspace(-120, 120, 97);
  const values = new Float32Array([...fine.data(), ...wide.data(), ...EXTREMES]);
  fine.dispose();
  wide.dispose();
  return values;
}

/** Each activation forward on the grid and its gradient (backward of the sum, head gradient of ones). */
function activations(sg, sections) {
  const g = grid(sg);
  const fns = [
    ['relu', (x) => sg.relu(x)],
    ['sigmoid', (x) => sg.sigmoid(x)],
    ['tanh', (x) => sg.tanh(x)],
    ['prelu', (x) => sg.prelu(x, 0.25)],
    ['gelu', (x) => sg.gelu(x)],
    ['gelu.tanh', (x) => sg.gelu(x, { approximate: 'tanh' })],
  ];
  for (const [name, f] of fns) {
    const x = sg.tensor(g);
    x.attachGrad();
    const y = sg.autograd.record(() => f(x));
    y.backward();
    sections.push([name, y.data()], [`${name}.grad`, x.grad.data()]);
    y.dispose();
    x.dispose();
  }
}

/** exp/log/sqrt forward and backward (their exp/log are computed in wasm, never by Math.*), and sum/mean. */
function unary(sg, sections) {
  const g = grid(sg);
  const pos = Float32Array.from(g, (v) => (v < 0 ? -v : v)); // |x|: ±0, denormals, inf, NaN included
  const fns = [
    ['exp', g, (x) => sg.exp(x)],
    ['log', pos, (x) => sg.log(x)],
    ['sqrt', pos, (x) => sg.sqrt(x)],
    ['square', g, (x) => sg.square(x)],
  ];
  for (const [name, values, f] of fns) {
    const x = sg.tensor(values);
    x.attachGrad();
    const y = sg.autograd.record(() => f(x));
    y.backward();
    sections.push([name, y.data()], [`${name}.grad`, x.grad.data()]);
    y.dispose();
    x.dispose();
  }
  const m = sg.tensor(seeded(9 * 31, 7, -4, 4), [9, 31]);
  for (const [name, t] of [
    ['sum.all', sg.sum(m)],
    ['sum.axis0', sg.sum(m, 0)],
    ['sum.axis1', sg.sum(m, 1)],
    ['mean.axis1', sg.mean(m, 1)],
  ]) {
    sections.push([name, t.data()]);
    t.dispose();
  }
  m.dispose();
}

/**
 * softmax and logSoftmax with their gradients: a seeded 9×37 matrix scaled by 10
 * (rows not a multiple of 4), the grid as one row, rows of huge and equal values,
 * and softmax over axis 0.
 */
function softmaxes(sg, sections) {
  const g = grid(sg).filter((v) => Number.isFinite(v));
  const special = [
    [1e4, 1e4 + 1, 1e4 + 2, 1e4 + 3, -1e4],
    [-1000, 1000, 0, 0, 0],
    [-400, -400, 0, -400, -400],
    [100, 100, 100, 100, 100],
  ];
  const inputs = [
    ['m', seeded(9 * 37, 21, -10, 10), [9, 37], -1],
    ['grid', g, [1, g.length], -1],
    ['special', Float32Array.from(special.flat()), [4, 5], -1],
    ['axis0', seeded(9 * 37, 22, -10, 10), [9, 37], 0],
  ];
  for (const [name, values, shape, axis] of inputs) {
    for (const op of ['softmax', 'logSoftmax']) {
      const x = sg.tensor(values, shape);
      const h = sg.tensor(seeded(values.length, 23, -1, 1), shape);
      x.attachGrad();
      const y = sg.autograd.record(() => sg[op](x, axis));
      y.backward(h);
      sections.push([`${op}.${name}`, y.data()], [`${op}.${name}.grad`, x.grad.data()]);
      for (const t of [x, h, y]) t.dispose();
    }
  }
}

/** Broadcast binary ops forward and backward: both gradients reduced back to the operand shapes. */
function binary(sg, sections) {
  const fns = [
    ['sub', (a, b) => sg.sub(a, b)],
    ['mul', (a, b) => sg.mul(a, b)],
    ['div', (a, b) => sg.div(a, b)],
    ['maximum', (a, b) => sg.maximum(a, b)],
    ['pow', (a, b) => sg.pow(a, b)],
  ];
  for (const [name, f] of fns) {
    const a = sg.tensor(seeded(6 * 11, 11, 0.1, 3), [6, 11]);
    const b = sg.tensor(seeded(11, 12, -2, 2), [11]);
    a.attachGrad();
    b.attachGrad();
    const y = sg.autograd.record(() => f(a, b));
    y.backward();
    sections.push([name, y.data()], [`${name}.gradA`, a.grad.data()], [`${name}.gradB`, b.grad.data()]);
    for (const t of [a, b, y]) t.dispose();
  }
}

/**
 * A seeded nn.MLP: its initial parameters, then three optimizer steps (SGD with
 * momentum 0.9 and weight decay 1e-4, or Adam) of forward, fused softmax
 * cross-entropy and backward, with the logits, the loss and every gradient of
 * each step, the final parameters, and those parameters after a safetensors
 * save/load round trip.
 */
function mlp(sg, sections, activation, sizes, batch, optimizer) {
  const tag = `mlp.${activation}.${optimizer}`;
  const model = new sg.nn.MLP(sizes, { activation, seed: 42 });
  for (const [name, p] of model.namedParameters()) sections.push([`${tag}.init.${name}`, p.data()]);
  const x = sg.tensor(seeded(batch * sizes[0], 31, 0, 1), [batch, sizes[0]]);
  const labels = Array.from({ length: batch }, (_, i) => (i * 7) % sizes.at(-1));
  const opt =
    optimizer === 'adam'
      ? new sg.optim.Adam(model.parameters(), { lr: 0.01, weightDecay: 1e-4 })
      : new sg.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
  for (let step = 0; step < 3; step++) {
    let logits;
    const loss = sg.autograd.record(() => {
      logits = model.forward(x);
      return sg.nn.softmaxCrossEntropy(logits, labels);
    });
    loss.backward();
    sections.push([`gemm.${tag}.step${step}.logits`, logits.data()], [`gemm.${tag}.step${step}.loss`, loss.data()]);
    for (const [name, p] of model.namedParameters())
      sections.push([`gemm.${tag}.step${step}.grad.${name}`, p.grad.data()]);
    opt.step();
    logits.dispose();
    loss.dispose();
  }
  for (const [name, p] of model.namedParameters()) sections.push([`gemm.${tag}.final.${name}`, p.data()]);
  const loaded = sg.io.loadSafetensors(sg.io.saveSafetensors(model));
  for (const [name, t] of loaded) {
    sections.push([`gemm.${tag}.safetensors.${name}`, t.data()]);
    t.dispose();
  }
  x.dispose();
}

/**
 * nn.quantize of seeded MLPs (no GEMM involved: int8 sections are bit-identical
 * in both builds): the int8 weights and scales, the forward at batch B (the int8
 * GEMM) and at batch 1 (the int8 matrix-vector path) on inputs with a zero row,
 * and the outputs after a safetensors (I8) round trip.
 */
function quantized(sg, sections) {
  const cases = [
    ['relu', [784, 37, 19, 10], 11],
    ['prelu', [30, 17, 10], 5],
    ['sigmoid', [30, 17, 10], 3],
    ['tanh', [30, 17, 10], 6],
  ];
  for (const [activation, sizes, batch] of cases) {
    const tag = `int8.mlp.${activation}`;
    const model = new sg.nn.MLP(sizes, { activation, seed: 43 });
    const q = sg.nn.quantize(model, { dtype: 'int8' });
    for (const [name, t] of q.stateDict()) {
      sections.push([`${tag}.${name}`, t instanceof sg.Int8Tensor ? Float32Array.from(t.data()) : t.data()]);
    }
    const values = seeded(batch * sizes[0], 37, -2, 2);
    values.fill(0, 0, sizes[0]); // an all-zero row: scale 0, the output is the bias path
    const x = sg.tensor(values, [batch, sizes[0]]);
    const y = q.forward(x);
    sections.push([`${tag}.forward`, y.data()]);
    const row = sg.slice(x, [batch - 1, 0], [1, -1]);
    const y1 = q.forward(row);
    sections.push([`${tag}.forward1`, y1.data()]);
    const loaded = sg.io.loadSafetensors(sg.io.saveSafetensors(q));
    const back = sg.nn.quantize(new sg.nn.MLP(sizes, { activation, seed: 1 }), { dtype: 'int8' });
    back.loadStateDict(loaded);
    const y2 = back.forward(x);
    sections.push([`${tag}.safetensors.forward`, y2.data()]);
    for (const t of [x, y, row, y1, y2, ...loaded.values()]) t.dispose();
    q.dispose();
    back.dispose();
  }
}

/**
 * simdgrad/onnx: a seeded PReLU MLP exported as ONNX (the bytes themselves, one
 * float per byte), imported back, its forward, one SGD step on the imported
 * model (gradients and new parameters) and the forward after it.
 */
function onnxRoundTrip(sg, onnx, sections) {
  const source = new sg.nn.MLP([30, 17, 10], { activation: 'prelu', seed: 77 });
  const bytes = onnx.exportOnnx(source, { batch: 'N', opset: 17 });
  sections.push(['onnx.bytes', Float32Array.from(bytes)]);
  const model = onnx.importOnnx(bytes);
  const x = sg.tensor(seeded(9 * 30, 41, -2, 2), [9, 30]);
  const before = model.forward(x);
  sections.push(['gemm.onnx.forward', before.data()]);
  const loss = sg.autograd.record(() => sg.nn.softmaxCrossEntropy(model.forward(x), [0, 1, 2, 3, 4, 5, 6, 7, 8]));
  loss.backward();
  for (const [name, p] of model.namedParameters()) sections.push([`gemm.onnx.grad.${name}`, p.grad.data()]);
  new sg.optim.SGD(model.parameters(), { lr: 0.1 }).step();
  const after = model.forward(x);
  sections.push(['gemm.onnx.afterStep', after.data()]);
  for (const t of [before, loss, after, x, ...model.parameters(), ...source.parameters()]) t.dispose();
}

/** Matmul forward and backward: shapes that are not multiples of the 4×8 tile, K = 784 as in the MLP, NT/TN via .T. */
function gemm(sg, sections) {
  const cases = [
    ['gemm.nn', [13, 37], [37, 11], false],
    ['gemm.k784', [5, 784], [784, 9], false],
    ['gemm.nt', [7, 33], [19, 33], true],
  ];
  let seed = 100;
  for (const [name, sa, sb, bT] of cases) {
    const a = sg.tensor(seeded(sa[0] * sa[1], seed++), sa);
    const b = sg.tensor(seeded(sb[0] * sb[1], seed++), sb);
    const h = sg.tensor(seeded(sa[0] * (bT ? sb[0] : sb[1]), seed++), [sa[0], bT ? sb[0] : sb[1]]);
    a.attachGrad();
    b.attachGrad();
    const y = sg.autograd.record(() => sg.matmul(a, bT ? b.T : b));
    y.backward(h);
    sections.push([name, y.data()], [`${name}.gradA`, a.grad.data()], [`${name}.gradB`, b.grad.data()]);
    for (const t of [a, b, h, y]) t.dispose();
  }
}

function canonical(f32) {
  const out = new Float32Array(f32);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++) if (Number.isNaN(out[i])) bits[i] = 0x7fc00000;
  return new Uint8Array(out.buffer);
}

function hex(buf) {
  return Array.from(new Uint8Array(buf), (x) => x.toString(16).padStart(2, '0')).join('');
}

function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/**
 * The digest of a workload result: SHA-256 of every section's canonical bytes
 * in order, plus one SHA-256 per section (to say *which* section diverged).
 * With `values`, each section also carries its raw floats as base64 (for the
 * tolerance comparison of the relaxed build).
 */
export async function digest(result, { values = false } = {}) {
  const sections = [];
  const parts = [];
  for (const [name, f32] of result.sections) {
    const bytes = canonical(f32);
    parts.push(bytes);
    const s = { name, n: f32.length, sha256: hex(await crypto.subtle.digest('SHA-256', bytes)) };
    if (values) s.values = base64(new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength));
    sections.push(s);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return {
    backend: result.backend,
    version: result.version,
    digest: hex(await crypto.subtle.digest('SHA-256', all)),
    sections,
  };
}

/** Runs the workload and returns its digest record (what every runner prints as one JSON line). */
export async function runWorkload(sg, init, opts, onnx) {
  return digest(await workload(sg, init, onnx), opts);
}

/**
 * The training section's seeded pieces: dropout masks (forward and backward, on
 * seeded values and the extremes), nn.init draws, the Huber loss and its
 * gradient, the cosine schedule's rates (cos in wasm), and a dropout MLP
 * trained three steps with clipGradNorm and AdamW (gemm.*: it runs the GEMM).
 */
function training(sg, sections) {
  const x = sg.tensor(seeded(7 * 33, 41, -3, 3), [7, 33]);
  x.attachGrad();
  const y = sg.autograd.record(() => sg.nn.dropout(x, 0.3, { seed: 9 }));
  y.backward(sg.tensor(seeded(7 * 33, 42), [7, 33]));
  sections.push(['dropout', y.data()], ['dropout.grad', x.grad.data()]);
  const ex = sg.tensor(EXTREMES);
  const dex = sg.nn.dropout(ex, 0.5, { seed: 2 ** 40 + 3 });
  sections.push(['dropout.extremes', dex.data()]);
  const w = sg.zeros([37, 19]);
  sections.push(['init.xavierUniform', sg.nn.init.xavierUniform(w, { seed: 3 }).data()]);
  sections.push(['init.kaimingNormal', sg.nn.init.kaimingNormal(w, { nonlinearity: 'relu', seed: 4 }).data()]);
  const p = sg.tensor(seeded(45, 43, -3, 3), [5, 9]);
  const t = sg.tensor(seeded(45, 44, -3, 3), [5, 9]);
  p.attachGrad();
  const h = sg.autograd.record(() => sg.nn.huberLoss(p, t, { delta: 0.7 }));
  h.backward();
  sections.push(['huberLoss', h.data()], ['huberLoss.grad', p.grad.data()]);
  for (const u of [x, y, ex, dex, w, p, t, h]) u.dispose();

  const model = new sg.nn.MLP([30, 17, 13, 10], { dropout: [0.2, 0.5], seed: 7 });
  const opt = new sg.optim.AdamW(model, { lr: 0.01 });
  const sched = new sg.optim.CosineAnnealingLR(opt, { tMax: 4 });
  const xb = sg.tensor(seeded(6 * 30, 45, 0, 1), [6, 30]);
  const labels = [0, 3, 6, 9, 2, 5];
  const lrs = [];
  const norms = [];
  for (let step = 0; step < 3; step++) {
    sg.seed(100 + step);
    const loss = sg.autograd.record(() => sg.nn.softmaxCrossEntropy(model.forward(xb), labels));
    loss.backward();
    norms.push(sg.optim.clipGradNorm(model, 0.5));
    opt.step();
    sched.step();
    lrs.push(opt.lr);
    loss.dispose();
  }
  sections.push(
    ['schedule.cosine', Float32Array.from(lrs)],
    ['gemm.mlp.dropout.adamw.clipnorms', Float32Array.from(norms)],
  );
  for (const [name, q] of model.namedParameters()) sections.push([`gemm.mlp.dropout.adamw.final.${name}`, q.data()]);
  xb.dispose();
  opt.dispose();
}
