// A child process for test/threads.test.ts (Node, Deno or Bun): imports the built
// package by name, inits with the threads given and runs one scenario, printing
// one JSON line. Nothing here cleans up on purpose: the process must still exit.
//   <runtime> test/threads/child.mjs <scenario> <threads> [--split-all]
import * as sg from 'simdgrad';

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
const [scenario, threadsArg] = args;
const threads = threadsArg === 'auto' ? 'auto' : Number(threadsArg);
const splitAll = args.includes('--split-all');

let pool = null;
globalThis[Symbol.for('simdgrad.testPool')] = (p) => {
  pool = p;
};

async function sha(f32) {
  const d = await crypto.subtle.digest('SHA-256', new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A seeded batch of `b` rows of 784 features and labels in [0, 10). */
function batch(b, seed) {
  const x = sg.rand([b, 784], { seed, low: 0, high: 1 });
  const u = sg.rand([b], { seed: seed + 1, low: 0, high: 10 }).data();
  return { x, y: Int32Array.from(u, (v) => Math.min(9, Math.floor(v))) };
}

/** The book's MLP (784-256-256-10, ReLU, SGD lr 0.1) trained `steps` steps at batch 256; a hash per parameter. */
async function mlp(steps) {
  const model = new sg.nn.MLP([784, 256, 256, 10], { activation: 'relu', seed: 7 });
  const opt = new sg.optim.SGD(model, { lr: 0.1 });
  const data = [0, 1, 2].map((i) => batch(256, 100 + 10 * i));
  for (let s = 0; s < steps; s++) {
    const { x, y } = data[s % data.length];
    sg.tidy(() => {
      sg.autograd.record(() => sg.nn.softmaxCrossEntropy(model.forward(x), y)).backward();
      opt.step();
    });
  }
  const params = {};
  for (const [name, p] of model.namedParameters()) params[name] = await sha(p.data());
  // inference at batch 67 (not a multiple of any tile), three times: the first use of the
  // weights' version packs W the usual way, the later ones read the cached packed copy
  const { x } = batch(67, 200);
  const infer = [];
  for (let i = 0; i < 3; i++) infer.push(await sha(sg.tidy(() => model.forward(x).data())));
  return { params, infer };
}

const out = { scenario, threads: 0 };
try {
  await sg.init({ threads, splitAll, simd: 'simd128' });
  if (scenario !== 'lazy') await sg.startThreads();
  if (scenario === 'mlp') {
    Object.assign(out, await mlp(50));
  } else if (scenario === 'exit') {
    // work big enough to split, then nothing: no dispose, no shutdown call
    const a = sg.randn([512, 512], { seed: 1 });
    out.sum = sg.sum(sg.matmul(a, a)).item();
  } else if (scenario === 'lazy') {
    // batch-1 inference only: the workers must never start
    const model = new sg.nn.MLP([784, 256, 256, 10], { activation: 'relu', seed: 7 });
    const { x } = batch(1, 5);
    for (let i = 0; i < 20; i++) sg.tidy(() => model.forward(x).data());
  } else if (scenario === 'grow') {
    // the memory grows after the workers started; they must compute on blocks past the old end
    const before = sg.memory().wasmBytes;
    const ballast = sg.zeros([48 * 1024 * 1024]); // 192 MB
    const a = sg.randn([300, 784], { seed: 3 });
    const w = sg.randn([256, 784], { seed: 4 });
    // many calls, so the workers take shares even on a busy machine (the caller runs shares they miss)
    let c = null;
    for (let i = 0; i < 30; i++) c = sg.matmul(a, sg.transpose(w));
    out.grew = sg.memory().wasmBytes > before;
    out.hash = await sha(sg.relu(c).data());
    ballast.dispose();
  } else if (scenario === 'death') {
    const a = sg.randn([256, 512], { seed: 1 });
    const first = await sha(sg.matmul(a, sg.transpose(a)).data());
    pool.terminate(0);
    // the exit event arrives (bounded: a busy machine may take a while)
    for (let i = 0; i < 200 && sg.threadStats().ready > 0; i++) await new Promise((r) => setTimeout(r, 50));
    try {
      sg.matmul(a, sg.transpose(a));
      out.error = null;
    } catch (e) {
      out.error = { name: e.name, message: e.message };
    }
    // then the engine works again (fresh workers) with the same bits
    await sg.startThreads();
    out.again = (await sha(sg.matmul(a, sg.transpose(a)).data())) === first;
  } else if (scenario === 'midcall') {
    // a worker exits after claiming a share, in the middle of a call: that call must end
    // in a SimdgradError (a bounded wait), not hang, and leave no tensor behind
    const a = sg.randn([512, 512], { seed: 1 });
    const first = await sha(sg.matmul(a, a).data());
    const before = sg.memory();
    pool.waitMinMs(2000);
    pool.dieMidCall(0);
    const t0 = performance.now();
    out.error = null;
    // the worker dies at the first share it claims (the caller may take every share of a call it is slow to wake for)
    for (let i = 0; i < 50 && out.error === null; i++) {
      try {
        sg.tidy(() => sg.matmul(a, a).data()); // the output the failed call had allocated goes with its scope
      } catch (e) {
        out.error = { name: e.name, message: e.message };
      }
    }
    out.waitedMs = Math.round(performance.now() - t0);
    out.leaked = sg.memory().tensors - before.tensors;
    await sg.startThreads();
    out.again = (await sha(sg.matmul(a, a).data())) === first;
  } else if (scenario === 'soak') {
    const model = new sg.nn.MLP([64, 32, 10], { activation: 'relu', seed: 1 });
    const opt = new sg.optim.SGD(model, { lr: 0.05, momentum: 0.9 });
    const xs = [0, 1, 2, 3].map((i) => sg.randn([16, 64], { seed: 100 + i }));
    const ys = [0, 1, 2, 3].map(() => Int32Array.from({ length: 16 }, (_, j) => j % 10));
    let base = null;
    out.samples = [];
    for (let step = 0; step < 10_000; step++) {
      sg.tidy(() => {
        sg.autograd.record(() => sg.nn.softmaxCrossEntropy(model.forward(xs[step % 4]), ys[step % 4])).backward();
        opt.step();
      });
      if (step === 100) base = sg.memory();
      if (step > 100 && step % 1000 === 0) out.samples.push(sg.memory());
    }
    out.base = base;
  }
  out.threads = sg.threads();
  out.stats = sg.threadStats();
} catch (e) {
  out.fatal = `${e.name}: ${e.message}`;
}
console.log(JSON.stringify(out));
